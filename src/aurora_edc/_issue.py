"""The main job: records in, validated (and sealed) EDC files and a report out.

For each award, build the credential (:mod:`aurora_edc._build`), validate it
against the chosen SHACL profile (EDC application profile of ELM v3), write it
in each requested format, sealed when a key is given
(:mod:`aurora_edc._pipeline`). Every input record ends either as written files
or as a reported error or set of violations in ``report.json``; one bad record
never stops the others.

Built for rosters of any size: records are read incrementally
(:func:`aurora_edc._loaders.stream_records`), issued by worker processes
(:mod:`aurora_edc._workers`) in slices, and each outcome goes to the run
journal (:mod:`aurora_edc._issue_journal`) as soon as its files are written,
so memory stays flat and a killed run resumes where it stopped. The issue
time is fixed once per run, so the files and ``report.json`` are the same
whatever the number of workers and however often the run was interrupted.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ._elm import format_datetime
from ._exceptions import RecordError
from ._issue_journal import IssueJournal
from ._issue_settings import (
    check_options,
    input_digest,
    remove_partial_files,
    run_issued,
    run_items,
    run_settings,
    seal_identity,
)
from ._issue_shacl import Validator, resolve_engine
from ._loaders import RecordBatch, RecordStream, SourcedAward
from ._outputs import output_stem, write_atomic
from ._pipeline import (
    IssueContext,
    IssueOptions,
    RecordIssuer,
    RecordOutcome,
    SealSettings,
    error_outcome,
    record_issuer,
)
from ._workers import run_ordered

__all__ = [
    "IssueOptions",
    "IssueReport",
    "IssueSummary",
    "RecordOutcome",
    "SealSettings",
    "issue_batch",
    "issue_records",
    "output_stem",
    "write_atomic",
]

log = logging.getLogger(__name__)

REPORT_NAME = "report.json"
Progress = Callable[[RecordOutcome, bool], None]
Runner = Callable[
    [Iterable[list[SourcedAward]], IssueContext], Iterable[list[RecordOutcome]]
]
_Chunk = list[tuple[int, str, SourcedAward]]


@dataclass(frozen=True)
class IssueSummary:
    """The counts of a run; the outcomes themselves are in ``report.json``.

    Attributes:
        report: Path of ``report.json``.
        profile: SHACL profile validated against.
        formats: Output formats.
        issued: The run's issue time.
        inputs: Number of input records.
        written: Records written.
        invalid: Records that do not conform.
        error: Records that could not be issued.
        resumed: Records an earlier, interrupted run had already issued.

    """

    report: Path
    profile: str
    formats: tuple[str, ...]
    issued: datetime
    inputs: int
    written: int
    invalid: int
    error: int
    resumed: int = 0

    @property
    def ok(self) -> bool:
        """Whether every record was written."""
        return self.written == self.inputs


@dataclass
class IssueReport:
    """The outcome of every input record of a run (for in-memory batches)."""

    outcomes: list[RecordOutcome]
    profile: str
    formats: tuple[str, ...]
    issued: datetime

    @property
    def failed(self) -> int:
        """Number of records not written."""
        return sum(outcome.status != "written" for outcome in self.outcomes)

    @property
    def ok(self) -> bool:
        """Whether every record was written."""
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        """Return the report as written to ``report.json``."""
        counts = {status: 0 for status in ("written", "invalid", "error")}
        for outcome in self.outcomes:
            counts[outcome.status] += 1

        return {
            "profile": self.profile,
            "formats": list(self.formats),
            "issued": format_datetime(self.issued),
            "summary": {"inputs": len(self.outcomes), **counts},
            "records": [outcome.to_dict() for outcome in self.outcomes],
        }


def issue_records(
    records: RecordStream | RecordBatch,
    options: IssueOptions,
    *,
    workers: int = 1,
    batch_size: int = 32,
    restart: bool = False,
    progress: Progress | None = None,
    validator: Validator | None = None,
    runner: Runner | None = None,
) -> IssueSummary:
    """Issue every record, resuming an interrupted run, and write ``report.json``.

    Args:
        records: A stream (:func:`aurora_edc._loaders.stream_records`) or an
            in-memory batch.
        options: Output directory, formats, profile, engine, seal.
        workers: Worker processes; 1 issues in this process.
        batch_size: Records per task (validated together).
        restart: Issue every record again, ignoring the run journal.
        progress: Called with each outcome and whether an earlier run made it.
        validator: Validation step replacing SHACL; only with one worker.
        runner: Where slices of records are issued: a function from the
            slices and the context to their outcomes, in order (see
            :func:`aurora_edc._dask.dask_runner`); local worker processes by
            default.

    Returns:
        The counts; the outcomes are in ``options.out_dir / "report.json"``.

    Raises:
        ValueError: An unknown format or engine, or ``validator`` with
            several workers.
        InputError: A record file became unreadable, or the journal failed.
        KeyMaterialError: The seal key is unusable.
        ArtefactError: The shapes cannot be loaded.

    """
    check_options(options, workers, validator)
    definitions = records if isinstance(records, RecordBatch) else records.definitions
    engine = options.engine
    if options.validate and validator is None:
        engine = resolve_engine(engine)
    seal_id = seal_identity(options.seal)
    inputs = (
        [str(path.resolve()) for path in records.files]
        if isinstance(records, RecordStream)
        else None
    )
    issued = run_issued(options, definitions, seal_id, restart, inputs=inputs)
    settings = run_settings(options, issued, definitions, seal_id, inputs=inputs)
    context = IssueContext(
        replace(options, engine=engine, issued=issued),
        issued,
        definitions.organisations,
        definitions.specifications,
    )

    if runner is None:
        runner = (
            _custom_runner(validator)
            if validator is not None
            else functools.partial(_local_runner, workers=workers)
        )
    with IssueJournal(options.out_dir, settings, restart=restart) as journal:
        remove_partial_files(options.out_dir)
        run = _Run(journal, options.out_dir, progress)
        chunks: deque[_Chunk] = deque()
        for outcomes in runner(
            run.slices(run_items(records), batch_size, chunks), context
        ):
            run.record(chunks.popleft(), outcomes)
        summary = _finish(journal, run, options, issued)
    log.info(
        "issued %d of %d records into %s (%d from an earlier run)",
        summary.written,
        summary.inputs,
        options.out_dir,
        summary.resumed,
    )

    return summary


def issue_batch(
    batch: RecordBatch, options: IssueOptions, *, validator: Validator | None = None
) -> IssueReport:
    """Issue every award of an in-memory batch, in this process.

    Args:
        batch: Records read by :func:`aurora_edc._loaders.load_records`.
        options: Output directory, formats, profile.
        validator: Validation step; the SHACL validation of
            ``options.profile`` by default.

    Returns:
        The report, also written to ``options.out_dir / "report.json"``.

    """
    summary = issue_records(batch, options, validator=validator)
    report = json.loads(summary.report.read_text("utf-8"))

    return IssueReport(
        [RecordOutcome.from_dict(entry) for entry in report["records"]],
        options.profile,
        options.formats,
        summary.issued,
    )


# --- the run ---------------------------------------------------------------


class _Run:
    """Main-process bookkeeping: what to issue, what to record."""

    def __init__(
        self, journal: IssueJournal, out_dir: Path, progress: Progress | None
    ) -> None:
        self.journal = journal
        self.out_dir = out_dir
        self.progress = progress
        self.inputs = 0
        # Output file stem (case folded) -> the first award id and source.
        self._first: dict[str, tuple[str, str]] = {}
        self._stale: dict[int, list[str]] = {}

    def slices(
        self,
        items: Iterable[SourcedAward | RecordError],
        batch_size: int,
        chunks: deque[_Chunk],
    ) -> Iterator[list[SourcedAward]]:
        """Yield slices of the awards still to issue; settle the others here.

        Each slice's positions and digests are appended to ``chunks``, for
        :meth:`record` to match with the slice's outcomes.
        """
        for chunk in self._chunks(items, batch_size):
            chunks.append(chunk)
            yield [item for _, _, item in chunk]

    def _chunks(
        self, items: Iterable[SourcedAward | RecordError], batch_size: int
    ) -> Iterator[_Chunk]:
        chunk: _Chunk = []
        for seq, item in enumerate(items):
            self.inputs = seq + 1
            unique = self._unique(item) if isinstance(item, SourcedAward) else item
            if isinstance(unique, SourcedAward):
                digest = input_digest(unique.award.model_dump_json())
                if not self._done(seq, unique.award.id, unique.source, digest):
                    chunk.append((seq, digest, unique))
            else:
                self._settle(seq, unique)
            if len(chunk) >= batch_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def record(self, chunk: _Chunk, outcomes: list[RecordOutcome]) -> None:
        """Journal the outcomes of one slice."""
        for (seq, digest, _), outcome in zip(chunk, outcomes, strict=True):
            self._journal(seq, digest, outcome)
        self.journal.sync()

    def _journal(self, seq: int, digest: str, outcome: RecordOutcome) -> None:
        """Append one outcome; remove files an earlier run wrote for it only."""
        self.journal.append(seq, digest, outcome)
        for name in self._stale.pop(seq, []):
            if name not in outcome.files:
                (self.out_dir / name).unlink(missing_ok=True)
        if self.progress is not None:
            self.progress(outcome, False)

    def _unique(self, item: SourcedAward) -> SourcedAward | RecordOutcome:
        award_id = item.award.id
        # Ids name the files: two ids that give one file name (also on a
        # case-insensitive file system) would overwrite each other's credential.
        stem = output_stem(award_id).casefold()
        first = self._first.get(stem)
        if first is None:
            self._first[stem] = (award_id, item.source)
            return item
        first_id, first_source = first
        if first_id == award_id:
            message = f"award id already used by the record at {first_source}"
        else:
            message = (
                f"award id names the same output files as award {first_id!r} at "
                f"{first_source} ({output_stem(first_id)}.*)"
            )
        error = RecordError(
            message,
            record_id=award_id,
            path="id",
            rule="award ids are unique within a run (they name the files)",
        )

        return error_outcome(error, item.source)

    def _settle(self, seq: int, item: RecordError | RecordOutcome) -> None:
        """Record an item that failed before issuing (no worker needed)."""
        outcome = (
            item
            if isinstance(item, RecordOutcome)
            else error_outcome(item, item.source or item.record_id or "?")
        )
        digest = input_digest(json.dumps(outcome.to_dict(), sort_keys=True))
        if not self._done(seq, outcome.record, outcome.source, digest):
            self._journal(seq, digest, outcome)

    def _done(self, seq: int, record: str, source: str, digest: str) -> bool:
        complete, stale = self.journal.completed(
            seq, record, source, digest, self.out_dir
        )
        if stale:
            self._stale[seq] = stale
        if complete and self.progress is not None:
            entry = self.journal.entry(seq)
            assert entry is not None
            self.progress(RecordOutcome.from_dict(entry["outcome"]), True)

        return complete


def _finish(
    journal: IssueJournal, run: _Run, options: IssueOptions, issued: datetime
) -> IssueSummary:
    counts = journal.counts(run.inputs)
    path = options.out_dir / REPORT_NAME
    head = {
        "profile": options.profile,
        "formats": list(options.formats),
        "issued": format_datetime(issued),
        "summary": {"inputs": run.inputs, **counts},
    }
    journal.write_report(path, run.inputs, head)

    return IssueSummary(
        path,
        options.profile,
        options.formats,
        issued,
        run.inputs,
        counts["written"],
        counts["invalid"],
        counts["error"],
        journal.resumed,
    )


# --- workers ---------------------------------------------------------------

_WORKER_CONTEXT: list[IssueContext] = []


def _local_runner(
    slices: Iterable[list[SourcedAward]], context: IssueContext, *, workers: int
) -> Iterator[list[RecordOutcome]]:
    """Issue slices on local worker processes (or here, with one worker)."""
    return run_ordered(
        _issue_slice,
        slices,
        workers=workers,
        initializer=_init_worker,
        initargs=(context,),
    )


def _init_worker(context: IssueContext) -> None:
    """Keep the run's context and prepare the issuer (shapes, key) once."""
    _WORKER_CONTEXT[:] = [context]
    record_issuer(context)


def _issue_slice(awards: list[SourcedAward]) -> list[RecordOutcome]:
    return record_issuer(_WORKER_CONTEXT[0]).issue(awards)


def _custom_runner(validator: Validator) -> Runner:
    """Issue in this process with a custom validation step."""

    def run(
        slices: Iterable[list[SourcedAward]], context: IssueContext
    ) -> Iterator[list[RecordOutcome]]:
        issuer = RecordIssuer(context, validator)
        return map(issuer.issue, slices)

    return run
