"""``aurora-edc issue`` and ``aurora-edc schema``: the main job and its input schema.

``issue`` reads rosters of any length incrementally, issues on worker
processes, shows its progress on standard error (a bar on a terminal, plain
lines otherwise), and resumes an interrupted run in the same output directory.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Annotated, NoReturn

import typer

from .._exceptions import ArtefactError, InputError, KeyMaterialError
from .._issue import IssueOptions, IssueSummary, RecordOutcome, issue_records
from .._loaders import stream_records
from .._pipeline import SealSettings
from .._records import model_json_schema
from .._serialize import WRITERS
from .._shacl import DEFAULT_PROFILE, profile_names
from .._workers import default_workers
from ._common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, ArtefactsOption, use_artefacts

__all__ = ["issue", "schema"]

# Seconds between two progress lines when standard error is not a terminal.
_LINE_INTERVAL = 5.0


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
        typer.Option(
            "--format", "-f", help="Comma-separated formats: jsonld,ttl,nt,xml."
        ),
    ] = "jsonld",
    profile: Annotated[
        str, typer.Option(help=f"SHACL profile: {', '.join(profile_names())}.")
    ] = DEFAULT_PROFILE,
    issued: Annotated[
        datetime | None,
        typer.Option(
            help="Issue time for awards that give none (default: now, or the "
            "time of the run being resumed)."
        ),
    ] = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Write without SHACL validation.")
    ] = False,
    keep_invalid: Annotated[
        bool,
        typer.Option(help="Also write non-conforming credentials under OUT/invalid/."),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            help="SHACL engine: auto (pyrudof if installed), pyrudof, pyshacl. "
            "Reported violations always come from pyshacl."
        ),
    ] = "auto",
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes (default: the number of CPUs).", min=1),
    ] = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart", help="Issue everything again instead of resuming OUT."
        ),
    ] = False,
    seal_key: Annotated[
        Path | None,
        typer.Option(help="Seal each JSON-LD (JAdES) and XML (XAdES) file: key."),
    ] = None,
    seal_cert: Annotated[
        Path | None, typer.Option(help="Seal certificate PEM (not with PKCS#12).")
    ] = None,
    seal_chain: Annotated[
        Path | None, typer.Option(help="PEM file of the seal's issuer certificates.")
    ] = None,
    password_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding the seal key password."),
    ] = None,
    tsa: Annotated[
        str | None,
        typer.Option(help="RFC 3161 TSA URL: time-stamp every seal (B-T)."),
    ] = None,
    artefacts: ArtefactsOption = None,
) -> None:
    """Issue one EDC per award, validate each, and write OUT/report.json."""
    chosen = tuple(name.strip() for name in formats.split(",") if name.strip())
    unknown = [name for name in chosen if name not in WRITERS]
    if unknown or not chosen:
        _fail(f"unknown format(s) {unknown}; known: {', '.join(WRITERS)}")
    if profile not in profile_names():
        _fail(f"unknown profile {profile!r}; known: {', '.join(profile_names())}")
    use_artefacts(artefacts)
    options = IssueOptions(
        out_dir=out,
        formats=chosen,
        profile=profile,
        validate=not no_validate,
        issued=_utc(issued),
        keep_invalid=keep_invalid,
        engine=engine,
        seal=_seal_settings(seal_key, seal_cert, seal_chain, password_env, tsa),
    )

    try:
        stream = stream_records(records)
        total = len(stream.definitions.errors) + stream.count()
        with _Progress(total, profile) as progress:
            summary = issue_records(
                stream,
                options,
                workers=workers or default_workers(),
                restart=restart,
                progress=progress,
            )
    except (InputError, ArtefactError, KeyMaterialError, ValueError) as exc:
        _fail(str(exc))
    except BrokenProcessPool as exc:
        _fail(f"a worker process died ({exc}); run the same command to resume")
    except KeyboardInterrupt:
        typer.echo("interrupted; run the same command to resume", err=True)
        raise typer.Exit(130) from None

    typer.echo(_summary_line(summary))
    raise typer.Exit(EXIT_OK if summary.ok else EXIT_FAILED)


def schema() -> None:
    """Print the JSON Schema of record files."""
    typer.echo(json.dumps(model_json_schema(), indent=2))


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_UNUSABLE)


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    try:
        moment = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except OverflowError:
        _fail(f"--issued {when.isoformat()} is out of range")
    if moment.year < 1900:
        _fail(f"--issued {when.isoformat()} is before 1900")

    return moment


def _seal_settings(
    key: Path | None,
    cert: Path | None,
    chain: Path | None,
    password_env: str | None,
    tsa: str | None,
) -> SealSettings | None:
    if key is None:
        if cert or chain or tsa:
            _fail("--seal-cert, --seal-chain and --tsa need --seal-key")
        return None
    password = None
    if password_env is not None:
        value = os.environ.get(password_env)
        if value is None:
            _fail(f"environment variable {password_env} is not set")
        password = value.encode() if value else None

    return SealSettings(key, cert, chain, password=password, tsa_url=tsa)


def _summary_line(summary: IssueSummary) -> str:
    resumed = f" ({summary.resumed} from an earlier run)" if summary.resumed else ""

    return (
        f"{summary.written} written, {summary.invalid} invalid, "
        f"{summary.error} error(s) of {summary.inputs} record(s){resumed}; "
        f"report: {summary.report}"
    )


class _Progress:
    """Progress on standard error: a rich bar on a terminal, else plain lines."""

    def __init__(self, total: int, profile: str) -> None:
        self.total = total
        self.profile = profile
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task("issuing", total=total)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.done:
            self._line()

    def __call__(self, outcome: RecordOutcome, resumed: bool) -> None:
        """Count one outcome and say what went wrong with it."""
        self.done += 1
        if outcome.status != "written":
            self.failed += 1
            self._echo(_problem(outcome, self.profile))
        if self._bar is not None:
            self._bar.advance(self._task)
        elif time.monotonic() - self._last_line >= _LINE_INTERVAL:
            self._line()

    def _echo(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            typer.echo(text, err=True)

    def _line(self) -> None:
        now = time.monotonic()
        self._last_line = now
        rate = self.done / max(now - self.started, 1e-9)
        typer.echo(
            f"progress: {self.done}/{self.total} records, {self.failed} not "
            f"written, {rate:.1f}/s",
            err=True,
        )


def _problem(outcome: RecordOutcome, profile: str) -> str:
    if outcome.status == "error" and outcome.error:
        message = str(outcome.error["message"])
        path = outcome.error.get("path")
        where = f" at {path}" if path and not message.startswith(f"{path}:") else ""
        return f"error    {outcome.record} ({outcome.source}){where}: {message}"
    count = sum(f["severity"] == "Violation" for f in outcome.findings)

    return f"invalid  {outcome.record}: {count} violation(s) of {profile}"
