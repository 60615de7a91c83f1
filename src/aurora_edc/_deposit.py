"""Batch deposit of sealed EDCs into Europass wallets, resumable.

Runs the Europass wallet deposit (see ``_europass_wallet``) over many sealed
credentials with the durable journal of ``_journal``, in two phases:

1. every credential of the batch is read, checked to be sealed, and recorded as
   ``pending`` in one transaction, before anything is sent; nothing handed to
   the run can be lost afterwards;
2. each entry not yet delivered (``pending``, or ``sending`` left by an
   interrupted run; ``failed`` only when asked) is marked ``sending``, sent, and
   marked ``delivered`` or ``failed``.

Two files of one batch with the same credential id and different content are
a fault of the batch: the second is reported failed, naming the first, and
never recorded or sent (the wallet would keep whichever came first). The same
content twice is reported as a duplicate and sent once. A run holds the
journal's lock (see ``DepositJournal.run_lock``), so two runs never overlap.

An interrupted run is resumed by running again with the same journal, with or
without the original file list: the journal remembers each source file. An
entry caught in ``sending`` is sent again, and the wallet's 409 for an id it
already holds closes it as delivered; so the wallet holds each credential once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ._documents import CredentialDocument, read_credential_document, subject_email
from ._europass_wallet import DepositStatus, EuropassWalletClient, WalletRecipient
from ._exceptions import HandoffError, InputError
from ._journal import DeliveryState, DepositJournal, JournalEntry

__all__ = ["BatchSummary", "DepositItem", "deposit_batch"]

logger = logging.getLogger(__name__)

_ABORT_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class DepositItem:
    """One sealed credential file and whose wallet it goes to.

    Attributes:
        source: The sealed EDC file.
        recipient: Whose wallet; None for the credential subject's first
            e-mail, as the Europass issuer does.
    """

    source: Path
    recipient: WalletRecipient | None = None


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did.

    Attributes:
        delivered: Credentials the wallet accepted in this run (201).
        already_delivered: Credentials the wallet already held (409).
        skipped: Entries delivered by an earlier run, not sent again.
        failed: Entries that failed in this run.
        failures: ``(credential_id, destination, reason)`` per failure.
        duplicates: Files of the batch that repeat an earlier file's content
            for the same destination; sent once.
    """

    delivered: int = 0
    already_delivered: int = 0
    skipped: int = 0
    failed: int = 0
    failures: tuple[tuple[str, str, str], ...] = field(default=())
    duplicates: int = 0


def deposit_batch(
    items: Iterable[DepositItem],
    client: EuropassWalletClient,
    journal: DepositJournal,
    *,
    retry_failed: bool = False,
    progress: Callable[[JournalEntry], None] | None = None,
) -> BatchSummary:
    """Deposit sealed EDCs, recording each step in the journal.

    Args:
        items: The batch; may be empty to resume what the journal holds.
        client: The wallet client.
        journal: The journal; bound to the client's wallet on first use.
        retry_failed: Send entries that failed in an earlier run again
            (a 400 or 404 usually fails again until the cause is fixed).
        progress: Called with each entry after its state changed.

    Returns:
        Counts of this run.

    Raises:
        InputError: A file of the batch is unreadable, unsealed, or names no
            recipient; raised before anything is sent.
        HandoffError: The wallet refused this client's credentials (401/403),
            the run stops, the entry is recorded as failed; or another run
            holds the journal, and nothing is sent.
    """
    with journal.run_lock():
        journal.bind_wallet(client.config.base_url)
        summary = _Tally()
        rows = _registered(items, journal, summary, progress)
        journal.enqueue(rows)
        states = [DeliveryState.PENDING, DeliveryState.SENDING]
        if retry_failed:
            states.append(DeliveryState.FAILED)
        summary.skipped = len(journal.entries(DeliveryState.DELIVERED))
        for entry in journal.entries(*states):
            _deliver(entry, client, journal, summary)
            if progress is not None:
                progress(journal.get(entry.credential_id, entry.destination) or entry)

    return summary.freeze()


@dataclass
class _Tally:
    delivered: int = 0
    already_delivered: int = 0
    skipped: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    duplicates: int = 0

    def freeze(self) -> BatchSummary:
        return BatchSummary(
            self.delivered,
            self.already_delivered,
            self.skipped,
            len(self.failures),
            tuple(self.failures),
            self.duplicates,
        )


_Row = tuple[str, str, str, str]


def _registered(
    items: Iterable[DepositItem],
    journal: DepositJournal,
    tally: _Tally,
    progress: Callable[[JournalEntry], None] | None,
) -> list[_Row]:
    rows: dict[tuple[str, str], _Row] = {}
    first_of: dict[str, _Row] = {}
    for item in items:
        row = _row(item)
        first = first_of.get(row[0]) or _recorded(journal, row)
        if first is not None and first[3] != row[3]:
            reason = f"duplicate credential id, different content, see {first[2]}"
            logger.warning("%s: %s: %s; not sent", row[2], row[0], reason)
            tally.failures.append((row[0], row[1], reason))
            if progress is not None:
                progress(_unrecorded(row, reason))
        elif row[:2] in rows:
            logger.info("%s repeats %s; sent once", row[2], rows[row[:2]][2])
            tally.duplicates += 1
        else:
            first_of.setdefault(row[0], row)
            rows[row[:2]] = row

    return list(rows.values())


def _row(item: DepositItem) -> _Row:
    document = read_credential_document(item.source)
    if not document.sealed:
        raise InputError(
            f"credential {document.credential_id} is not sealed; the wallet "
            "refuses unsealed credentials",
            source=str(item.source),
        )
    recipient = item.recipient or _subject_recipient(document)
    digest = hashlib.sha256(document.raw).hexdigest()

    return document.credential_id, recipient.key, str(item.source), digest


def _recorded(journal: DepositJournal, row: _Row) -> _Row | None:
    # An earlier run may have recorded this id for this destination.
    entry = journal.get(row[0], row[1])
    if entry is None or entry.sha256 is None:
        return None

    return entry.credential_id, entry.destination, str(entry.source), entry.sha256


def _unrecorded(row: _Row, reason: str) -> JournalEntry:
    # A refused file has no journal row (the id is taken): report it as one.
    return JournalEntry(
        row[0],
        row[1],
        DeliveryState.FAILED,
        row[2],
        row[3],
        0,
        None,
        reason,
        "",
        "",
        None,
    )


def _subject_recipient(document: CredentialDocument) -> WalletRecipient:
    email = subject_email(document.credential)
    if email is None:
        raise InputError(
            f"credential {document.credential_id}: no recipient given and the "
            "subject has no contactPoint e-mail",
            source=document.source,
        )

    return WalletRecipient(email=email)


def _deliver(
    entry: JournalEntry,
    client: EuropassWalletClient,
    journal: DepositJournal,
    tally: _Tally,
) -> None:
    key = (entry.credential_id, entry.destination)
    try:
        document = _reload(entry)
    except InputError as exc:
        journal.mark_failed(*key, reason=str(exc))
        tally.failures.append((*key, str(exc)))
        return
    journal.begin_attempt(*key)
    try:
        outcome = client.deposit(document, WalletRecipient.from_key(entry.destination))
    except HandoffError as exc:
        journal.mark_failed(*key, reason=str(exc), http_status=exc.status)
        tally.failures.append((*key, str(exc)))
        if exc.status in _ABORT_STATUSES:
            raise
        return
    journal.mark_delivered(*key, http_status=outcome.http_status)
    if outcome.status is DepositStatus.DELIVERED:
        tally.delivered += 1
    else:
        tally.already_delivered += 1


def _reload(entry: JournalEntry) -> CredentialDocument:
    if entry.source is None:
        raise InputError(f"{entry.credential_id}: the journal records no source file")
    document = read_credential_document(Path(entry.source))
    digest = hashlib.sha256(document.raw).hexdigest()
    if entry.sha256 is not None and digest != entry.sha256:
        raise InputError(
            f"{entry.credential_id}: the file changed since it was recorded "
            f"(sha256 {digest[:12]}..., recorded {entry.sha256[:12]}...)",
            source=entry.source,
        )
    if document.credential_id != entry.credential_id:
        raise InputError(
            f"expected credential {entry.credential_id}, "
            f"found {document.credential_id}",
            source=entry.source,
        )

    return document
