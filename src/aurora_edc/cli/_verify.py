"""``aurora-edc verify``: verify JAdES and XAdES seals, layer by layer.

Each file is verified with the format it holds (JSON: JAdES, ETSI TS 119
182-1; XML: XAdES, ETSI EN 319 132-1) and reported with the ETSI EN 319 102-1
indications. Trust comes only from ``--trust`` certificates and the services
of ``--trust-list`` files (ETSI TS 119 612); without them no seal is reported
TOTAL_PASSED.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography import x509
from cryptography.x509.oid import NameOID

from .._etsi import SealVerificationReport
from .._exceptions import AuroraEDCError, shorten
from .._files import read_regular_file
from .._trusted_list import TrustedListAnchor, read_trusted_list
from ._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, OutputFormat
from ._seal import MAX_DOCUMENT_BYTES, MAX_PEM_BYTES, is_xml

__all__ = ["verify"]

logger = logging.getLogger(__name__)


def verify(
    files: Annotated[
        list[Path], typer.Argument(help="Sealed .jsonld/.json or .xml files.")
    ],
    trust: Annotated[
        list[Path] | None,
        typer.Option(help="PEM file of trust anchors (repeatable)."),
    ] = None,
    at: Annotated[
        datetime | None,
        typer.Option(help="Validation time when no time-stamp proves one (UTC)."),
    ] = None,
    allow_weak: Annotated[
        bool, typer.Option(help="Accept RSA under 2048 bits and SHA-1.")
    ] = False,
    trust_list: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust-list",
            help="National EU trusted list (ETSI TS 119 612 XML) whose granted "
            "CA/QC and TSA/QTST certificates are added as trust anchors; its own "
            "signature is not verified (repeatable).",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="text, or json: a list of report objects."),
    ] = OutputFormat.text,
) -> None:
    """Verify seals: exit 0 if all TOTAL_PASSED, 1 otherwise, 2 if unusable."""
    try:
        anchors = _anchors(trust or [])
    except (OSError, ValueError) as exc:
        typer.echo(f"error: --trust: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from exc
    moment = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
    tl_anchors = _trust_list_anchors(trust_list or [], moment)
    anchors.extend(anchor.certificate for anchor in tl_anchors)
    outcomes = [_verify_file(path, anchors, moment, allow_weak) for path in files]

    if output_format is OutputFormat.json:
        typer.echo(json.dumps([_as_dict(path, o) for path, o in outcomes], indent=2))
    else:
        for path, outcome in outcomes:
            _print(path, outcome)
            _print_trust_list_service(outcome, tl_anchors)

    raise typer.Exit(_exit_code([o for _, o in outcomes]))


def _anchors(paths: list[Path]) -> list[x509.Certificate]:
    """Read every certificate of the ``--trust`` PEM files."""
    anchors: list[x509.Certificate] = []
    for path in paths:
        data = read_regular_file(path, max_bytes=MAX_PEM_BYTES, source=str(path))
        found = x509.load_pem_x509_certificates(data)
        anchors.extend(found)

    return anchors


def _verify_file(
    path: Path,
    anchors: list[x509.Certificate],
    at: datetime | None,
    allow_weak: bool,
) -> tuple[Path, SealVerificationReport | str]:
    """Verify one file; an unusable file gives its error message."""
    try:
        data = read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES, source=str(path))
        if is_xml(data, path):
            from .._xades_verify import verify_xades  # lazy: XML stack only when needed

            report = verify_xades(data, trust=anchors, at=at, allow_weak=allow_weak)
        else:
            from .._jades_verify import verify_jades

            report = verify_jades(data, trust=anchors, at=at, allow_weak=allow_weak)
    except (AuroraEDCError, OSError) as exc:
        return path, str(exc)
    except (ValueError, TypeError, LookupError, ArithmeticError, RecursionError) as exc:
        # A fault the verifier did not foresee: this file is unusable, the
        # others are still verified and reported.
        logger.error("%s: verification stopped: %r", path, exc)
        return (
            path,
            f"verification stopped by {type(exc).__name__}: {shorten(str(exc))}",
        )

    return path, report


def _as_dict(path: Path, outcome: SealVerificationReport | str) -> dict[str, Any]:
    if isinstance(outcome, str):
        return {"source": str(path), "error": outcome}

    return {"source": str(path), **outcome.to_dict()}


def _print(path: Path, outcome: SealVerificationReport | str) -> None:
    """Print one report: the verdict line, then one line per layer."""
    if isinstance(outcome, str):
        typer.echo(f"{path}: UNUSABLE: {outcome}")
        return
    sub = f"/{outcome.sub_indication.value}" if outcome.sub_indication else ""
    level = outcome.level.value if outcome.level else "-"
    typer.echo(
        f"{path}: {outcome.indication.value}{sub} ({outcome.format.value} {level})"
    )
    if outcome.signer_subject:
        typer.echo(f"  signer: {outcome.signer_subject}")
    if outcome.proven_time:
        typer.echo(f"  proven time: {outcome.proven_time.isoformat()}")
    for check in outcome.checks:
        mark = f"{check.indication.value}{' (advisory)' if check.advisory else ''}"
        typer.echo(f"  {mark:<24} {check.name}: {check.detail}")


# --- trusted lists (--trust-list) ------------------------------------------


def _trust_list_anchors(
    paths: list[Path], at: datetime | None
) -> list[TrustedListAnchor]:
    """Read the anchors of every ``--trust-list`` file; exit 2 if one is unusable."""
    anchors: list[TrustedListAnchor] = []
    for path in paths:
        try:
            anchors.extend(read_trusted_list(path, at=at).anchors)
        except (OSError, ValueError) as exc:
            typer.echo(f"error: --trust-list: {exc}", err=True)
            raise typer.Exit(EXIT_UNUSABLE) from exc

    return anchors


def _print_trust_list_service(
    outcome: SealVerificationReport | str, anchors: list[TrustedListAnchor]
) -> None:
    """Name the TL service whose certificate the path ended in, if any."""
    if isinstance(outcome, str) or outcome.trust_anchor is None:
        return
    for anchor in anchors:
        if _short_subject(anchor.certificate) == outcome.trust_anchor:
            typer.echo(
                f"  trusted-list service: {anchor.service_name} "
                f"({anchor.provider}; {anchor.service_type.rsplit('Svctype/')[-1]})"
            )
            return


def _short_subject(certificate: x509.Certificate) -> str:
    """The anchor name the reports use: the subject CN, else the full subject."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)

    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _exit_code(outcomes: list[SealVerificationReport | str]) -> int:
    if any(isinstance(o, str) for o in outcomes):
        return EXIT_UNUSABLE
    if all(isinstance(o, SealVerificationReport) and o.passed for o in outcomes):
        return EXIT_OK

    return EXIT_FAILED
