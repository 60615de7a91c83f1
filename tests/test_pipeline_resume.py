"""A run killed half-way (SIGKILL) and resumed ends as if it had never stopped."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aurora_edc._issue_journal import JOURNAL_NAME

pytest.importorskip("pyrudof")

ROWS = 500
ISSUE = "from aurora_edc.cli import main; main()"


def _roster(fixtures_dir: Path, path: Path) -> None:
    """Write a roster of ROWS learners from the fixture's rows."""
    with (fixtures_dir / "roster/roster.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for index in range(ROWS):
            row = dict(rows[index % len(rows)], id=f"KILL-{index:04d}")
            writer.writerow(row)


def _command(fixtures_dir: Path, roster: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        ISSUE,
        "issue",
        str(fixtures_dir / "roster/spec.yaml"),
        str(roster),
        "--out",
        str(out),
        "--format",
        "jsonld,nt",
        "--workers",
        "2",
        *extra,
    ]


def _wait_until_gone(group: int, timeout: float = 30.0) -> None:
    """Wait for every process of a process group (the workers) to exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"processes of group {group} still running after the kill")


def _kill_half_way(command: list[str], out: Path) -> None:
    """Start the run, SIGKILL its main process once some outputs exist."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("*.jsonld"))) < ROWS // 5:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no outputs appeared"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    _wait_until_gone(process.pid)


def test_killed_run_resumes_to_the_uninterrupted_result(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """After SIGKILL and a re-run, each record is issued once; outputs match."""
    roster = tmp_path / "roster.csv"
    _roster(fixtures_dir, roster)
    out = tmp_path / "out"

    _kill_half_way(_command(fixtures_dir, roster, out), out)
    killed = (out / JOURNAL_NAME).read_text("utf-8").count("\n") - 1
    assert 0 < killed < ROWS, "the kill did not land half-way"
    assert not (out / "report.json").exists()

    resumed = subprocess.run(
        _command(fixtures_dir, roster, out), capture_output=True, text=True, timeout=300
    )

    assert resumed.returncode == 0, resumed.stderr
    assert "from an earlier run" in resumed.stdout
    report = json.loads((out / "report.json").read_text("utf-8"))

    reference = tmp_path / "reference"
    again = subprocess.run(
        _command(fixtures_dir, roster, reference, "--issued", report["issued"]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr

    # The report is complete and the same as that of a run never interrupted.
    assert (out / "report.json").read_bytes() == (
        reference / "report.json"
    ).read_bytes()
    assert report["summary"]["written"] == ROWS
    # Each record was issued exactly once: one journal line per input record.
    lines = (out / JOURNAL_NAME).read_text("utf-8").splitlines()[1:]
    assert sorted(json.loads(line)["seq"] for line in lines) == list(range(ROWS))
    # Every file is there, identical, and no partial file is left.
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in reference.iterdir())
    for name in names:
        if name != JOURNAL_NAME:
            assert (out / name).read_bytes() == (reference / name).read_bytes(), name
