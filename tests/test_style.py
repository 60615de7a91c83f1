"""The style rules are enforced by tools: ruff lint and format pass on the tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which(
    "ruff"
)


@pytest.mark.skipif(RUFF is None, reason="ruff is in the dev extra")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_passes(command: list[str]) -> None:
    """``ruff check`` and ``ruff format --check`` report nothing on the tree."""
    assert RUFF is not None
    result = subprocess.run(
        [RUFF, *command, "src", "tests", "bench", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
