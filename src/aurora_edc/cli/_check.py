"""``aurora-edc check``: the Aurora catalogue gap check of specifications.

Reads micro-credential specifications (no learners needed; awards in the files
are ignored) and reports, for each offering, which Annex I elements of the
2022 Council Recommendation on micro-credentials and which Aurora criteria it
meets and misses, and its Aurorisation level (:mod:`aurora_edc._aurora`).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from .._aurora import CheckStatus, OfferingReport
from .._aurora_check import check_specification
from .._aurora_config import AuroraConfig, load_aurora_config
from .._aurora_html import render_check_html
from .._exceptions import ArtefactError, InputError
from .._loaders import RecordBatch, _add_document, _read_document
from ._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, ArtefactsOption, use_artefacts

__all__ = ["check"]

_WORDS = {
    CheckStatus.MET: "met",
    CheckStatus.MISSING: "MISSING",
    CheckStatus.WARNING: "warning",
    CheckStatus.NOT_APPLICABLE: "n/a",
}


class CheckFormat(enum.StrEnum):
    """How ``check`` prints its report."""

    text = "text"
    json = "json"
    html = "html"


def check(
    specs: Annotated[
        list[Path],
        typer.Argument(
            help="Record files with specifications (and organisations).",
            exists=True,
            dir_okay=False,
        ),
    ],
    output_format: Annotated[
        CheckFormat,
        typer.Option("--format", help="text, json, or html (one self-contained page)."),
    ] = CheckFormat.text,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the report to this file, not stdout.",
            dir_okay=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Aurora configuration (default: "
            "$AURORA_EDC_AURORA_CONFIG, else the shipped one).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    artefacts: ArtefactsOption = None,
) -> None:
    """Check offerings against Annex I and the Aurora criteria.

    Exit 0 when every offering meets the profile, 1 when one falls short, 2 when
    a file or record cannot be used.
    """
    use_artefacts(artefacts)
    try:
        rules = load_aurora_config(config)
        batch = _load_specifications(specs)
        reports = [
            check_specification(spec, rules, organisations=batch.organisations)
            for spec in batch.specifications.values()
        ]
    except (InputError, ArtefactError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from exc

    errors = [str(error) for error in batch.errors]
    text = _render(output_format, reports, rules, errors)
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        out.write_text(text, "utf-8")
        typer.echo(f"report written to {out}", err=True)
    for error in errors:
        typer.echo(f"error    {error}", err=True)

    raise typer.Exit(_exit_code(reports, errors))


def _load_specifications(paths: list[Path]) -> RecordBatch:
    """Read organisations and specifications; awards and CSV rosters are skipped."""
    batch = RecordBatch()
    for path in paths:
        if path.suffix.lower() == ".csv":
            continue
        document = _read_document(path)
        if isinstance(document, dict):
            if "learner" in document:
                continue
            document = {
                key: value for key, value in document.items() if key != "awards"
            }
        _add_document(batch, path, document)

    return batch


def _render(
    kind: CheckFormat,
    reports: list[OfferingReport],
    config: AuroraConfig,
    errors: list[str],
) -> str:
    if kind is CheckFormat.html:
        return render_check_html(reports, config, errors=errors)
    if kind is CheckFormat.json:
        document = {
            "configuration": config.source,
            "minimum_level": config.minimum_level,
            "offerings": [report.to_dict() for report in reports],
            "errors": errors,
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    return "\n".join([*(_text(report) for report in reports), _summary(reports)])


def _text(report: OfferingReport) -> str:
    verdict = (
        "meets the Aurora profile"
        if report.meets_profile
        else (f"falls short ({len(report.shortfalls)} missing)")
    )
    lines = [
        f"{report.specification}: {report.title}",
        f"  Aurorisation {report.level_label} (required: {report.minimum_label}): "
        f"{verdict}",
    ]
    lines += [
        f"  {_WORDS[result.status]:<8} {result.criterion.group:<8} "
        f"{result.criterion.name}: {result.detail}"
        for result in report.results
    ]

    return "\n".join(lines) + "\n"


def _summary(reports: list[OfferingReport]) -> str:
    meeting = sum(report.meets_profile for report in reports)

    return (
        f"{len(reports)} offering(s): {meeting} meet the Aurora profile, "
        f"{len(reports) - meeting} fall short"
    )


def _exit_code(reports: list[OfferingReport], errors: list[str]) -> int:
    if errors or not reports:
        return EXIT_UNUSABLE
    if any(not report.meets_profile for report in reports):
        return EXIT_FAILED

    return EXIT_OK
