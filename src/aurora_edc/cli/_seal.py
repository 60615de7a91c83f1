"""``aurora-edc seal``: seal a credential with JAdES (JSON-LD) or XAdES (XML).

The format follows the file: an EDC JSON-LD credential gets a JAdES seal
(ETSI TS 119 182-1), an ELM 1.2 XML credential an enveloped XAdES seal
(ETSI EN 319 132-1). The key password is read from the environment variable
named by ``--password-env``, or asked for on a terminal; never from an
argument, where it would land in shell history and process lists.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from .._exceptions import AuroraEDCError, InputError, IssuerMismatchError
from .._files import open_regular_file, read_regular_file
from .._keys import SealKey, load_seal_key
from ._common import EXIT_FAILED, EXIT_UNUSABLE

__all__ = ["MAX_DOCUMENT_BYTES", "MAX_PEM_BYTES", "is_xml", "seal"]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Largest credential or sealed file read (the seal limits are 32 MiB)."""

MAX_PEM_BYTES = 1024 * 1024
"""Largest ``--trust`` PEM file read (a trusted-list snapshot of CAs)."""


def is_xml(data: bytes, path: Path) -> bool:
    """Tell XML from JSON by the suffix, else by the first character.

    Args:
        data: The file content.
        path: The file name.

    Returns:
        True for XML.

    """
    if path.suffix.lower() == ".xml":
        return True
    if path.suffix.lower() in {".json", ".jsonld"}:
        return False

    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def seal(
    file: Annotated[Path, typer.Argument(help="Credential: .jsonld/.json or .xml.")],
    key: Annotated[
        Path, typer.Option(help="Private key: PEM, or PKCS#12 (.p12/.pfx).")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the sealed file.")],
    cert: Annotated[
        Path | None,
        typer.Option(help="Seal certificate PEM (not needed with PKCS#12)."),
    ] = None,
    chain: Annotated[
        Path | None, typer.Option(help="PEM file of issuer certificates.")
    ] = None,
    password_env: Annotated[
        str | None,
        typer.Option(help="Name of the environment variable holding the password."),
    ] = None,
    tsa: Annotated[
        str | None,
        typer.Option(help="RFC 3161 TSA URL: adds a signature time-stamp (B-T)."),
    ] = None,
) -> None:
    """Seal a credential: exit 0 when written, 1 on issuer mismatch, 2 if unusable."""
    try:
        data = read_regular_file(file, max_bytes=MAX_DOCUMENT_BYTES, source=str(file))
        password = _password(key, password_env)
        seal_key = load_seal_key(key, cert, chain, password=password)
        sealed, kind = _seal(data, file, seal_key, tsa)
        out.write_bytes(sealed)
    except IssuerMismatchError as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
    except (AuroraEDCError, OSError) as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from exc

    level = "B-T" if tsa else "B-B"
    typer.echo(f"sealed {file} -> {out} ({kind} {level}, {seal_key.algorithm})")


def _seal(
    data: bytes, path: Path, key: SealKey, tsa_url: str | None
) -> tuple[bytes, str]:
    """Seal with the format the file calls for; return bytes and format."""
    if is_xml(data, path):
        from .._xades_sign import seal_xades  # lazy: XML stack only when needed

        return seal_xades(data, key, tsa_url=tsa_url), "XAdES"
    from .._jades import seal_jades

    return seal_jades(data, key, tsa_url=tsa_url), "JAdES"


def _password(key: Path, variable: str | None) -> bytes | None:
    """Read the password from ``$variable``, or prompt when it is needed."""
    if variable is not None:
        value = os.environ.get(variable)
        if value is None:
            raise InputError(f"environment variable {variable} is not set")
        return value.encode()
    if not _needs_password(key):
        return None
    if not sys.stdin.isatty():
        raise InputError(
            f"{key} is encrypted: give --password-env VAR, or run on a terminal"
        )
    value = typer.prompt(
        f"Password for {key.name}", hide_input=True, default="", show_default=False
    )

    return value.encode() or None


def _needs_password(key: Path) -> bool:
    """Tell whether the key is an encrypted PEM or a PKCS#12 bundle."""
    try:
        with open_regular_file(key, source=str(key)) as handle:
            head = handle.read(4096)
    except (InputError, OSError):
        return False  # load_seal_key reports the unreadable key
    if b"-----BEGIN" not in head:
        return True

    return b"ENCRYPTED" in head
