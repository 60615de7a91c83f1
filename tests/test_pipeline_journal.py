"""Tests of the run journal: resuming, report assembly, nothing lost or doubled."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from aurora_edc._issue import IssueOptions, issue_batch, issue_records
from aurora_edc._issue_journal import JOURNAL_NAME
from aurora_edc._loaders import load_records, stream_records
from aurora_edc._outputs import output_stem
from helpers import ISSUED

pytest.importorskip("pyrudof")


def _roster(fixtures_dir: Path, tmp_path: Path, rows: int = 12) -> list[Path]:
    """The roster fixture cut to ``rows`` learners."""
    lines = (fixtures_dir / "roster/roster.csv").read_text("utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")

    return [fixtures_dir / "roster/spec.yaml", roster]


def _options(out: Path, **changes: object) -> IssueOptions:
    options = IssueOptions(out_dir=out, formats=("jsonld", "nt"), issued=ISSUED)
    return replace(options, **changes)  # type: ignore[arg-type]


def _journal_seqs(out: Path) -> list[int]:
    lines = (out / JOURNAL_NAME).read_text("utf-8").splitlines()[1:]
    return [json.loads(line)["seq"] for line in lines]


def test_report_has_the_layout_of_json_dumps(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """The streamed report.json is byte for byte ``json.dumps(report, indent=2)``."""
    out = tmp_path / "out"

    summary = issue_records(
        stream_records(_roster(fixtures_dir, tmp_path)), _options(out)
    )

    text = (out / "report.json").read_text("utf-8")
    report = json.loads(text)
    assert text == json.dumps(report, indent=2, ensure_ascii=False)
    assert report["summary"] == {"inputs": 12, "written": 12, "invalid": 0, "error": 0}
    assert summary.ok and summary.inputs == 12


def test_empty_input_gives_an_empty_report(fixtures_dir: Path, tmp_path: Path) -> None:
    """A roster with no rows still gives a complete, valid report.json."""
    out = tmp_path / "out"

    issue_records(stream_records(_roster(fixtures_dir, tmp_path, 0)), _options(out))

    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["records"] == [] and report["summary"]["inputs"] == 0


def test_rerun_resumes_everything_and_rewrites_nothing(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A second identical run issues nothing again and gives the same report."""
    paths = _roster(fixtures_dir, tmp_path)
    out = tmp_path / "out"
    issue_records(stream_records(paths), _options(out))
    first = (out / "report.json").read_bytes()
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.jsonld")}

    summary = issue_records(stream_records(paths), _options(out), workers=2)

    assert summary.resumed == 12
    assert (out / "report.json").read_bytes() == first
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.jsonld")} == stamps
    assert sorted(_journal_seqs(out)) == list(range(12))


def test_damaged_file_is_issued_again(fixtures_dir: Path, tmp_path: Path) -> None:
    """A file whose bytes differ from the journal's SHA-256 is written again."""
    paths = _roster(fixtures_dir, tmp_path)
    out = tmp_path / "out"
    issue_records(stream_records(paths), _options(out))
    victim = next(iter(sorted(out.glob("*.jsonld"))))
    original = victim.read_bytes()
    victim.write_bytes(original[:100])

    summary = issue_records(stream_records(paths), _options(out))

    assert summary.resumed == 11
    assert victim.read_bytes() == original


def test_torn_journal_line_is_cut_and_the_run_completes(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A half-written last journal line (a kill mid-write) is dropped on resume."""
    paths = _roster(fixtures_dir, tmp_path)
    reference = tmp_path / "reference"
    issue_records(stream_records(paths), _options(reference))
    out = tmp_path / "out"
    issue_records(stream_records(paths), _options(out))
    journal = out / JOURNAL_NAME
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:6]) + lines[6][:40])
    (out / "report.json").unlink()

    summary = issue_records(stream_records(paths), _options(out))

    assert summary.resumed == 5
    assert (out / "report.json").read_bytes() == (
        reference / "report.json"
    ).read_bytes()
    assert sorted(_journal_seqs(out)) == list(range(12))


def test_other_settings_start_afresh(fixtures_dir: Path, tmp_path: Path) -> None:
    """A run with another profile or formats does not reuse the journal."""
    paths = _roster(fixtures_dir, tmp_path)
    out = tmp_path / "out"
    issue_records(stream_records(paths), _options(out))

    summary = issue_records(stream_records(paths), _options(out, formats=("jsonld",)))

    assert summary.resumed == 0
    assert _journal_seqs(out) == list(range(12))


def test_resumed_run_keeps_the_earlier_issue_time(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """Without an explicit time, a resumed run reuses the time of the run it resumes."""
    paths = _roster(fixtures_dir, tmp_path)
    out = tmp_path / "out"
    first = issue_records(stream_records(paths), _options(out, issued=None))

    again = issue_records(stream_records(paths), _options(out, issued=None))
    fresh = issue_records(
        stream_records(paths), _options(out, issued=None), restart=True
    )

    assert again.issued == first.issued and again.resumed == 12
    assert fresh.resumed == 0


def test_changed_record_is_reissued_and_its_old_files_removed(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A record changed between runs is issued again; files it no longer has go."""
    paths = _roster(fixtures_dir, tmp_path, rows=3)
    out = tmp_path / "out"
    issue_records(stream_records(paths), _options(out))
    roster = paths[1]
    rows = roster.read_text("utf-8").splitlines()
    rows[2] = rows[2].replace("2026-06-30", "2026-06-31")
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")

    summary = issue_records(stream_records(paths), _options(out))

    assert summary.resumed == 2 and summary.error == 1
    assert not list(out.glob("VU-DLSD-2026-002.*"))


def test_duplicate_award_id_is_an_error_naming_the_first(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A second award with the same id is reported; the first one is written."""
    paths = _roster(fixtures_dir, tmp_path, rows=3)
    roster = paths[1]
    rows = roster.read_text("utf-8").splitlines()
    roster.write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    issue_records(stream_records(paths), _options(out))

    records = json.loads((out / "report.json").read_text("utf-8"))["records"]
    assert [r["status"] for r in records] == ["written"] * 3 + ["error"]
    assert "roster.csv:2" in records[3]["error"]["message"]


def test_leftover_temporary_files_are_removed(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """Temporary files of a killed write (never renamed) do not survive a run."""
    out = tmp_path / "out"
    out.mkdir()
    leftover = out / ".VU-DLSD-2026-001.jsonld.ab12cd_9"
    leftover.write_bytes(b"{")

    issue_records(stream_records(_roster(fixtures_dir, tmp_path, 2)), _options(out))

    assert not leftover.exists()


def test_issue_batch_returns_every_outcome_in_order(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """The in-memory entry point lists errors first, then awards, as before."""
    paths = _roster(fixtures_dir, tmp_path, rows=4)
    rows = paths[1].read_text("utf-8").splitlines()
    rows[2] = rows[2].replace("2026-06-30", "2026-13-30")
    paths[1].write_text("\n".join(rows) + "\n", encoding="utf-8")

    report = issue_batch(load_records(paths), _options(tmp_path / "out"))

    assert [o.status for o in report.outcomes] == ["error", *["written"] * 3]
    assert report.to_dict()["summary"]["inputs"] == 4
    assert report.failed == 1


@pytest.mark.parametrize("second", ["hashed", "case"])
def test_award_ids_that_name_the_same_files_are_an_error(
    fixtures_dir: Path, tmp_path: Path, second: str
) -> None:
    """An id whose file name another id already takes is reported, not written."""
    paths = _roster(fixtures_dir, tmp_path, rows=2)
    roster = paths[1]
    header, first_row, second_row = roster.read_text("utf-8").splitlines()
    unsafe = "VU/2026/001"
    other = output_stem(unsafe) if second == "hashed" else output_stem(unsafe).upper()
    rows = [
        header,
        first_row.replace("VU-DLSD-2026-001", unsafe, 1),
        second_row.replace("VU-DLSD-2026-002", other, 1),
    ]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    issue_records(stream_records(paths), _options(out))

    records = json.loads((out / "report.json").read_text("utf-8"))["records"]
    assert [r["status"] for r in records] == ["written", "error"]
    assert "same output files" in records[1]["error"]["message"]
    assert "roster.csv:2" in records[1]["error"]["message"]
    assert len(list(out.glob("*.jsonld"))) == 1


def test_run_over_other_files_never_deletes_the_earlier_credentials(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A second run into the same directory with other record files is a new run."""
    paths = _roster(fixtures_dir, tmp_path, rows=4)
    out = tmp_path / "out"
    issue_records(stream_records(paths), _options(out))
    before = sorted(path.name for path in out.glob("*.jsonld"))
    lines = paths[1].read_text("utf-8").splitlines()
    single = tmp_path / "single.csv"
    single.write_text("\n".join([lines[0], lines[3]]) + "\n", encoding="utf-8")

    summary = issue_records(stream_records([paths[0], single]), _options(out))

    assert summary.resumed == 0 and summary.written == 1
    assert sorted(path.name for path in out.glob("*.jsonld")) == before
    records = json.loads((out / "report.json").read_text("utf-8"))["records"]
    assert [r["record"] for r in records] == ["VU-DLSD-2026-003"]


def test_same_file_name_in_two_folders_is_not_the_same_record(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """Awards of a file given twice, or of a namesake file, are duplicates."""
    paths = _roster(fixtures_dir, tmp_path, rows=2)
    other = tmp_path / "other"
    other.mkdir()
    namesake = other / "roster.csv"
    namesake.write_bytes(paths[1].read_bytes())
    out = tmp_path / "out"

    issue_records(stream_records([*paths, namesake]), _options(out))

    records = json.loads((out / "report.json").read_text("utf-8"))["records"]
    assert [r["status"] for r in records] == ["written"] * 2 + ["error"] * 2
    assert "already used" in records[2]["error"]["message"]
