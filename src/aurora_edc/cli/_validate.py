"""``aurora-edc validate``: check credentials against SHACL profiles or XSDs.

ELM v3 credentials (JSON-LD, sealed JAdES, Turtle, N-Triples) are validated
with the EC's SHACL shapes (:mod:`aurora_edc._shacl`); ELM 1.2 XML credentials
with the XML schemas (:mod:`aurora_edc._xsd`). Every file is reported, even
after an unusable one. Only regular files are read: a FIFO, a device or a
directory is reported unusable without a blocking open.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from .._exceptions import AuroraEDCError, InputError
from .._issue_shacl import resolve_engine
from .._jsonld import MAX_TRIPLES
from .._report import Finding, Severity, ValidationReport
from .._shacl import DEFAULT_PROFILE, compact_iri, credential_report, profile_names
from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNUSABLE,
    ArtefactsOption,
    OutputFormat,
    use_artefacts,
)

__all__ = ["validate"]

_RDF_SUFFIXES = frozenset({".jsonld", ".json", ".ttl", ".nt"})
_NOUNS = {
    Severity.VIOLATION: ("violation", "violations"),
    Severity.WARNING: ("warning", "warnings"),
    Severity.INFO: ("info", "infos"),
}


def validate(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Credentials: .jsonld/.json (also sealed), .ttl, .nt, .xml."
        ),
    ],
    profile: Annotated[
        str,
        typer.Option(help=f"SHACL profile: {', '.join(profile_names())}."),
    ] = DEFAULT_PROFILE,
    schema: Annotated[
        str | None,
        typer.Option(help="XML Schema for XML files (default: chosen from the root)."),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="text, or json: a list of report objects."),
    ] = OutputFormat.text,
    engine: Annotated[
        str,
        typer.Option(
            help="SHACL engine: auto (pyrudof if installed), pyrudof, pyshacl; "
            "findings always come from pyshacl."
        ),
    ] = "auto",
    max_triples: Annotated[
        int,
        typer.Option(
            min=1,
            help="Most triples per credential (pySHACL takes about 0.3 ms each).",
        ),
    ] = MAX_TRIPLES,
    artefacts: ArtefactsOption = None,
) -> None:
    """Validate credentials: exit 0 if all conform, 1 on violations, 2 if unusable."""
    use_artefacts(artefacts)
    try:
        engine = resolve_engine(engine)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from exc
    outcomes = [_check(path, profile, schema, engine, max_triples) for path in files]

    if output_format is OutputFormat.json:
        typer.echo(json.dumps([_as_dict(outcome) for outcome in outcomes], indent=2))
    else:
        for outcome in outcomes:
            _print(outcome)
        if len(outcomes) > 1:
            typer.echo(_summary(outcomes))

    raise typer.Exit(_exit_code(outcomes))


@dataclass(frozen=True)
class _Unusable:
    """A file that could not be checked at all."""

    source: str
    profile: str
    error: str


_Outcome = ValidationReport | _Unusable


def _check(
    path: Path, profile: str, schema: str | None, engine: str, max_triples: int
) -> _Outcome:
    xml = _is_xml(path)
    try:
        if xml:
            from .._xsd import xml_report

            return xml_report(path, schema=schema, source_name=str(path))
        return credential_report(
            path, profile, source=str(path), engine=engine, max_triples=max_triples
        )
    except (AuroraEDCError, OSError) as exc:
        return _Unusable(
            str(path), (schema or "xsd") if xml else profile, _reason(exc, path)
        )


def _reason(exc: Exception, path: Path) -> str:
    # InputError already names the file; keep only its line and message.
    if isinstance(exc, InputError) and exc.source == str(path):
        return f"line {exc.line}: {exc.args[0]}" if exc.line else str(exc.args[0])

    return str(exc)


def _is_xml(path: Path) -> bool:
    # Anything but a regular file goes to the credential reader, which refuses
    # it without a blocking open (a FIFO would hang the XML reader).
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
    except OSError:
        pass  # a missing file: the reader its suffix chooses says so
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return True
    if suffix in _RDF_SUFFIXES:
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(512)
    except OSError:
        return False

    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _exit_code(outcomes: list[_Outcome]) -> int:
    if any(isinstance(outcome, _Unusable) for outcome in outcomes):
        return EXIT_UNUSABLE
    if any(
        not outcome.conforms
        for outcome in outcomes
        if isinstance(outcome, ValidationReport)
    ):
        return EXIT_FAILED

    return EXIT_OK


def _as_dict(outcome: _Outcome) -> dict[str, Any]:
    if isinstance(outcome, ValidationReport):
        return outcome.to_dict()

    return {
        "source": outcome.source,
        "profile": outcome.profile,
        "conforms": False,
        "error": outcome.error,
        "findings": [],
    }


def _print(outcome: _Outcome) -> None:
    if isinstance(outcome, _Unusable):
        typer.secho(
            f"{outcome.source}: unusable: {outcome.error}", fg="yellow", err=True
        )
        return

    counts = _counts(outcome.findings)
    if outcome.conforms:
        typer.secho(
            f"{outcome.source}: conforms to {outcome.profile}{counts}", fg="green"
        )
    else:
        typer.secho(
            f"{outcome.source}: does not conform to {outcome.profile}{counts}", fg="red"
        )
    for finding in outcome.findings:
        typer.echo(_describe(finding))


def _counts(findings: tuple[Finding, ...]) -> str:
    tally: dict[Severity, int] = {}
    for finding in findings:
        tally[finding.severity] = tally.get(finding.severity, 0) + 1
    if not tally:
        return ""
    parts = [
        f"{count} {_NOUNS[severity][count != 1]}" for severity, count in tally.items()
    ]

    return f" ({', '.join(parts)})"


def _describe(finding: Finding) -> str:
    head = f"  {finding.severity.value} [{finding.check}]"
    if finding.focus:
        head += f" {_short(finding.focus)}"
    if finding.path:
        head += f" {_short(finding.path)}"
    if finding.line:
        head += f" line {finding.line}"
    lines = [head, f"      {finding.message}"]
    details = [
        f"{label}: {_short(text)}"
        for label, text in (
            ("constraint", finding.constraint),
            ("shape", finding.shape),
            ("value", finding.value),
        )
        if text
    ]
    if details:
        lines.append("      " + "; ".join(details))

    return "\n".join(lines)


def _short(text: str) -> str:
    return " ".join(compact_iri(part) for part in text.split(" "))


def _summary(outcomes: list[_Outcome]) -> str:
    reports = [outcome for outcome in outcomes if isinstance(outcome, ValidationReport)]
    conforming = sum(report.conforms for report in reports)

    return (
        f"{len(outcomes)} files: {conforming} conform, {len(reports) - conforming} "
        f"do not conform, {len(outcomes) - len(reports)} unusable"
    )
