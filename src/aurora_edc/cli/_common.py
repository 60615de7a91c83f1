"""Options and helpers shared by the ``aurora-edc`` commands."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Annotated

import typer

from .._catalogue import MIRROR_ENV

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNUSABLE",
    "ArtefactsOption",
    "OutputFormat",
    "use_artefacts",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNUSABLE = 2


class OutputFormat(enum.StrEnum):
    """How a command prints its report."""

    text = "text"
    json = "json"


ArtefactsOption = Annotated[
    Path | None,
    typer.Option(
        "--artefacts",
        help="Mirror directory of the official artefacts "
        "(default: $AURORA_EDC_ARTEFACTS).",
        file_okay=False,
    ),
]


def use_artefacts(mirror: Path | None) -> None:
    """Make ``--artefacts`` the mirror of this command's process.

    The command line owns its process, so it records the choice where every
    library call looks by default (``AURORA_EDC_ARTEFACTS``), including in
    worker processes it starts.
    """
    if mirror is not None:
        os.environ[MIRROR_ENV] = str(mirror.resolve())
