"""``aurora-edc offer``: OpenID4VCI issuer metadata, credential offers, QR codes.

``metadata`` writes ``/.well-known/openid-credential-issuer``, ``type-metadata``
the SD-JWT VC type metadata of ``urn:eudi:elm:1``, ``create`` a credential offer
and its ``openid-credential-offer://`` link, ``qr`` the link as PNG or SVG.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from .._exceptions import AuroraEDCError, InputError
from .._oid4vci import (
    ELM_CONFIGURATION_ID,
    TxCode,
    create_offer,
    credential_issuer_metadata,
    new_tx_code_value,
    offer_link,
)
from .._qr import QRKind, offer_qr
from .._sdjwt import SDJWTFormat, elm_type_metadata
from ._common import EXIT_UNUSABLE, OutputFormat

app = typer.Typer(
    help="OpenID4VCI metadata, credential offers and QR codes.", no_args_is_help=True
)

Issuer = Annotated[str, typer.Option("--issuer", help="Credential issuer URL (https).")]
Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="File (default: stdout).")
]


def _fail(exc: AuroraEDCError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)

    return typer.Exit(EXIT_UNUSABLE)


def _emit(data: Any, output: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


@app.command("metadata")
def metadata(
    issuer: Issuer,
    sd_jwt_format: Annotated[
        list[str] | None,
        typer.Option("--sd-jwt-format", help="dc+sd-jwt and/or vc+sd-jwt."),
    ] = None,
    edc: Annotated[
        bool, typer.Option(help="Advertise the JAdES-sealed EDC too.")
    ] = True,
    edc_format: Annotated[
        str, typer.Option(help="Format id of the sealed EDC.")
    ] = "jwt_vc_json-ld",
    credential_endpoint: Annotated[
        str | None, typer.Option(help="Credential endpoint.")
    ] = None,
    nonce_endpoint: Annotated[str | None, typer.Option(help="Nonce endpoint.")] = None,
    authorization_server: Annotated[
        list[str] | None, typer.Option(help="Authorization server(s).")
    ] = None,
    name: Annotated[str, typer.Option(help="Issuer name shown by wallets.")] = (
        "European Digital Credentials"
    ),
    output: Output = None,
) -> None:
    """Write the Credential Issuer Metadata (/.well-known/openid-credential-issuer)."""
    formats = sd_jwt_format or ["dc+sd-jwt"]
    unknown = [fmt for fmt in formats if fmt not in ("dc+sd-jwt", "vc+sd-jwt")]
    if unknown:
        typer.echo(f"error: --sd-jwt-format: unknown {unknown}", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    chosen: list[SDJWTFormat] = [
        "dc+sd-jwt" if f == "dc+sd-jwt" else "vc+sd-jwt" for f in formats
    ]
    try:
        document = credential_issuer_metadata(
            issuer,
            credential_endpoint=credential_endpoint,
            nonce_endpoint=nonce_endpoint,
            authorization_servers=authorization_server or (),
            display_name=name,
            sd_jwt_formats=chosen,
            include_edc=edc,
            edc_format=edc_format,
        )
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    _emit(document, output)


@app.command("type-metadata")
def type_metadata(output: Output = None) -> None:
    """Write the SD-JWT VC type metadata of urn:eudi:elm:1."""
    _emit(elm_type_metadata(), output)


@app.command("create")
def create(
    issuer: Issuer,
    config: Annotated[
        list[str] | None,
        typer.Option("--config", help="Credential configuration id(s)."),
    ] = None,
    tx_code: Annotated[
        str | None, typer.Option(help="Ask for a transaction code: numeric or text.")
    ] = None,
    tx_length: Annotated[int, typer.Option(help="Its length (4-12).")] = 6,
    tx_description: Annotated[
        str | None, typer.Option(help="Where the learner finds it.")
    ] = None,
    by_reference: Annotated[
        str | None, typer.Option(help="https URI where you will serve the offer JSON.")
    ] = None,
    offer_output: Annotated[
        Path | None, typer.Option(help="Write the offer JSON here (to serve it).")
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="Issuer metadata JSON to check against."
        ),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.text
    ),
) -> None:
    """Create a credential offer with a pre-authorized code, and its link.

    The pre-authorized code and the tx_code value are printed once: store the
    first on the issuing server, send the second to the learner by e-mail.
    """
    if tx_code not in (None, "numeric", "text"):
        typer.echo("error: --tx-code must be numeric or text", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    try:
        mode: Literal["numeric", "text"] = "numeric" if tx_code == "numeric" else "text"
        tx = TxCode(mode, tx_length, tx_description) if tx_code else None
        offer = create_offer(
            issuer,
            config or [ELM_CONFIGURATION_ID],
            tx_code=tx,
            metadata=_read_metadata(metadata) if metadata else None,
        )
        link = offer_link(offer_uri=by_reference) if by_reference else offer_link(offer)
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
    tx_value = new_tx_code_value(tx) if tx else None
    if offer_output is not None:
        offer_output.write_text(
            json.dumps(offer.to_json(), indent=2) + "\n", encoding="utf-8"
        )
    result = {
        "link": link,
        "offer": offer.to_json(),
        "pre_authorized_code": offer.pre_authorized_code,
        "tx_code_value": tx_value,
    }
    if output is OutputFormat.json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(link)
    typer.echo(f"pre-authorized code: {offer.pre_authorized_code}", err=True)
    if tx_value:
        typer.echo(f"tx_code for the learner: {tx_value}", err=True)


def _read_metadata(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"issuer metadata: not readable JSON ({exc})", source=str(path)
        ) from exc
    if not isinstance(document, dict):
        raise InputError("issuer metadata: expected a JSON object")

    return document


@app.command("qr")
def qr(
    link: Annotated[str, typer.Argument(help="Offer link ('-' reads it from stdin).")],
    png: Annotated[Path | None, typer.Option(help="Write a PNG here.")] = None,
    svg: Annotated[Path | None, typer.Option(help="Write an SVG here.")] = None,
    scale: Annotated[int, typer.Option(help="Pixels per module.")] = 6,
) -> None:
    """Render an offer link as a QR code (PNG and/or SVG)."""
    text = sys.stdin.readline().strip() if link == "-" else link
    if png is None and svg is None:
        typer.echo("error: give --png and/or --svg", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    try:
        targets: list[tuple[Path | None, QRKind]] = [(png, "png"), (svg, "svg")]
        for path, kind in targets:
            if path is not None:
                path.write_bytes(offer_qr(text, kind=kind, scale=scale))
                typer.echo(f"wrote {path}")
    except AuroraEDCError as exc:
        raise _fail(exc) from exc
