"""Tests of the main job: ``aurora-edc issue`` writes files and a complete report."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aurora_edc.cli import app

runner = CliRunner()


def _issue(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["issue", *args])
    return result.exit_code, result.output


def test_issue_ec_sample_writes_all_formats(fixtures_dir: Path, tmp_path: Path) -> None:
    """The EC sample record gives JSON-LD, Turtle and N-Triples files and a report."""
    code, output = _issue(
        str(fixtures_dir / "ec-sample/records.yaml"),
        "--out",
        str(tmp_path),
        "--format",
        "jsonld,ttl,nt",
        "--issued",
        "2026-07-01T10:00:00Z",
    )

    assert code == 0, output
    report = json.loads((tmp_path / "report.json").read_text())
    (record,) = report["records"]
    assert record["status"] == "written"
    assert sorted(record["files"]) == [
        "ana-andromeda-C012.jsonld",
        "ana-andromeda-C012.nt",
        "ana-andromeda-C012.ttl",
    ]
    document = json.loads((tmp_path / "ana-andromeda-C012.jsonld").read_text())
    assert document["issued"] == "2026-07-01T10:00:00Z"


def test_bad_records_do_not_stop_the_others(tmp_path: Path, fixtures_dir: Path) -> None:
    """A bad row and an unknown specification are reported; the others are written."""
    roster = tmp_path / "roster.csv"
    rows = (fixtures_dir / "roster/roster.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace("2026-06-30", "2026-06-31")
    rows[5] = rows[5].replace("vu-data-literacy-sdg", "no-such-spec")
    roster.write_text("\n".join(rows[:8]) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    code, output = _issue(
        str(fixtures_dir / "roster/spec.yaml"), str(roster), "--out", str(out)
    )

    assert code == 1
    report = json.loads((out / "report.json").read_text())
    assert report["summary"] == {"inputs": 7, "written": 5, "invalid": 0, "error": 2}
    errors = {
        r["record"]: r["error"] for r in report["records"] if r["status"] == "error"
    }
    assert errors["VU-DLSD-2026-003"]["path"] == "awarded_on"
    assert errors["VU-DLSD-2026-005"]["path"] == "specification"
    assert "VU-DLSD-2026-003" in output
    assert len(list(out.glob("*.jsonld"))) == 5


def test_violation_is_reported_not_written(tmp_path: Path) -> None:
    """A record that cannot conform is listed with its error and not written."""
    spec = {
        "id": "s",
        "title": "T",
        "awarding_body": {"id": "o", "legal_name": "O", "country": "AT"},
    }
    award = {"id": "a", "learner": {"full_name": "A B"}, "awarded_on": "2026-01-01"}
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"specifications": [spec], "awards": [award]}))
    out = tmp_path / "out"

    code, _ = _issue(str(path), "--out", str(out))

    assert code == 1
    (record,) = json.loads((out / "report.json").read_text())["records"]
    assert record["status"] == "error"
    assert record["error"]["path"] == "issuer.eidas_id"
    assert not list(out.glob("*.jsonld"))


def test_unusable_input_exits_2(tmp_path: Path) -> None:
    """A record file that cannot be parsed ends the command with exit status 2."""
    path = tmp_path / "broken.yaml"
    path.write_text("awards: [\n", encoding="utf-8")

    code, output = _issue(str(path), "--out", str(tmp_path / "out"))

    assert code == 2
    assert "broken.yaml" in output


def test_unknown_format_exits_2(fixtures_dir: Path, tmp_path: Path) -> None:
    """An unknown output format is refused before anything is written."""
    code, output = _issue(
        str(fixtures_dir / "ec-sample/records.yaml"),
        "--out",
        str(tmp_path),
        "--format",
        "pdf",
    )

    assert code == 2
    assert "pdf" in output


def test_schema_prints_json_schema() -> None:
    """``aurora-edc schema`` prints the JSON Schema of record files."""
    result = runner.invoke(app, ["schema"])

    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "RecordSet"


def _short_roster(fixtures_dir: Path, tmp_path: Path, rows: int = 6) -> Path:
    lines = (fixtures_dir / "roster/roster.csv").read_text("utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return roster


def test_engines_give_the_same_report(fixtures_dir: Path, tmp_path: Path) -> None:
    """``--engine pyshacl`` and ``--engine pyrudof`` write the same report."""
    roster = _short_roster(fixtures_dir, tmp_path)
    rows = roster.read_text("utf-8").splitlines()
    rows[2] = rows[2].replace("2026-06-30", "2026-06-31")
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    reports = []
    for engine in ("pyshacl", "pyrudof"):
        out = tmp_path / engine
        code, output = _issue(
            str(fixtures_dir / "roster/spec.yaml"),
            str(roster),
            "--out",
            str(out),
            "--profile",
            "edc-accredited",
            "--keep-invalid",
            "--engine",
            engine,
            "--workers",
            "1",
            "--issued",
            "2026-07-01T10:00:00Z",
        )
        assert code == 1, output
        reports.append((out / "report.json").read_bytes())

    assert reports[0] == reports[1]
    summary = json.loads(reports[0])["summary"]
    assert summary == {"inputs": 6, "written": 0, "invalid": 5, "error": 1}


def test_progress_and_resume_are_reported(fixtures_dir: Path, tmp_path: Path) -> None:
    """Plain progress lines go to stderr; a re-run says what it resumed."""
    roster = _short_roster(fixtures_dir, tmp_path)
    args = [str(fixtures_dir / "roster/spec.yaml"), str(roster), "--out"]
    out = str(tmp_path / "out")

    first = runner.invoke(app, ["issue", *args, out, "--workers", "2"])
    second = runner.invoke(app, ["issue", *args, out])

    assert first.exit_code == 0, first.output
    assert "progress: 6/6 records, 0 not written" in first.output
    assert "6 written" in second.stdout
    assert "(6 from an earlier run)" in second.stdout


def test_progress_total_counts_definition_errors(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A refused specification counts in the total: progress never passes it."""
    roster = _short_roster(fixtures_dir, tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text("specifications:\n  - id: broken\n    title: {en: B}\n")
    args = [str(fixtures_dir / "roster/spec.yaml"), str(broken), str(roster)]

    result = runner.invoke(app, ["issue", *args, "--out", str(tmp_path / "out")])

    assert "progress: 7/7 records, 1 not written" in result.output, result.output


def test_issue_seals_each_file(
    fixtures_dir: Path, tmp_path: Path, test_pki: object
) -> None:
    """With ``--seal-key``, the JSON-LD files are JAdES seals of the credential."""
    files = test_pki.issue_seal(  # type: ignore[attr-defined]
        organization_identifier="VATNL-002946954B01"
    ).write(tmp_path)
    out = tmp_path / "out"

    code, output = _issue(
        str(fixtures_dir / "roster/spec.yaml"),
        str(_short_roster(fixtures_dir, tmp_path, 2)),
        "--out",
        str(out),
        "--seal-key",
        str(files.key),
        "--seal-cert",
        str(files.cert),
        "--seal-chain",
        str(files.chain),
    )

    assert code == 0, output
    sealed = json.loads((out / "VU-DLSD-2026-001.jsonld").read_bytes())
    assert set(sealed) == {"payload", "signatures"}


def test_unusable_seal_key_exits_2(fixtures_dir: Path, tmp_path: Path) -> None:
    """A seal key that cannot be loaded stops the run before anything is issued."""
    key = tmp_path / "key.pem"
    key.write_text("not a key", encoding="utf-8")

    code, output = _issue(
        str(fixtures_dir / "roster/spec.yaml"),
        str(_short_roster(fixtures_dir, tmp_path, 2)),
        "--out",
        str(tmp_path / "out"),
        "--seal-key",
        str(key),
    )

    assert code == 2, output
    assert not (tmp_path / "out" / "report.json").exists()


def test_regression_unwritable_output_fails_only_its_record(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A directory in the way of one output file fails that record, cleanly."""
    out = tmp_path / "out"
    (out / "VU-DLSD-2026-002.jsonld").mkdir(parents=True)
    roster = tmp_path / "roster.csv"
    rows = (fixtures_dir / "roster/roster.csv").read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join(rows[:4]) + "\n", encoding="utf-8")

    code, _ = _issue(
        str(fixtures_dir / "roster/spec.yaml"),
        str(roster),
        "--out",
        str(out),
        "--workers",
        "1",
    )

    assert code == 1
    report = json.loads((out / "report.json").read_text())
    failed = [r for r in report["records"] if r["status"] == "error"]
    assert [r["record"] for r in failed] == ["VU-DLSD-2026-002"]
    assert "cannot write" in failed[0]["error"]["message"]
    assert "internal" not in failed[0]["error"]["kind"]


def test_regression_load_errors_keep_their_file_and_line(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A bad CSV row is reported with ``file:line`` as its source."""
    roster = tmp_path / "r.csv"
    rows = (fixtures_dir / "roster/roster.csv").read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace("2026-06-30", "2026-13-30")
    roster.write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    _issue(str(fixtures_dir / "roster/spec.yaml"), str(roster), "--out", str(out))

    report = json.loads((out / "report.json").read_text())
    (bad,) = [r for r in report["records"] if r["status"] == "error"]
    assert bad["source"] == "r.csv:3"
    assert bad["record"] == "VU-DLSD-2026-002"


def test_outputs_are_readable_by_others(fixtures_dir: Path, tmp_path: Path) -> None:
    """Credentials and the report get the usual mode, not a temp file's 0600."""
    _issue(str(fixtures_dir / "ec-sample/records.yaml"), "--out", str(tmp_path))

    for name in ("ana-andromeda-C012.jsonld", "report.json"):
        mode = (tmp_path / name).stat().st_mode & 0o777
        assert mode & 0o044, name


def test_unknown_profile_is_refused_even_without_validation(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """``--profile`` names a known profile, with or without ``--no-validate``."""
    code, output = _issue(
        str(fixtures_dir / "ec-sample/records.yaml"),
        "--out",
        str(tmp_path),
        "--profile",
        "nosuch",
        "--no-validate",
    )

    assert code == 2
    assert "nosuch" in output


def test_issue_time_out_of_range_is_refused(fixtures_dir: Path, tmp_path: Path) -> None:
    """An ``--issued`` before 1900 or out of range is unusable, not a traceback."""
    code, output = _issue(
        str(fixtures_dir / "ec-sample/records.yaml"),
        "--out",
        str(tmp_path),
        "--issued",
        "0001-01-01T00:30:00+01:00",
    )

    assert code == 2
    assert "--issued" in output


def test_regression_stale_output_removed_when_record_fails(tmp_path: Path) -> None:
    """A record that fails on a re-run leaves no credential from the earlier run."""
    records = tmp_path / "r.json"
    spec = {
        "id": "s",
        "title": "T",
        "awarding_body": {
            "id": "o",
            "legal_name": "O",
            "country": "AT",
            "eidas_id": "VATAT-1",
        },
    }
    award = {"id": "a1", "learner": {"full_name": "A B"}, "awarded_on": "2026-01-01"}
    records.write_text(json.dumps({"specifications": [spec], "awards": [award]}))
    out = tmp_path / "out"
    assert _issue(str(records), "--out", str(out), "--workers", "1")[0] == 0

    del spec["awarding_body"]["eidas_id"]
    records.write_text(json.dumps({"specifications": [spec], "awards": [award]}))
    code, _ = _issue(str(records), "--out", str(out), "--workers", "1")

    assert code == 1
    assert not (out / "a1.jsonld").exists()
