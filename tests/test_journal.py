"""Deposit journal and resumable batch deposit (each credential delivered once)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aurora_edc import (
    DeliveryState,
    DepositItem,
    DepositJournal,
    EuropassWalletClient,
    EuropassWalletConfig,
    HandoffError,
    InputError,
    JournalEntry,
    WalletRecipient,
    deposit_batch,
)
from europass_wallet_stub import WalletState, running_wallet, sealed_variants

LEARNER = WalletRecipient(user_id="learner-1")


@pytest.fixture(scope="module")
def signed(shared: Path) -> bytes:
    """The EC sealed micro-credential sample."""
    return (shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld").read_bytes()


def batch(folder: Path, signed: bytes, count: int) -> list[DepositItem]:
    """Write ``count`` sealed variants and return them as deposit items."""
    items = []
    for number, data in enumerate(sealed_variants(signed, count)):
        path = folder / f"credential-{number}.jsonld"
        path.write_bytes(data)
        items.append(DepositItem(path, LEARNER))
    return items


def client_for(url: str, **options: object) -> EuropassWalletClient:
    """A wallet client with short back-off."""
    settings: dict[str, object] = {"backoff_initial": 0.01, "backoff_max": 0.05}
    settings.update(options)
    return EuropassWalletClient(EuropassWalletConfig(url, **settings))  # type: ignore[arg-type]


@contextmanager
def session(
    folder: Path, state: WalletState | None = None, **options: object
) -> Iterator[tuple[WalletState, EuropassWalletClient, DepositJournal]]:
    """A stub wallet, a client for it and a journal in ``folder``."""
    with (
        running_wallet(state) as (url, live),
        client_for(url, **options) as client,
        DepositJournal(folder / "j.sqlite") as journal,
    ):
        yield live, client, journal


def test_journal_uses_wal_and_full_sync(tmp_path: Path) -> None:
    """The journal file is SQLite in WAL mode."""
    DepositJournal(tmp_path / "j.sqlite").close()
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_enqueue_is_idempotent_and_keeps_state(tmp_path: Path) -> None:
    """Recording a credential again neither duplicates nor resets it."""
    with DepositJournal(tmp_path / "j.sqlite") as journal:
        assert journal.enqueue([("urn:c:1", "user:a", "f.jsonld", "00")]) == 1
        journal.begin_attempt("urn:c:1", "user:a")
        journal.mark_delivered("urn:c:1", "user:a", http_status=201)
        assert journal.enqueue([("urn:c:1", "user:a", "f.jsonld", "00")]) == 0
        entry = journal.get("urn:c:1", "user:a")
    assert entry is not None
    assert (entry.state, entry.attempts, entry.http_status) == (
        DeliveryState.DELIVERED,
        1,
        201,
    )
    assert entry.delivered_at is not None


def test_same_credential_two_destinations_are_two_entries(tmp_path: Path) -> None:
    """The key is credential id plus destination."""
    with DepositJournal(tmp_path / "j.sqlite") as journal:
        journal.enqueue(
            [("urn:c:1", "user:a", None, None), ("urn:c:1", "user:b", None, None)]
        )
        assert journal.counts()[DeliveryState.PENDING] == 2


def test_failure_reason_survives_reopening(tmp_path: Path) -> None:
    """A failure and its reason are still there after the file is reopened."""
    with DepositJournal(tmp_path / "j.sqlite") as journal:
        journal.enqueue([("urn:c:1", "user:a", None, None)])
        journal.mark_failed(
            "urn:c:1", "user:a", reason="HTTP 404: no wallet", http_status=404
        )
    with DepositJournal(tmp_path / "j.sqlite") as journal:
        (entry,) = journal.entries(DeliveryState.FAILED)
    assert (entry.reason, entry.http_status) == ("HTTP 404: no wallet", 404)


def test_unknown_entry_cannot_change(tmp_path: Path) -> None:
    """Marking an entry that was never recorded is an error."""
    with DepositJournal(tmp_path / "j.sqlite") as journal, pytest.raises(InputError):
        journal.mark_delivered("urn:c:404", "user:a", http_status=201)


def test_journal_of_another_wallet_is_refused(tmp_path: Path) -> None:
    """One journal serves one wallet."""
    DepositJournal(tmp_path / "j.sqlite", wallet="https://a.test/api").close()
    with pytest.raises(InputError, match="one journal per wallet"):
        DepositJournal(tmp_path / "j.sqlite", wallet="https://b.test/api")


def test_a_non_journal_file_is_refused(tmp_path: Path) -> None:
    """A file that is not SQLite is refused as a journal."""
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"not a database, just text" * 100)
    with pytest.raises(InputError, match="not a deposit journal"):
        DepositJournal(path)


def test_batch_delivers_each_once(tmp_path: Path, signed: bytes) -> None:
    """A batch deposits every credential and a second run sends nothing."""
    items = batch(tmp_path, signed, 3)
    with session(tmp_path) as (state, client, journal):
        first = deposit_batch(items, client, journal)
        second = deposit_batch(items, client, journal)
    assert (first.delivered, first.skipped) == (3, 0)
    assert (second.delivered, second.skipped) == (0, 3)
    assert len(state.requests) == 3
    assert sorted(state.created.values()) == [1, 1, 1]


def test_subject_email_is_the_default_recipient(tmp_path: Path, signed: bytes) -> None:
    """Without a recipient, the subject's first e-mail is used, as by the EC issuer."""
    path = tmp_path / "c.jsonld"
    path.write_bytes(signed)
    with session(tmp_path) as (state, client, journal):
        deposit_batch([DepositItem(path)], client, journal)
        (entry,) = journal.entries()
    assert entry.destination == "email:ana.andromeda.4edc@gmail.com"
    assert state.requests[0][0].endswith(
        "/email/ana.andromeda.4edc%40gmail.com/credentials"
    )


def test_exception_mid_batch_then_resume(tmp_path: Path, signed: bytes) -> None:
    """A run interrupted after two credentials resumes; each is delivered once."""
    items = batch(tmp_path, signed, 5)
    seen: list[JournalEntry] = []

    def interrupt_after_two(entry: JournalEntry) -> None:
        seen.append(entry)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with session(tmp_path) as (state, client, journal):
        with pytest.raises(KeyboardInterrupt):
            deposit_batch(items, client, journal, progress=interrupt_after_two)
        assert journal.counts()[DeliveryState.PENDING] == 3
        resumed = deposit_batch([], client, journal)
    assert (resumed.delivered, resumed.skipped, resumed.already_delivered) == (3, 2, 0)
    assert len(state.created) == 5
    assert set(state.created.values()) == {1}


RUNNER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from aurora_edc import (DepositItem, DepositJournal, EuropassWalletClient,
                            EuropassWalletConfig, WalletRecipient, deposit_batch)
    url, journal_path, *files = sys.argv[1:]
    items = [DepositItem(Path(f), WalletRecipient(user_id="learner-1")) for f in files]
    config = EuropassWalletConfig(url, max_attempts=1, timeout=60)
    with EuropassWalletClient(config) as client, DepositJournal(journal_path) as book:
        deposit_batch(items, client, book)
    """
)


def test_killed_process_resumes_without_duplicates(
    tmp_path: Path, signed: bytes
) -> None:
    """A run killed while the wallet answers the 3rd credential resumes cleanly."""
    items = batch(tmp_path, signed, 5)
    journal_path = tmp_path / "j.sqlite"
    with running_wallet(WalletState(hold_at=3)) as (url, state):
        args = [str(url), str(journal_path), *(str(item.source) for item in items)]
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, *args], env=dict(os.environ)
        )
        try:
            assert state.held.wait(60), "the run never reached the third credential"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        state.release.set()
        with DepositJournal(journal_path) as journal:
            counts = journal.counts()
            with client_for(url) as client:
                resumed = deposit_batch([], client, journal)
            final = journal.counts()
    assert (counts[DeliveryState.DELIVERED], counts[DeliveryState.SENDING]) == (2, 1)
    assert counts[DeliveryState.PENDING] == 2
    assert (resumed.delivered, resumed.already_delivered, resumed.skipped) == (2, 1, 2)
    assert final[DeliveryState.DELIVERED] == 5
    assert len(state.created) == 5 and set(state.created.values()) == {1}


def test_failed_is_kept_until_retry_is_asked(tmp_path: Path, signed: bytes) -> None:
    """A 404 is recorded as failed, skipped by a plain re-run and retried on request."""
    (item,) = batch(tmp_path, signed, 1)
    item = DepositItem(item.source, WalletRecipient(user_id="learner-2"))
    with session(tmp_path) as (state, client, journal):
        first = deposit_batch([item], client, journal)
        (entry,) = journal.entries(DeliveryState.FAILED)
        again = deposit_batch([item], client, journal)
        state.users.add("learner-2")
        retried = deposit_batch([item], client, journal, retry_failed=True)
    assert first.failed == 1 and "no wallet for user:learner-2" in (entry.reason or "")
    assert again.failed == again.delivered == 0
    assert retried.delivered == 1


def test_refused_token_stops_the_batch(tmp_path: Path, signed: bytes) -> None:
    """A 401 stops the run at the first credential instead of failing them all."""
    items = batch(tmp_path, signed, 3)
    wallet = WalletState(token="right")
    with session(tmp_path, wallet, token="wrong") as (state, client, journal):
        with pytest.raises(HandoffError):
            deposit_batch(items, client, journal)
        counts = journal.counts()
    assert len(state.requests) == 1
    assert (counts[DeliveryState.FAILED], counts[DeliveryState.PENDING]) == (1, 2)


def test_changed_source_file_is_not_sent(tmp_path: Path, signed: bytes) -> None:
    """A file changed after it was recorded fails instead of sending other bytes."""
    first, second = batch(tmp_path, signed, 2)

    def tamper(entry: JournalEntry) -> None:
        second.source.write_bytes(first.source.read_bytes())

    with session(tmp_path) as (state, client, journal):
        summary = deposit_batch([first, second], client, journal, progress=tamper)
    assert (
        summary.failed == 1
        and "changed since it was recorded" in summary.failures[0][2]
    )
    assert len(state.created) == 1


def test_unsealed_file_stops_the_batch_before_sending(
    tmp_path: Path, shared: Path
) -> None:
    """An unsigned file in a batch is refused before anything is sent."""
    path = tmp_path / "u.jsonld"
    path.write_bytes(
        (shared / "elm/v3/samples/Sample-MC-Annex1-unsigned.jsonld").read_bytes()
    )
    with session(tmp_path) as (state, client, journal):
        with pytest.raises(InputError, match="not sealed"):
            deposit_batch([DepositItem(path, LEARNER)], client, journal)
        assert journal.entries() == []
    assert state.requests == []


def test_duplicate_credential_id_different_content_is_reported_failed(
    tmp_path: Path, signed: bytes
) -> None:
    """A second file with a taken id and other bytes fails, naming the first."""
    (first,) = batch(tmp_path, signed, 1)
    other = tmp_path / "other.jsonld"
    other.write_bytes(first.source.read_bytes() + b"\n")
    seen: list[JournalEntry] = []
    with session(tmp_path) as (state, client, journal):
        summary = deposit_batch(
            [first, DepositItem(other, LEARNER)], client, journal, progress=seen.append
        )
        entries = journal.entries()

    assert (summary.delivered, summary.failed) == (1, 1)
    assert f"different content, see {first.source}" in summary.failures[0][2]
    assert [e.state for e in seen] == [DeliveryState.FAILED, DeliveryState.DELIVERED]
    assert [e.source for e in entries] == [str(first.source)]
    assert sum(state.created.values()) == 1


def test_duplicate_credential_id_against_the_journal_is_reported_failed(
    tmp_path: Path, signed: bytes
) -> None:
    """A later run with other bytes under a recorded id fails instead of vanishing."""
    (first,) = batch(tmp_path, signed, 1)
    other = tmp_path / "other.jsonld"
    other.write_bytes(first.source.read_bytes() + b"\n")
    with session(tmp_path) as (_, client, journal):
        deposit_batch([first], client, journal)
        summary = deposit_batch([DepositItem(other, LEARNER)], client, journal)

    assert summary.failed == 1 and "different content" in summary.failures[0][2]


def test_duplicate_file_with_same_content_is_reported_as_duplicate(
    tmp_path: Path, signed: bytes
) -> None:
    """The same sealed bytes twice in a batch are counted as a duplicate, sent once."""
    (first,) = batch(tmp_path, signed, 1)
    copy = tmp_path / "copy.jsonld"
    copy.write_bytes(first.source.read_bytes())
    with session(tmp_path) as (state, client, journal):
        summary = deposit_batch([first, DepositItem(copy, LEARNER)], client, journal)

    assert (summary.delivered, summary.duplicates, summary.failed) == (1, 1, 0)
    assert len(state.requests) == 1


def test_concurrent_deposit_runs_on_one_journal_fail_fast(
    tmp_path: Path, signed: bytes
) -> None:
    """While one run holds the journal, a second run fails before sending."""
    items = batch(tmp_path, signed, 2)
    with session(tmp_path) as (state, client, journal):
        with (
            DepositJournal(tmp_path / "j.sqlite") as other,
            other.run_lock(),
            pytest.raises(HandoffError, match=r"in use by another") as caught,
        ):
            deposit_batch(items, client, journal)
        assert state.requests == []
        summary = deposit_batch(items, client, journal)

    assert f"(pid {os.getpid()})" in str(caught.value)
    assert summary.delivered == 2
