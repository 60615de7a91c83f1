"""``aurora-edc handoff``: the Europass route, and credential sizes.

``wrap`` writes the EDC Issuer's upload wrapper, ``deposit`` sends sealed EDCs
to a Europass wallet with a resumable journal, ``journal`` shows it, ``size``
reports what takes a credential's bytes, ``shrink`` makes its images smaller
before sealing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from .._deposit import DepositItem, deposit_batch
from .._documents import read_credential_document
from .._europass import DeliveryField, wrap_for_upload, write_upload_file
from .._europass_wallet import (
    EuropassWalletClient,
    EuropassWalletConfig,
    WalletRecipient,
)
from .._exceptions import AuroraEDCError, HandoffError, PayloadTooLargeError
from .._journal import DeliveryState, DepositJournal, JournalEntry
from .._media import MediaPolicy, shrink_media
from .._size import SizeReport, check_size, size_report
from ._common import EXIT_FAILED, EXIT_UNUSABLE, OutputFormat

app = typer.Typer(
    help="Hand credentials to Europass wallets; sizes.", no_args_is_help=True
)

TOKEN_ENV = "AURORA_EDC_WALLET_TOKEN"

Document = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="EDC file.")
]
Format = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def _fail(exc: AuroraEDCError, code: int = EXIT_UNUSABLE) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)

    return typer.Exit(code)


@app.command("wrap")
def wrap(
    credential: Document,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Upload file (.json).")
    ],
    address: Annotated[
        str | None, typer.Option(help="Learner's wallet address (default: none).")
    ] = None,
    field: Annotated[
        str,
        typer.Option(
            help="Address key: walletAddress (EC) or deliveryAddress (eduNEXT)."
        ),
    ] = "walletAddress",
) -> None:
    """Write the EDC Issuer's upload wrapper for an unsigned credential."""
    if field not in ("walletAddress", "deliveryAddress"):
        typer.echo("error: --field must be walletAddress or deliveryAddress", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    chosen: DeliveryField = (
        "walletAddress" if field == "walletAddress" else "deliveryAddress"
    )
    try:
        wrapper = wrap_for_upload(
            read_credential_document(credential), address=address, address_field=chosen
        )
        write_upload_file(wrapper, output)
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    typer.echo(f"wrote {output}")


@app.command("deposit")
def deposit(
    wallet_url: Annotated[
        str, typer.Option(help="Wallet API root, before /v1/wallets.")
    ],
    sealed: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True, dir_okay=False, help="Sealed EDC files (none: resume)."
        ),
    ] = None,
    journal: Annotated[Path, typer.Option(help="Journal file (SQLite).")] = Path(
        "deposit-journal.sqlite"
    ),
    user_id: Annotated[
        str | None, typer.Option(help="Wallet user id of every file.")
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(help="Wallet e-mail of every file (default: subject's)."),
    ] = None,
    auth_header: Annotated[
        str, typer.Option(help="Header carrying the token.")
    ] = "Authorization",
    auth_scheme: Annotated[
        str, typer.Option(help="Token prefix ('' for none).")
    ] = "Bearer",
    max_attempts: Annotated[
        int, typer.Option(help="Requests per credential (1-10).")
    ] = 4,
    timeout: Annotated[
        float, typer.Option(help="Seconds per read; a request ends at 10 + 2x this.")
    ] = 60.0,
    send_email: Annotated[
        bool, typer.Option(help="Ask the wallet to e-mail the learner.")
    ] = True,
    locale: Annotated[str | None, typer.Option(help="Language of that e-mail.")] = None,
    retry_failed: Annotated[
        bool, typer.Option(help="Send failed entries again.")
    ] = False,
    output: Format = OutputFormat.text,
) -> None:
    """Deposit sealed EDCs into Europass wallets; re-run to resume.

    The token is read from $AURORA_EDC_WALLET_TOKEN, never from the command line.
    """
    try:
        config = EuropassWalletConfig(
            wallet_url,
            token=os.environ.get(TOKEN_ENV) or None,
            auth_header=auth_header,
            auth_scheme=auth_scheme,
            max_attempts=max_attempts,
            timeout=timeout,
            send_email=send_email,
            locale=locale,
        )
        recipient = _recipient(user_id, email)
        items = [DepositItem(path, recipient) for path in sealed or []]
        with EuropassWalletClient(config) as client, DepositJournal(journal) as book:
            summary = deposit_batch(
                items,
                client,
                book,
                retry_failed=retry_failed,
                progress=_progress(output),
            )
    except HandoffError as exc:
        raise _fail(exc, EXIT_FAILED) from exc
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    if output is OutputFormat.json:
        typer.echo(json.dumps(summary.__dict__, default=list, indent=2))
    else:
        typer.echo(
            f"{summary.delivered} delivered, {summary.already_delivered} already "
            f"there, {summary.skipped} done before, {summary.failed} failed"
            + (f", {summary.duplicates} duplicate files" if summary.duplicates else "")
        )
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


def _recipient(user_id: str | None, email: str | None) -> WalletRecipient | None:
    if user_id is None and email is None:
        return None

    return WalletRecipient(user_id=user_id, email=email)


def _progress(output: OutputFormat) -> Any:
    def show(entry: JournalEntry) -> None:
        if output is OutputFormat.text:
            reason = f"  {entry.reason}" if entry.reason else ""
            where = f"{entry.credential_id} -> {entry.destination}"
            typer.echo(f"{entry.state.value:9} {where}{reason}")

    return show


@app.command("journal")
def show_journal(
    journal: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Journal file.")
    ],
    state: Annotated[
        list[DeliveryState] | None, typer.Option(help="Only entries in these states.")
    ] = None,
    output: Format = OutputFormat.text,
) -> None:
    """Show a deposit journal: each credential's state, attempts and reason."""
    try:
        with DepositJournal(journal) as book:
            entries = book.entries(*(state or []))
            counts = book.counts()
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    if output is OutputFormat.json:
        rows = [{**e.__dict__, "state": e.state.value} for e in entries]
        typer.echo(
            json.dumps(
                {"counts": {k.value: v for k, v in counts.items()}, "entries": rows}
            )
        )
        return
    for e in entries:
        typer.echo(
            f"{e.state.value:9} {e.attempts:2} {e.http_status or '-':>3} "
            f"{e.credential_id} -> {e.destination} {e.updated_at} "
            f"{e.reason or ''}".rstrip()
        )
    typer.echo(", ".join(f"{v} {k.value}" for k, v in counts.items()))


@app.command("size")
def size(
    document: Document,
    limit: Annotated[
        int | None, typer.Option(help="Fail above this many bytes.")
    ] = None,
    output: Format = OutputFormat.text,
) -> None:
    """Report a credential's size and what takes it (media per JSON path)."""
    try:
        report = size_report(document)
        if limit is not None:
            check_size(document, limit)
    except PayloadTooLargeError as exc:
        _print_report(size_report(document), output)
        raise _fail(exc, EXIT_FAILED) from exc
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    _print_report(report, output)


def _print_report(report: SizeReport, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        return
    typer.echo(f"total {report.total} B, credential {report.credential} B")
    share = f"{report.media_share:.0%}"
    typer.echo(f"media {report.media_bytes} B ({share}), rest {report.other_bytes} B")
    for label, size_bytes in report.largest(10):
        typer.echo(f"{size_bytes:>9}  {label}")


@app.command("shrink")
def shrink(
    credential: Document,
    output: Annotated[Path, typer.Option("-o", "--output", help="Shrunk credential.")],
    max_edge: Annotated[
        int, typer.Option(help="Display image's longest side (px).")
    ] = 800,
    logo_edge: Annotated[int, typer.Option(help="Logos' longest side (px).")] = 160,
    quality: Annotated[int, typer.Option(help="JPEG quality 1-95.")] = 70,
    drop_logos: Annotated[bool, typer.Option(help="Remove optional logos.")] = False,
    link: Annotated[
        list[str] | None,
        typer.Option(help="MEDIA_ID=URL: add contentURL, keep a thumbnail."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Fail if still above this.")] = None,
) -> None:
    """Make an unsigned credential's images smaller (before sealing)."""
    try:
        policy = MediaPolicy(
            image_max_edge=max_edge,
            logo_max_edge=logo_edge,
            jpeg_quality=quality,
            drop_logos=drop_logos,
            links=_links(link or []),
        )
        before = size_report(credential)
        shrunk = shrink_media(read_credential_document(credential), policy)
        data = json.dumps(shrunk, ensure_ascii=False, separators=(",", ":")).encode()
        output.write_bytes(data)
        after = check_size(data, limit) if limit is not None else size_report(data)
    except PayloadTooLargeError as exc:
        raise _fail(exc, EXIT_FAILED) from exc
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"wrote {output}: {before.credential} -> {after.credential} B "
        f"(media {before.media_bytes} -> {after.media_bytes} B)"
    )


def _links(pairs: list[str]) -> dict[str, str]:
    links = {}
    for pair in pairs:
        media_id, sep, url = pair.partition("=")
        if not sep:
            typer.echo(f"error: --link expects MEDIA_ID=URL, found {pair!r}", err=True)
            raise typer.Exit(EXIT_UNUSABLE)
        links[media_id] = url

    return links
