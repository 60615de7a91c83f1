"""Durable journal of credential deposits, so that a run can resume.

One row per credential and destination (the pair is the primary key), holding
its delivery state, the attempts made, the last HTTP status and failure reason,
and UTC timestamps. States move ``pending -> sending -> delivered | failed``;
``sending`` marks a request that may or may not have reached the wallet: a
resumed run sends it again, and the Europass wallet's 409 for a known id turns
that second send into "already delivered" instead of a duplicate.

Storage is SQLite (stdlib ``sqlite3``) in WAL mode with ``synchronous=FULL``:

* every state change is one committed transaction, flushed to disk before the
  next request goes out, so a killed process loses nothing it has recorded;
* the primary key makes a second row for the same credential and destination
  impossible, where an append-only log would need replay and de-duplication;
* WAL lets ``aurora-edc handoff journal`` read while a run writes.

One run at a time: :meth:`DepositJournal.run_lock` takes an exclusive
``flock`` on ``<journal>.lock`` (which records the holder's pid), so a second
run on the same journal fails at once instead of sending everything twice. The
kernel drops the lock when its process dies, so a killed run leaves none.
"""

from __future__ import annotations

import enum
import fcntl
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from ._exceptions import HandoffError, InputError

__all__ = ["DeliveryState", "DepositJournal", "JournalEntry"]

logger = logging.getLogger(__name__)

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    credential_id TEXT NOT NULL,
    destination   TEXT NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
    source        TEXT,
    sha256        TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    http_status   INTEGER,
    reason        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    delivered_at  TEXT,
    PRIMARY KEY (credential_id, destination)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = (
    "credential_id, destination, state, source, sha256, attempts, http_status, "
    "reason, created_at, updated_at, delivered_at"
)


class DeliveryState(enum.StrEnum):
    """Where a credential stands on its way to one destination."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class JournalEntry:
    """One credential for one destination, as recorded.

    Attributes:
        credential_id: The credential's id.
        destination: Where it goes (``user:<id>`` or ``email:<address>``).
        state: Its delivery state.
        source: File that holds the sealed credential, for a resumed run.
        sha256: Hex SHA-256 of that file when it was recorded.
        attempts: Deposit tries started (each may retry requests).
        http_status: Status of the last answer, if any.
        reason: Why the last try failed, if it did.
        created_at: When it was recorded (ISO 8601, UTC).
        updated_at: Last change.
        delivered_at: When the wallet confirmed it.
    """

    credential_id: str
    destination: str
    state: DeliveryState
    source: str | None
    sha256: str | None
    attempts: int
    http_status: int | None
    reason: str | None
    created_at: str
    updated_at: str
    delivered_at: str | None


class DepositJournal:
    """SQLite journal of deposits; one file, safe across crashes.

    Args:
        path: Journal file (created with its directory if missing).
        wallet: The wallet API root this journal is for. It is stored on first
            use; a journal of another wallet is refused, since its destinations
            would mean other accounts.

    Raises:
        InputError: The file is not a journal, or belongs to another wallet.
    """

    def __init__(self, path: Path | str, *, wallet: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a deposit journal: {exc}", source=str(path)) from exc
        if wallet is not None:
            self.bind_wallet(wallet)

    def __enter__(self) -> DepositJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (every change is already committed)."""
        self._db.close()

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold the journal for one deposit run, exclusively.

        Yields:
            Nothing; the lock is held until the block ends.

        Raises:
            HandoffError: Another run (another process, or another journal
                object of this one) holds the lock; nothing is sent.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+", encoding="ascii") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read(20).strip() or "unknown"
                raise HandoffError(
                    f"journal {self.path} is in use by another deposit run "
                    f"(pid {holder}); wait for it to end, or use another journal"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def wallet(self) -> str | None:
        """The wallet API root recorded in the journal, if any."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'wallet'").fetchone()

        return None if row is None else str(row[0])

    def bind_wallet(self, wallet: str) -> None:
        """Record the wallet this journal is for, or check it is the same.

        Args:
            wallet: The wallet API root.

        Raises:
            InputError: The journal belongs to another wallet.
        """
        wallet = wallet.rstrip("/")
        recorded = self.wallet
        if recorded is None:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('wallet', ?)", (wallet,)
                )
        elif recorded != wallet:
            raise InputError(
                f"this journal is for wallet {recorded}, not {wallet}; use one journal "
                "per wallet",
                source=str(self.path),
            )

    def enqueue(
        self,
        items: Iterable[tuple[str, str, str | None, str | None]],
    ) -> int:
        """Record credentials as pending, in one transaction.

        Rows already in the journal keep their state (a re-run does not reset a
        delivered credential).

        Args:
            items: ``(credential_id, destination, source, sha256)`` tuples.

        Returns:
            How many rows were new.
        """
        now = _now()
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO deliveries (credential_id, destination, "
                "state, source, sha256, created_at, updated_at) "
                "VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                (
                    (cid, dest, src, digest, now, now)
                    for cid, dest, src, digest in items
                ),
            )
            added = db.total_changes - before

        return added

    def begin_attempt(self, credential_id: str, destination: str) -> None:
        """Mark a credential as being sent, before the request goes out.

        Args:
            credential_id: The credential's id.
            destination: Its destination.

        Raises:
            InputError: The pair is not in the journal.
        """
        self._update(
            credential_id,
            destination,
            "state = 'sending', attempts = attempts + 1, updated_at = ?",
            (_now(),),
        )

    def mark_delivered(
        self, credential_id: str, destination: str, *, http_status: int
    ) -> None:
        """Record that the wallet holds the credential (201, or 409 known id).

        Args:
            credential_id: The credential's id.
            destination: Its destination.
            http_status: The wallet's answer.

        Raises:
            InputError: The pair is not in the journal.
        """
        now = _now()
        self._update(
            credential_id,
            destination,
            "state = 'delivered', http_status = ?, reason = NULL, updated_at = ?, "
            "delivered_at = ?",
            (http_status, now, now),
        )

    def mark_failed(
        self,
        credential_id: str,
        destination: str,
        *,
        reason: str,
        http_status: int | None = None,
    ) -> None:
        """Record a failed try and its reason.

        Args:
            credential_id: The credential's id.
            destination: Its destination.
            reason: The error message.
            http_status: The wallet's answer, None without one.

        Raises:
            InputError: The pair is not in the journal.
        """
        self._update(
            credential_id,
            destination,
            "state = 'failed', http_status = ?, reason = ?, updated_at = ?",
            (http_status, reason, _now()),
        )

    def get(self, credential_id: str, destination: str) -> JournalEntry | None:
        """Return one entry, or None when it is not recorded.

        Args:
            credential_id: The credential's id.
            destination: Its destination.

        Returns:
            The entry or None.
        """
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM deliveries WHERE credential_id = ? "
            "AND destination = ?",
            (credential_id, destination),
        ).fetchone()

        return None if row is None else _entry(row)

    def entries(self, *states: DeliveryState) -> list[JournalEntry]:
        """Return the entries in insertion order, optionally of some states.

        Args:
            *states: Keep only these states; all when none is given.

        Returns:
            The entries.
        """
        wanted = [state.value for state in states] or [s.value for s in DeliveryState]
        marks = ", ".join("?" * len(wanted))
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM deliveries WHERE state IN ({marks}) "
            "ORDER BY rowid",
            wanted,
        ).fetchall()

        return [_entry(row) for row in rows]

    def counts(self) -> dict[DeliveryState, int]:
        """Count entries per state.

        Returns:
            A count for every state, zero included.
        """
        counts = dict.fromkeys(DeliveryState, 0)
        for state, number in self._db.execute(
            "SELECT state, COUNT(*) FROM deliveries GROUP BY state"
        ):
            counts[DeliveryState(state)] = int(number)

        return counts

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _update(
        self,
        credential_id: str,
        destination: str,
        assignments: str,
        values: tuple[object, ...],
    ) -> None:
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE deliveries SET {assignments} "
                "WHERE credential_id = ? AND destination = ?",
                (*values, credential_id, destination),
            )
            if cursor.rowcount != 1:
                raise InputError(
                    f"{credential_id} for {destination} is not in the journal",
                    source=str(self.path),
                )

    def _check_version(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version == 0:
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        elif version != _SCHEMA_VERSION:
            raise InputError(
                f"journal schema version {version}, expected {_SCHEMA_VERSION}",
                source=str(self.path),
            )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _entry(row: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        credential_id=row["credential_id"],
        destination=row["destination"],
        state=DeliveryState(row["state"]),
        source=row["source"],
        sha256=row["sha256"],
        attempts=row["attempts"],
        http_status=row["http_status"],
        reason=row["reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        delivered_at=row["delivered_at"],
    )
