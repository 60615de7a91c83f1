"""``aurora-edc issue`` and ``aurora-edc schema``: the main job and its input schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from .._exceptions import ArtefactError, InputError
from .._issue import IssueOptions, issue_batch
from .._loaders import load_records
from .._records import model_json_schema
from .._serialize import WRITERS
from ._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, ArtefactsOption, use_artefacts

__all__ = ["issue", "schema"]


def issue(
    records: Annotated[
        list[Path],
        typer.Argument(
            help="Record files: JSON, YAML, CSV rosters.", exists=True, dir_okay=False
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory.", file_okay=False)
    ],
    formats: Annotated[
        str,
        typer.Option("--format", "-f", help="Comma-separated formats: jsonld,ttl,nt."),
    ] = "jsonld",
    profile: Annotated[
        str, typer.Option(help="SHACL profile to validate against.")
    ] = "edc-generic-full",
    issued: Annotated[
        datetime | None,
        typer.Option(help="Issue time for awards that give none (default: now)."),
    ] = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Write without SHACL validation.")
    ] = False,
    keep_invalid: Annotated[
        bool,
        typer.Option(help="Also write non-conforming credentials under OUT/invalid/."),
    ] = False,
    artefacts: ArtefactsOption = None,
) -> None:
    """Issue one EDC per award, validate each, and write OUT/report.json."""
    chosen = tuple(name.strip() for name in formats.split(",") if name.strip())
    unknown = [name for name in chosen if name not in WRITERS]
    if unknown or not chosen:
        typer.echo(
            f"error: unknown format(s) {unknown}; known: {', '.join(WRITERS)}", err=True
        )
        raise typer.Exit(EXIT_UNUSABLE)
    use_artefacts(artefacts)
    when = (
        issued.astimezone(UTC)
        if issued and issued.tzinfo
        else (issued.replace(tzinfo=UTC) if issued else None)
    )

    try:
        batch = load_records(records)
        report = issue_batch(
            batch,
            IssueOptions(
                out_dir=out,
                formats=chosen,
                profile=profile,
                validate=not no_validate,
                issued=when,
                keep_invalid=keep_invalid,
            ),
        )
    except (InputError, ArtefactError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from exc

    for outcome in report.outcomes:
        if outcome.status == "error" and outcome.error:
            where = f" at {outcome.error['path']}" if outcome.error.get("path") else ""
            typer.echo(
                f"error    {outcome.record}{where}: {outcome.error['message']}",
                err=True,
            )
        elif outcome.status == "invalid":
            count = sum(f["severity"] == "Violation" for f in outcome.findings)
            typer.echo(
                f"invalid  {outcome.record}: {count} violation(s) of {profile}",
                err=True,
            )
    summary = report.to_dict()["summary"]
    typer.echo(
        f"{summary['written']} written, {summary['invalid']} invalid, "
        f"{summary['error']} error(s) of {summary['inputs']} record(s); "
        f"report: {out / 'report.json'}"
    )
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILED)


def schema() -> None:
    """Print the JSON Schema of record files."""
    typer.echo(json.dumps(model_json_schema(), indent=2))
