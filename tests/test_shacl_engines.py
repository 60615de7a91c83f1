"""Tests of the two SHACL engines: pyrudof agrees with pySHACL, the reference."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph

from aurora_edc._catalogue import default_catalogue
from aurora_edc._elm import to_graph
from aurora_edc._jsonld import compensate_context_defects, parse_credential
from aurora_edc._shacl import SHACLValidator, _shape_files, get_profile, profile_names
from aurora_edc._shacl_rudof import RudofSession, rudof_session
from helpers import build_all

pyrudof = pytest.importorskip("pyrudof")

EC_SAMPLES = (
    "Sample-MC-Annex1-unsigned.jsonld",
    "Sample-MC-Annex1-signed.jsonld",
    "Sample-MC-Annex1-unsigned-uploadable.json",
    "credential-sample.jsonld",
    "credential-sample.ttl",
)
FIXTURES = {
    "ec-sample": ["ec-sample/records.yaml"],
    "joint": ["joint/records.yaml"],
    "roster": ["roster/spec.yaml", "roster/roster.csv"],
}
PROFILES = tuple(dict.fromkeys((*profile_names(), "aurora")))

Key = tuple[str | None, str | None, str | None]


def _path(text: str | None) -> str | None:
    """Compare property paths without spaces and brackets.

    pyrudof writes ``(a / (b)* / c)`` where the findings say ``a/b*/c``; the
    sequence of steps, alternatives and repetitions is what is compared.
    """
    return None if text is None else re.sub(r"[\s()]", "", text)


def _engines_agree(graph: Graph, profile: str) -> tuple[set[Key], set[Key]]:
    """Return (focus, path, component) results of pySHACL and of pyrudof."""
    fixed, _ = compensate_context_defects(graph)
    reference = SHACLValidator(profile).validate(fixed)
    files = _shape_files(get_profile(profile), default_catalogue())
    results = rudof_session(files, profile).results(fixed.serialize(format="nt"))

    return (
        {
            (f.focus, _path(f.path), f.constraint)
            for f in reference.findings
            if f.check == "shacl"
        },
        {(r.focus, _path(r.path), r.component) for r in results},
    )


@pytest.fixture(scope="module")
def fixture_graphs(fixtures_dir: Path) -> dict[str, Graph]:
    """Graphs of the fixture credentials: two per fixture file set."""
    graphs = {}
    for name, files in FIXTURES.items():
        _, credentials = build_all(*(fixtures_dir / rel for rel in files))
        for index, credential in enumerate(credentials[:2]):
            graphs[f"{name}[{index}]"] = to_graph(credential)

    return graphs


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("sample", EC_SAMPLES)
def test_engines_agree_on_ec_samples(shared: Path, sample: str, profile: str) -> None:
    """Both engines give the same verdict and result set on each EC sample."""
    graph = parse_credential(shared / "elm/v3/samples" / sample).graph

    reference, rudof = _engines_agree(graph, profile)

    assert rudof == reference


@pytest.mark.parametrize("profile", PROFILES)
def test_engines_agree_on_fixture_credentials(
    fixture_graphs: dict[str, Graph], profile: str
) -> None:
    """Both engines give the same results on every fixture credential."""
    for name, graph in fixture_graphs.items():
        reference, rudof = _engines_agree(graph, profile)

        assert rudof == reference, name


def test_mc_unsigned_results_are_not_empty(shared: Path) -> None:
    """The comparison is not vacuous: the unsigned MC sample has two results."""
    graph = parse_credential(shared / "elm/v3/samples" / EC_SAMPLES[0]).graph

    reference, rudof = _engines_agree(graph, "edc-generic-full")

    assert len(reference) == 2
    assert rudof == reference


@pytest.mark.parametrize("sample", EC_SAMPLES)
def test_pyrudof_validator_reports_what_pyshacl_reports(
    shared: Path, sample: str
) -> None:
    """The pyrudof validator gives pySHACL's report, finding by finding."""
    path = shared / "elm/v3/samples" / sample

    fast = SHACLValidator("edc-accredited", engine="pyrudof").validate(path)
    reference = SHACLValidator("edc-accredited").validate(path)

    assert fast == reference


def test_read_data_merges_by_default() -> None:
    """Quirk of pyrudof 0.3.35: ``read_data`` adds to the data, not replaces it."""
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data('<urn:a> <urn:p> "1" .\n', pyrudof.RDFFormat.NTriples)
    rudof.read_data('<urn:b> <urn:p> "2" .\n', pyrudof.RDFFormat.NTriples)

    assert len(list(rudof.triples())) == 2


def test_staging_needs_data_and_rollback_restores_it() -> None:
    """Staging refuses empty data; a rollback puts the loaded data back exactly."""
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    with pytest.raises(pyrudof.DataError):
        rudof.begin_staging()
    rudof.read_data('<urn:a> <urn:p> "1" .\n', pyrudof.RDFFormat.NTriples)

    rudof.begin_staging()
    rudof.read_data('<urn:b> <urn:p> "2" .\n', pyrudof.RDFFormat.NTriples, merge=True)
    staged = len(list(rudof.triples()))
    rudof.rollback_staging()

    assert staged == 2
    assert len(list(rudof.triples())) == 1


def test_session_does_not_pile_up_credentials(shared: Path) -> None:
    """A conforming credential after a failing one conforms: nothing is left over."""
    files = _shape_files(get_profile("edc-generic-full"), default_catalogue())
    session = RudofSession(files, "edc-generic-full")
    samples = shared / "elm/v3/samples"
    signed = parse_credential(samples / "Sample-MC-Annex1-signed.jsonld").graph
    unsigned = parse_credential(samples / "Sample-MC-Annex1-unsigned.jsonld").graph

    first = session.results(unsigned.serialize(format="nt"))
    second = session.results(
        compensate_context_defects(signed)[0].serialize(format="nt")
    )

    assert first
    assert second == []


def test_unreadable_ntriples_raise_instead_of_being_skipped() -> None:
    """A bad N-Triples line raises (strict reading) rather than vanishing."""
    from aurora_edc._exceptions import InputError

    files = _shape_files(get_profile("edc-generic-full"), default_catalogue())
    session = rudof_session(files, "edc-generic-full")

    with pytest.raises(InputError, match="pyrudof"):
        session.results('<urn:a b> <urn:p> "1" .\n', source="bad")


@pytest.mark.parametrize("engine", ["pyshacl", "pyrudof"])
def test_validate_command_engine_option(shared: Path, engine: str) -> None:
    """``aurora-edc validate --engine`` gives the same JSON report with each engine."""
    from typer.testing import CliRunner

    from aurora_edc.cli import app

    samples = shared / "elm/v3/samples"
    files = [str(samples / name) for name in EC_SAMPLES[:2]]

    result = CliRunner().invoke(
        app, ["validate", *files, "--engine", engine, "--format", "json"]
    )

    assert result.exit_code == 1, result.output
    reports = json.loads(result.stdout)
    assert [r["conforms"] for r in reports] == [False, True]
    assert len(reports[0]["findings"]) == 3


def test_validate_command_refuses_an_unknown_engine(shared: Path) -> None:
    """An unknown engine name is unusable input (exit 2)."""
    from typer.testing import CliRunner

    from aurora_edc.cli import app

    sample = shared / "elm/v3/samples" / EC_SAMPLES[1]

    result = CliRunner().invoke(app, ["validate", str(sample), "--engine", "jena"])

    assert result.exit_code == 2
