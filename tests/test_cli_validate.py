"""``aurora-edc validate``: verdicts, findings, JSON output and exit codes."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from aurora_edc.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def samples(shared: Path) -> Path:
    """Return the EC's ELM v3 samples folder."""
    return shared / "elm" / "v3" / "samples"


def test_conforming_file_exits_0(samples: Path) -> None:
    """The sealed MC sample conforms to the default profile: exit 0."""
    result = runner.invoke(
        app, ["validate", str(samples / "Sample-MC-Annex1-signed.jsonld")]
    )

    assert result.exit_code == 0, result.output
    assert "conforms to edc-generic-full (1 info)" in result.output


def test_violations_exit_1_and_are_listed(samples: Path) -> None:
    """The unsigned MC sample fails with its two results, in short names."""
    path = samples / "Sample-MC-Annex1-unsigned.jsonld"

    result = runner.invoke(app, ["validate", str(path)])

    assert result.exit_code == 1
    assert (
        "does not conform to edc-generic-full (2 violations, 1 info)" in result.output
    )
    assert "cred:issued" in result.output
    assert "sh:MinCountConstraintComponent" in result.output
    assert "edc:IssuerNodeShape" in result.output


def test_json_format_lists_one_report_per_file(samples: Path) -> None:
    """--format json prints a list of report objects with full IRIs."""
    files = [
        samples / "Sample-MC-Annex1-signed.jsonld",
        samples / "credential-sample.ttl",
    ]

    result = runner.invoke(
        app,
        [
            "validate",
            *map(str, files),
            "--format",
            "json",
            "--profile",
            "edc-generic-no-cv",
        ],
    )

    reports = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [report["conforms"] for report in reports] == [True, False]
    assert {report["profile"] for report in reports} == {"edc-generic-no-cv"}
    paths = {finding.get("path") for finding in reports[1]["findings"]}
    assert "http://data.europa.eu/snb/model/elm/individualDisplay" in paths


def test_unusable_input_exits_2_and_others_are_still_reported(
    samples: Path, tmp_path: Path
) -> None:
    """A missing and a broken file give exit 2; the good file is still checked."""
    broken = tmp_path / "broken.jsonld"
    broken.write_text('{\n  "id": "urn:x",\n  oops\n}')
    files = [
        tmp_path / "absent.jsonld",
        broken,
        samples / "Sample-MC-Annex1-signed.jsonld",
    ]

    result = runner.invoke(app, ["validate", *map(str, files), "--format", "json"])

    reports = json.loads(result.stdout)
    assert result.exit_code == 2
    assert "cannot read" in reports[0]["error"]
    assert reports[1]["error"].startswith("line 3: not valid JSON")
    assert reports[2]["conforms"] is True


def test_unknown_profile_exits_2(samples: Path) -> None:
    """An unknown --profile makes every credential unusable: exit 2."""
    path = samples / "Sample-MC-Annex1-signed.jsonld"

    result = runner.invoke(app, ["validate", str(path), "--profile", "edc-nope"])

    assert result.exit_code == 2
    assert "unknown SHACL profile 'edc-nope'" in result.output


@pytest.mark.skipif(
    importlib.util.find_spec("aurora_edc._xsd") is None,
    reason="the XSD check (aurora_edc._xsd) is not in this tree",
)
def test_xml_files_go_to_the_xsd_check(shared: Path) -> None:
    """An ELM 1.2 XML credential is validated against its XML schema."""
    path = shared / "elm" / "v2" / "samples" / "EDC_WileECoyote_Simple.xml"

    result = runner.invoke(app, ["validate", str(path), "--format", "json"])

    [report] = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert report["conforms"] is True
    assert report["profile"] != "edc-generic-full"


def test_validate_passes_empty_files(tmp_path: Path) -> None:
    """An empty Turtle file and {} do not conform: exit 1, structure Violation."""
    empty = tmp_path / "empty.ttl"
    empty.write_bytes(b"")
    nothing = tmp_path / "nothing.jsonld"
    nothing.write_text("{}")

    result = runner.invoke(app, ["validate", str(empty), str(nothing)])

    assert result.exit_code == 1, result.output
    assert result.output.count("does not conform to edc-generic-full") == 2
    assert "[structure]" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_hangs_validate(tmp_path: Path) -> None:
    """A FIFO, even named .xml, is reported unusable at once: exit 2."""
    fifo = tmp_path / "credential.xml"
    os.mkfifo(fifo)
    results: list[Result] = []
    thread = threading.Thread(
        target=lambda: results.append(runner.invoke(app, ["validate", str(fifo)])),
        daemon=True,
    )

    thread.start()
    thread.join(30)

    assert not thread.is_alive(), "validate blocked on the FIFO"
    [result] = results
    assert result.exit_code == 2
    assert "expected a regular file, found a FIFO" in result.output


def test_max_triples_option(samples: Path) -> None:
    """--max-triples below the sealed sample's 353 triples makes it unusable."""
    path = str(samples / "Sample-MC-Annex1-signed.jsonld")

    low = runner.invoke(app, ["validate", path, "--max-triples", "300"])
    enough = runner.invoke(app, ["validate", path, "--max-triples", "353"])

    assert low.exit_code == 2
    assert "353 triples, over the limit of 300" in low.output
    assert enough.exit_code == 0, enough.output
