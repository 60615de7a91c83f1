"""Tests of ``aurora-edc check``: text, JSON and HTML reports, and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from aurora_edc.cli import app

AURORA = Path(__file__).resolve().parents[1] / "fixtures/aurora"
DATA = Path(__file__).resolve().parents[1] / "src/aurora_edc/data/aurora"
COMPLETE = [
    str(AURORA / n) for n in ("organisations.yaml", "complete.yaml", "joint.yaml")
]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.stdout


def test_complete_offerings_exit_0() -> None:
    """Offerings that meet every criterion exit 0 and say so."""
    code, out = _run(*COMPLETE)

    assert code == 0, out
    assert "2 offering(s): 2 meet the Aurora profile, 0 fall short" in out


def test_an_offering_falling_short_exits_1_and_names_the_gap() -> None:
    """One offering below the profile makes the exit code 1; the text names the gap."""
    code, out = _run(
        str(AURORA / "organisations.yaml"), str(AURORA / "missing-eqf-level.yaml")
    )

    assert code == 1
    assert "MISSING  Annex I  level of the learning experience (EQF)" in out


def test_json_lists_every_offering_and_criterion() -> None:
    """--format json gives one object per offering with every criterion."""
    code, out = _run(*map(str, sorted(AURORA.glob("*.yaml"))), "--format", "json")

    document = json.loads(out)
    offerings = {o["specification"]: o for o in document["offerings"]}
    assert code == 1
    assert len(offerings) == 9
    assert offerings["digital-humanities-intro"]["level"] == 1
    assert offerings["water-futures"]["meets_profile"] is True
    assert document["minimum_level"] == 2


def test_html_is_written_to_the_out_file(tmp_path: Path) -> None:
    """--format html --out writes one page and leaves stdout empty."""
    target = tmp_path / "catalogue.html"

    code, out = _run(*COMPLETE, "--format", "html", "--out", str(target))

    assert code == 0
    assert out == ""
    assert target.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_invalid_specification_exits_2(tmp_path: Path) -> None:
    """A specification that fails the record model is unusable input."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: x\ntitle: X\nawarding_body: innsbruck\naurora: {sdgs: [18]}\n", "utf-8"
    )

    result = CliRunner().invoke(
        app, ["check", str(AURORA / "organisations.yaml"), str(bad)]
    )

    assert result.exit_code == 2
    assert "aurora.sdgs[0]" in result.stderr


def test_config_option_changes_the_required_level(tmp_path: Path) -> None:
    """--config with minimum level 1 lets the Level 1 offering pass."""
    for name in ("educational-hubs.example.ttl", "competence-framework.example.ttl"):
        shutil.copy(DATA / name, tmp_path / name)
    text = (DATA / "aurora-profile.yaml").read_text("utf-8")
    config = tmp_path / "aurora.yaml"
    config.write_text(text.replace("minimum_level: 2", "minimum_level: 1"), "utf-8")

    code, out = _run(
        str(AURORA / "organisations.yaml"),
        str(AURORA / "below-level-2.yaml"),
        "--config",
        str(config),
    )

    assert code == 0, out
    assert "Aurorisation Level 1 (required: Level 1)" in out


def test_awards_in_the_files_are_ignored(tmp_path: Path) -> None:
    """Award records do not count as offerings and their errors do not matter."""
    roster = tmp_path / "award.yaml"
    roster.write_text(
        "id: broken\nlearner: {email: nobody}\nawarded_on: soon\n", "utf-8"
    )

    code, out = _run(*COMPLETE, str(roster), "--format", "json")

    assert code == 0, out
    assert len(json.loads(out)["offerings"]) == 2
