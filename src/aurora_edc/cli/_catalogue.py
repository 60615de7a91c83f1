"""``aurora-edc catalogue``: publish specifications as ELM v3 LOQ XML.

Writes each micro-credential specification (the offering, no learners) of the
record files as a ``Courses`` document valid against the EC's ``loq.xsd``,
for qualification registers and joint course catalogues
(:mod:`aurora_edc._loq_job`), with ``report.json`` beside the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._exceptions import ArtefactError, InputError
from .._loaders import load_records
from .._loq_job import COMBINED_NAME, write_catalogue
from ._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, ArtefactsOption, use_artefacts

__all__ = ["catalogue"]


def catalogue(
    records: Annotated[
        list[Path],
        typer.Argument(
            help="Record files (JSON, YAML) with specifications and organisations.",
            exists=True,
            dir_okay=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory.", file_okay=False)
    ],
    combined: Annotated[
        bool,
        typer.Option(
            "--combined",
            help=f"Write one {COMBINED_NAME} with every specification instead of "
            "one file per specification.",
        ),
    ] = False,
    artefacts: ArtefactsOption = None,
) -> None:
    """Write each specification as LOQ XML (loq.xsd) and OUT/report.json."""
    use_artefacts(artefacts)
    try:
        batch = load_records(records)
        if not batch.specifications and not batch.errors:
            raise InputError("no specification in the record files")
        report = write_catalogue(batch, out, combined=combined)
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
                f"invalid  {outcome.record}: {count} violation(s) of loq.xsd", err=True
            )
    summary = report.to_dict()["summary"]
    typer.echo(
        f"{summary['written']} written, {summary['invalid']} invalid, "
        f"{summary['error']} error(s) of {summary['inputs']} record(s); "
        f"report: {out / 'report.json'}"
    )
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILED)
