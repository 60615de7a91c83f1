"""The run journal of the main job: what became of each input record, durably.

``aurora-edc issue`` appends one JSON line per input record to
``OUT/.aurora-issue.jsonl`` as soon as the record's files are written: its
position in the input (``seq``), a digest of the record as read, its outcome
(as ``report.json`` lists it) and the SHA-256 of every file written. The first
line holds the run's settings (profile, formats, issue time, seal
certificate, a digest of the organisations and specifications).

A run killed at any point leaves a journal whose complete lines are true: a
torn last line is cut off when the journal is reopened. A new run with the
same settings resumes it: a record whose line matches (same position, id,
source and digest) and whose files still exist with the recorded SHA-256 is
not issued again. ``report.json`` is then assembled from the journal in input
order, so it is the same as that of an uninterrupted run. Memory stays flat:
the journal is indexed by file offset, eight bytes per record.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from ._exceptions import InputError
from ._outputs import atomic_writer
from ._pipeline import RecordOutcome

__all__ = ["JOURNAL_NAME", "IssueJournal", "read_journal_settings"]

log = logging.getLogger(__name__)

JOURNAL_NAME = ".aurora-issue.jsonl"
_MAGIC = "aurora-edc issue journal"
_VERSION = 1
_STATUSES = ("written", "invalid", "error")


def read_journal_settings(out_dir: Path) -> dict[str, Any] | None:
    """Return the settings of the journal in ``out_dir``, or None if there is none.

    Args:
        out_dir: The output directory of a run.

    Returns:
        The settings of its first line, when that line is intact.

    """
    try:
        with (out_dir / JOURNAL_NAME).open("rb") as handle:
            header = _parse(handle.readline())
    except OSError:
        return None
    if header is None or header.get("journal") != _MAGIC:
        return None
    settings = header.get("settings")

    return settings if isinstance(settings, dict) else None


class IssueJournal:
    """The append-only journal of one output directory.

    Args:
        out_dir: The output directory.
        settings: The run's settings; a journal with other settings is
            started afresh, as is any journal when ``restart`` is set.
        restart: Forget what an earlier run did.

    Raises:
        InputError: The journal cannot be read or written.

    """

    def __init__(
        self, out_dir: Path, settings: Mapping[str, Any], *, restart: bool = False
    ) -> None:
        self.path = out_dir / JOURNAL_NAME
        self.settings = dict(settings)
        self._offsets = array("q")
        self._status = bytearray()
        self.resumed = 0
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            keep = not restart and read_journal_settings(out_dir) == self.settings
            if keep:
                self._load()
            else:
                self._start(restart)
            self._append: IO[bytes] = self.path.open("ab")
            self._read: IO[bytes] = self.path.open("rb")
            self._size = self.path.stat().st_size
        except OSError as exc:
            raise InputError(f"run journal: {exc}", source=str(self.path)) from exc

    def close(self) -> None:
        """Flush and close the journal."""
        self.sync()
        self._append.close()
        self._read.close()

    def __enter__(self) -> IssueJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- resuming ----------------------------------------------------------

    def completed(
        self, seq: int, record: str, source: str, digest: str, out_dir: Path
    ) -> tuple[bool, list[str]]:
        """Tell whether a record was already issued, its files intact.

        Args:
            seq: The record's position in the input.
            record: Its id.
            source: Where it was read.
            digest: Digest of the record as read now.
            out_dir: The output directory.

        Returns:
            Whether it is complete; if not, the files an earlier run wrote for
            this position (to remove unless written again).

        """
        entry = self.entry(seq)
        if entry is None:
            return False, []
        outcome = entry.get("outcome", {})
        files: list[str] = list(outcome.get("files", []))
        same = (
            entry.get("input") == digest
            and outcome.get("record") == record
            and outcome.get("source") == source
        )
        if same and all(
            _intact(out_dir / name, entry.get("sha256", {}).get(name)) for name in files
        ):
            self.resumed += 1
            return True, []

        return False, files

    def entry(self, seq: int) -> dict[str, Any] | None:
        """Return the latest journal line of input position ``seq``, or None."""
        if seq >= len(self._offsets) or self._offsets[seq] < 0:
            return None
        self._append.flush()
        self._read.seek(self._offsets[seq])

        return _parse(self._read.readline())

    # --- recording ---------------------------------------------------------

    def append(self, seq: int, digest: str, outcome: RecordOutcome) -> None:
        """Record the outcome of input position ``seq`` (buffered; see :meth:`sync`).

        Args:
            seq: The record's position in the input.
            digest: Digest of the record as read.
            outcome: What became of it.

        """
        line = {
            "seq": seq,
            "input": digest,
            "outcome": outcome.to_dict(),
            "sha256": outcome.sha256,
        }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        self._append.write(data)
        self._index(seq, self._size, outcome.status)
        self._size += len(data)

    def sync(self) -> None:
        """Make every line appended so far durable."""
        if not self._append.closed:
            self._append.flush()
            os.fsync(self._append.fileno())

    # --- the report --------------------------------------------------------

    def counts(self, inputs: int) -> dict[str, int]:
        """Return the number of records per status among the first ``inputs``."""
        counts = dict.fromkeys(_STATUSES, 0)
        for code in self._status[:inputs]:
            if code:
                counts[_STATUSES[code - 1]] += 1

        return counts

    def write_report(self, path: Path, inputs: int, head: Mapping[str, Any]) -> None:
        """Write ``report.json`` atomically, records in input order.

        The layout is that of ``json.dumps(report, indent=2)``; records are
        read back from the journal one at a time.

        Args:
            path: Where the report goes.
            inputs: Number of input records of this run.
            head: The members before ``records`` (profile, formats, issued,
                summary).

        Raises:
            InputError: A record of the input has no journal line.

        """
        self._append.flush()
        with atomic_writer(path, encoding="utf-8") as out:
            out.write("{\n")
            for key, value in head.items():
                out.write(f"  {json.dumps(key)}: {_nested(value, 1)},\n")
            out.write('  "records": [')
            for seq in range(inputs):
                entry = self.entry(seq)
                if entry is None:
                    raise InputError(f"no journal line for input record {seq}")
                out.write("," if seq else "")
                out.write(f"\n    {_nested(entry['outcome'], 2)}")
            out.write("\n  ]\n}" if inputs else "]\n}")

    # --- internals ---------------------------------------------------------

    def _start(self, restart: bool) -> None:
        if self.path.exists() and restart:
            log.info("run journal %s started afresh (restart)", self.path)
        elif self.path.exists():
            log.warning(
                "run journal %s belongs to other settings: started afresh", self.path
            )
        header = {"journal": _MAGIC, "version": _VERSION, "settings": self.settings}
        with self.path.open("wb") as handle:
            handle.write((json.dumps(header, ensure_ascii=False) + "\n").encode())
            handle.flush()
            os.fsync(handle.fileno())

    def _load(self) -> None:
        """Index the complete lines; cut a torn last line off."""
        good_end = 0
        with self.path.open("rb") as handle:
            for raw in iter(handle.readline, b""):
                offset = good_end
                line = _parse(raw) if raw.endswith(b"\n") else None
                if line is None:
                    break
                good_end += len(raw)
                if isinstance(line.get("seq"), int):
                    self._index(line["seq"], offset, line["outcome"]["status"])
        if good_end < self.path.stat().st_size:
            log.warning("run journal %s: torn last line cut off", self.path)
            os.truncate(self.path, good_end)

    def _index(self, seq: int, offset: int, status: str) -> None:
        if seq >= len(self._offsets):
            grow = seq + 1 - len(self._offsets)
            self._offsets.extend([-1] * grow)
            self._status.extend(bytes(grow))
        self._offsets[seq] = offset
        self._status[seq] = _STATUSES.index(status) + 1


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None

    return data if isinstance(data, dict) else None


def _nested(value: Any, depth: int) -> str:
    """Return ``value`` as ``json.dumps(..., indent=2)`` writes it at ``depth``."""
    text = json.dumps(value, indent=2, ensure_ascii=False)

    return text.replace("\n", "\n" + "  " * depth)


def _intact(path: Path, expected: str | None) -> bool:
    if expected is None:
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False

    return hashlib.sha256(data).hexdigest() == expected
