"""``aurora-edc artefacts``: list, check and fetch the official artefacts."""

from __future__ import annotations

from typing import Annotated

import typer

from .._catalogue import default_catalogue
from .._exceptions import ArtefactError
from ._common import EXIT_FAILED, EXIT_UNUSABLE, ArtefactsOption

app = typer.Typer(
    help="List, check and fetch the official artefacts.", no_args_is_help=True
)


@app.command("list")
def list_artefacts(artefacts: ArtefactsOption = None) -> None:
    """Show each pinned artefact and whether it resolves locally."""
    catalogue = default_catalogue(artefacts)
    missing = 0
    for entry, path, state in catalogue.status():
        missing += state != "ok"
        typer.echo(f"{state:8} {entry.url}  {path or entry.path}")
    if missing:
        typer.echo(f"{missing} artefact(s) not usable", err=True)
        raise typer.Exit(EXIT_FAILED)


@app.command("fetch")
def fetch(
    artefacts: ArtefactsOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Download from BASE_URL/<mirror path> instead of each canonical URL."
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds per request.", min=0.1, max=3600)
    ] = 30.0,
) -> None:
    """Download missing artefacts into the user cache, checking each SHA-256."""
    catalogue = default_catalogue(artefacts)
    try:
        written = catalogue.fetch(base_url=base_url, timeout=timeout)
    except ArtefactError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from exc
    for path in written:
        typer.echo(f"fetched  {path}")
    typer.echo(f"{len(written)} artefact(s) fetched into {catalogue.cache}")
