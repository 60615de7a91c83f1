"""Options and helpers shared by the ``aurora-edc`` commands."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_UNUSABLE", "ArtefactsOption", "OutputFormat"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNUSABLE = 2


class OutputFormat(str, enum.Enum):
    """How a command prints its report."""

    text = "text"
    json = "json"


ArtefactsOption = Annotated[
    Path | None,
    typer.Option(
        "--artefacts",
        help="Mirror directory of the official artefacts (default: $AURORA_EDC_ARTEFACTS).",
        file_okay=False,
    ),
]
