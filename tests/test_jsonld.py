"""Offline JSON-LD reading of EDCs: contexts, unmapped keys, context defects."""

from __future__ import annotations

import base64
import copy
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from aurora_edc import (
    CredentialGraph,
    InputError,
    Severity,
    iter_unmapped_keys,
    parse_credential,
)
from aurora_edc._jsonld import compensate_context_defects
from helpers import raised_in_thread

ELM = "http://data.europa.eu/snb/model/elm/"
VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
EDC = "http://data.europa.eu/snb/model/context/edc-ap"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any socket connection attempt fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def samples(shared: Path) -> Path:
    """Return the EC's ELM v3 samples folder."""
    return shared / "elm" / "v3" / "samples"


@pytest.fixture(scope="module")
def unsigned(samples: Path) -> dict[str, Any]:
    """Return the EC's unsigned micro-credential sample, parsed."""
    document: dict[str, Any] = json.loads(
        (samples / "Sample-MC-Annex1-unsigned.jsonld").read_text("utf-8")
    )
    return document


@pytest.fixture(scope="module")
def sealed_payload(samples: Path) -> dict[str, Any]:
    """Return the credential inside the EC's sealed micro-credential sample."""
    sealed = json.loads((samples / "Sample-MC-Annex1-signed.jsonld").read_text("utf-8"))
    payload: dict[str, Any] = json.loads(sealed["payload"])
    return payload


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize(
    ("name", "triples", "suffix"),
    [
        ("Sample-MC-Annex1-unsigned.jsonld", 292, ""),
        ("Sample-MC-Annex1-signed.jsonld", 353, "#payload"),
        ("Sample-MC-Annex1-unsigned-uploadable.json", 292, "#credential"),
    ],
)
def test_ec_samples_parse_offline_without_unmapped_keys(
    samples: Path, name: str, triples: int, suffix: str
) -> None:
    """The EC samples expand fully offline and no key of theirs is dropped."""
    credential = parse_credential(samples / name)

    assert len(credential.graph) == triples
    assert credential.findings == ()
    assert credential.source == str(samples / name) + suffix


def test_input_kinds_give_the_same_graph(
    samples: Path, unsigned: dict[str, Any]
) -> None:
    """A path, bytes, text and a parsed dict of one document read alike."""
    path = samples / "Sample-MC-Annex1-unsigned.jsonld"
    graphs = [
        parse_credential(path).graph,
        parse_credential(path.read_bytes()).graph,
        parse_credential(path.read_text("utf-8")).graph,
        parse_credential(unsigned).graph,
    ]

    assert {len(graph) for graph in graphs} == {292}
    assert set(graphs[0]) == set(graphs[3])


def test_parse_does_not_mutate_the_callers_document(unsigned: dict[str, Any]) -> None:
    """Contexts are inlined into a copy; the caller's dict keeps its URLs."""
    before = copy.deepcopy(unsigned)

    parse_credential(unsigned)

    assert unsigned == before
    assert unsigned["@context"] == [VC1, EDC]


@pytest.mark.usefixtures("no_network")
def test_unknown_remote_context_is_refused_not_fetched(
    unsigned: dict[str, Any],
) -> None:
    """A context URL outside the catalogue is an InputError naming it."""
    document = {**unsigned, "@context": [VC1, "https://example.org/my-context.jsonld"]}

    with pytest.raises(InputError, match=r"https://example\.org/my-context\.jsonld"):
        parse_credential(document, source="odd.jsonld")


@pytest.mark.usefixtures("no_network")
def test_vc_v2_context_resolves_offline() -> None:
    """VCDM 2.0 documents read offline; its type-scoped terms map, others drop."""
    document = {
        "@context": [VC2, EDC],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "validFrom": "2024-01-01T00:00:00Z",
        "somethingElse": "dropped",
    }

    credential = parse_credential(document)

    valid_from = URIRef("https://www.w3.org/2018/credentials#validFrom")
    assert credential.graph.value(URIRef("urn:uuid:1"), valid_from) is not None
    assert [f.path for f in credential.findings] == ["somethingElse"]


def test_vocab_maps_every_key() -> None:
    """With @vocab in the active context no key is dropped, so none is reported."""
    document = {"@context": {"@vocab": "http://ex/"}, "@id": "urn:x", "anything": 1}

    credential = parse_credential(document)

    assert credential.findings == ()
    assert (
        URIRef("urn:x"),
        URIRef("http://ex/anything"),
        Literal(1),
    ) in credential.graph


def test_misspelt_key_is_reported_with_its_json_path(unsigned: dict[str, Any]) -> None:
    """A typo inside a nested node is a context Violation at its JSON path."""
    document = copy.deepcopy(unsigned)
    document["credentialSubject"]["hasClaim"]["titel"] = {"en": "Typo"}

    credential = parse_credential(document)

    [finding] = credential.findings
    assert finding.path == "credentialSubject.hasClaim.titel"
    assert finding.check == "context"
    assert finding.severity is Severity.VIOLATION
    assert finding.constraint == "unmapped-key"
    assert finding.focus == document["credentialSubject"]["hasClaim"]["id"]
    assert "did you mean 'title'" in finding.message
    assert len(credential.graph) == 292


def test_credential_sample_greek_iota_key_is_reported(samples: Path) -> None:
    """The EC's older sample spells eIDASIdentifier with a Greek capital iota."""
    credential = parse_credential(samples / "credential-sample.jsonld")

    [finding] = credential.findings
    assert finding.path == "issuer.eIDAS\N{GREEK CAPITAL LETTER IOTA}dentifier"
    assert finding.focus == "http://example.org/issuer565049"
    assert "U+0399 GREEK CAPITAL LETTER IOTA" in finding.message
    assert "did you mean 'eIDASIdentifier'" in finding.message


def test_language_map_keys_are_tags_not_terms(unsigned: dict[str, Any]) -> None:
    """Keys of a language map such as title are language tags, never reported."""
    document = copy.deepcopy(unsigned)
    document["credentialSubject"]["hasClaim"]["title"] = {"en": "A", "titel": "B"}

    assert list(iter_unmapped_keys(document)) == []


def test_type_scoped_vc_terms_do_not_reach_nested_nodes(
    unsigned: dict[str, Any],
) -> None:
    """VC terms (issued) are scoped to the credential node, dropped in its subject."""
    document = copy.deepcopy(unsigned)
    document["credentialSubject"]["issued"] = "2024-01-01T00:00:00Z"

    credential = parse_credential(document)

    assert [f.path for f in credential.findings] == ["credentialSubject.issued"]
    assert len(credential.graph) == 292


def test_key_mapped_to_null_is_reported(unsigned: dict[str, Any]) -> None:
    """A term the document's own context maps to null is dropped and reported."""
    document = {**unsigned, "@context": [VC1, EDC, {"comment": None}], "comment": "x"}

    [finding] = iter_unmapped_keys(document)

    assert finding.path == "comment"
    assert "maps it to null" in finding.message


@pytest.fixture(scope="module")
def edc_terms(shared: Path) -> list[str]:
    """Return the property terms of the EDC context."""
    context = json.loads(
        (shared / "elm/v3/context/edc-ap-context.jsonld").read_text("utf-8")
    )["@context"]
    return sorted(name for name in context if name[:1].islower())


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_reported_keys_are_exactly_those_rdflib_drops(
    data: st.DataObject, sealed_payload: dict[str, Any], edc_terms: list[str]
) -> None:
    """Adding a key anywhere: reported if and only if expansion loses it."""
    nodes = _node_paths(sealed_payload)
    path = data.draw(st.sampled_from(nodes), label="node")
    key = data.draw(
        st.one_of(
            st.sampled_from(edc_terms),
            st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8).map(
                lambda text: "zz" + text
            ),
        ),
        label="key",
    )
    document = copy.deepcopy(sealed_payload)
    node = _at(document, path)
    if key in node:
        return
    node[key] = "urn:x-test:unique-value"

    credential = parse_credential(document)

    dropped = len(credential.graph) == 353
    reported = [f.path for f in credential.findings]
    assert reported == ([_join(path, key)] if dropped else [])


def test_bad_json_reports_source_and_line() -> None:
    """Invalid JSON is an InputError with the source label and line number."""
    with pytest.raises(InputError) as caught:
        parse_credential(b'{\n  "id": "urn:x",\n  oops\n}', source="broken.jsonld")

    assert caught.value.source == "broken.jsonld"
    assert caught.value.line == 3
    assert "broken.jsonld:3" in str(caught.value)


def test_bad_json_in_a_sealed_payload_names_the_payload(tmp_path: Path) -> None:
    """A sealed file whose payload is broken JSON points at the payload."""
    path = tmp_path / "sealed.jsonld"
    path.write_text(json.dumps({"payload": '{"id": ', "signatures": []}))

    with pytest.raises(InputError) as caught:
        parse_credential(path)

    assert caught.value.source == f"{path}#payload"


def test_base64url_payload_of_a_flattened_jws_is_read() -> None:
    """A flattened JWS whose payload is base64url-encoded yields its credential."""
    credential = {"@context": {"p": "http://ex/p"}, "@id": "urn:x", "p": "v"}
    payload = base64.urlsafe_b64encode(json.dumps(credential).encode()).decode()
    sealed = {"payload": payload.rstrip("="), "protected": "e30", "signature": "AA"}

    result = parse_credential(sealed, source="flat.json")

    assert result.source == "flat.json#payload"
    assert (URIRef("urn:x"), URIRef("http://ex/p"), Literal("v")) in result.graph


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    """A missing file is an InputError, not an OSError leaking out."""
    with pytest.raises(InputError, match="cannot read"):
        parse_credential(tmp_path / "absent.jsonld")


def test_turtle_by_suffix_and_by_format(samples: Path) -> None:
    """Turtle is read by the .ttl suffix, or as text with format='turtle'."""
    path = samples / "credential-sample.ttl"

    by_suffix = parse_credential(path)
    by_format = parse_credential(path.read_text("utf-8"), format="turtle")

    assert len(by_suffix.graph) == len(by_format.graph) == 49
    assert by_suffix.findings == ()


def test_bad_turtle_reports_its_line() -> None:
    """A Turtle syntax error is an InputError with the line."""
    text = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b ;\n"

    with pytest.raises(InputError) as caught:
        parse_credential(text, format="turtle", source="bad.ttl")

    assert caught.value.line == 3


def test_nationalid_defect_is_reported_and_compensated(samples: Path) -> None:
    """elm:nationalID triples are copied to elm:nationalId, with an Info finding."""
    credential = parse_credential(samples / "Sample-MC-Annex1-unsigned.jsonld")

    fixed, findings = compensate_context_defects(credential.graph)

    [finding] = findings
    assert finding.severity is Severity.INFO
    assert finding.check == "context"
    assert finding.focus == "urn:epass:person:1"
    assert finding.path == ELM + "nationalID"
    person, legal_id = URIRef("urn:epass:person:1"), URIRef(finding.value or "")
    assert (person, URIRef(ELM + "nationalId"), legal_id) in fixed
    assert (person, URIRef(ELM + "nationalId"), legal_id) not in credential.graph


def test_graph_without_defects_is_returned_unchanged() -> None:
    """compensate_context_defects returns the very graph when nothing is wrong."""
    credential = parse_credential(b'{"@context": {"p": "http://ex/p"}, "p": "v"}')

    fixed, findings = compensate_context_defects(credential.graph)

    assert fixed is credential.graph
    assert findings == ()
    assert isinstance(credential, CredentialGraph)


def _node_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        if "id" in value:
            found.append(path)
        for key, item in value.items():
            if key != "@context":
                found.extend(_node_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_node_paths(item, (*path, index)))

    return found


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]

    return document


def _join(path: tuple[Any, ...], key: str) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)

    return f"{text}.{key}" if text else key


# --- regressions: input files, str inputs, size limits ----------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_hangs_the_reader(tmp_path: Path) -> None:
    """A FIFO without a writer is refused at once, not waited on."""
    fifo = tmp_path / "credential.jsonld"
    os.mkfifo(fifo)

    error = raised_in_thread(lambda: parse_credential(fifo))

    assert isinstance(error, InputError)
    assert "expected a regular file, found a FIFO" in str(error)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_exhausts_memory() -> None:
    """A character device is refused before any byte is read."""
    error = raised_in_thread(lambda: parse_credential(Path("/dev/zero")))

    assert isinstance(error, InputError)
    assert "found a character device" in str(error)


def test_directory_is_not_a_credential(tmp_path: Path) -> None:
    """A directory is an InputError naming what it is."""
    with pytest.raises(InputError, match="found a directory"):
        parse_credential(tmp_path)


def test_str_path_misread_as_json(samples: Path) -> None:
    """A str naming an existing file says a str is content and a Path is needed."""
    name = str(samples / "Sample-MC-Annex1-signed.jsonld")

    with pytest.raises(InputError, match=r"pass a pathlib\.Path") as caught:
        parse_credential(name)

    assert "not valid JSON" not in str(caught.value)


def test_str_that_names_no_file_is_still_content() -> None:
    """A one-line str that is no file name gets the usual JSON error."""
    with pytest.raises(InputError, match="not valid JSON"):
        parse_credential("no-such-file.jsonld")


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (100, "more than 400 JSON values"),
        (352, "353 triples, over the limit of 352"),
    ],
)
def test_slow_validation_of_big_inputs_is_bounded(
    samples: Path, limit: int, message: str
) -> None:
    """max_triples refuses on the JSON before parsing, or on the graph after."""
    path = samples / "Sample-MC-Annex1-signed.jsonld"

    with pytest.raises(InputError, match=message):
        parse_credential(path, max_triples=limit)

    assert len(parse_credential(path, max_triples=353).graph) == 353


def test_triple_limit_applies_to_turtle(samples: Path) -> None:
    """A Turtle credential over max_triples is refused after parsing."""
    with pytest.raises(InputError, match="49 triples, over the limit of 48"):
        parse_credential(samples / "credential-sample.ttl", max_triples=48)
