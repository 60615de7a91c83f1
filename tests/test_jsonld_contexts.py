"""Contexts resolved offline: every reference from the catalogue, none fetched.

A listener on 127.0.0.1 serves a valid JSON-LD context and counts requests; the
credentials below name it wherever JSON-LD 1.1 (or rdflib) reads a context.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from aurora_edc import InputError, credential_report, parse_credential
from aurora_edc._jsonld_contexts import inline_contexts, refuse_references

VC1 = "https://www.w3.org/2018/credentials/v1"
EDC = "http://data.europa.eu/snb/model/context/edc-ap"
CONTEXT_BODY = b'{"@context": {"@vocab": "http://example.org/"}}'


@dataclass
class Listener:
    """A context server on 127.0.0.1 and the paths it was asked for."""

    base: str
    requests: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        """Return the URL of one context on this listener."""
        return f"{self.base}/{name}"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """Serve a valid context on an ephemeral port; record every request."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(CONTEXT_BODY)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield Listener(f"http://{host!s}:{port}", requests)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def payload(shared: Path) -> dict[str, Any]:
    """Return the credential inside the EC's sealed micro-credential sample."""
    sealed = shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"
    document: dict[str, Any] = json.loads(
        json.loads(sealed.read_text("utf-8"))["payload"]
    )
    return document


def test_listener_answers_when_asked(listener: Listener) -> None:
    """The listener really serves: a request to it is counted (control)."""
    import urllib.request

    with urllib.request.urlopen(listener.url("control")) as response:
        assert response.read() == CONTEXT_BODY

    assert listener.requests[-1] == "/control"
    listener.requests.clear()


# Each variant returns the credential's @context naming ``url`` somewhere.
VARIANTS: dict[str, Callable[[str], Any]] = {
    "remote": lambda url: [VC1, EDC, url],
    "array-in-array": lambda url: [VC1, EDC, [url]],
    "context-in-context": lambda url: [VC1, EDC, {"@context": url}],
    "context-in-context-import": lambda url: [VC1, EDC, {"@context": {"@import": url}}],
    "context-in-context-array": lambda url: [VC1, EDC, {"@context": [url]}],
    "context-object-only": lambda url: {"@context": url},
    "import": lambda url: [VC1, EDC, {"@import": url}],
    "import-object": lambda url: [{"@import": {"@import": url}}, VC1, EDC],
    "scoped": lambda url: [VC1, EDC, {"foo": {"@id": "http://e/foo", "@context": url}}],
    "scoped-array": lambda url: [
        VC1,
        EDC,
        {"@propagate": True, "bar": {"@id": "http://e/bar", "@context": [url]}},
    ],
    "scoped-deep": lambda url: [
        VC1,
        EDC,
        {"evil": {"@id": "http://e/e", "@context": {"in": {"@context": url}}}},
    ],
    "scoped-import": lambda url: [
        VC1,
        EDC,
        {"foo": {"@id": "http://e/foo", "@context": {"@import": url}}},
    ],
    "scoped-context-in-context": lambda url: [
        VC1,
        EDC,
        {"foo": {"@id": "http://e/f", "@context": {"@context": url}}},
    ],
    "type-scoped": lambda url: [
        VC1,
        EDC,
        {"EuropeanDigitalCredential": {"@id": "http://e/T", "@context": url}},
    ],
}


def _wrapped(credential: dict[str, Any], wrapper: str) -> dict[str, Any]:
    if wrapper == "sealed":
        return {"payload": json.dumps(credential), "signatures": []}
    if wrapper == "upload":
        return {"credential": credential, "deliveryDetails": {}}

    return credential


@pytest.mark.parametrize("wrapper", ["plain", "sealed", "upload"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_network_fetch_despite_offline_promise(
    variant: str,
    wrapper: str,
    listener: Listener,
    payload: dict[str, Any],
    tmp_path: Path,
) -> None:
    """A context naming the listener anywhere is refused, naming it; never fetched."""
    url = listener.url(f"{variant}-{wrapper}")
    credential = {**payload, "@context": VARIANTS[variant](url)}
    path = tmp_path / "credential.jsonld"
    path.write_text(json.dumps(_wrapped(credential, wrapper)), "utf-8")

    with pytest.raises(InputError) as caught:
        credential_report(path)

    assert url in str(caught.value)
    assert listener.requests == []


def test_context_of_a_nested_node_is_never_fetched(
    listener: Listener, payload: dict[str, Any]
) -> None:
    """An @context on a node inside the credential is resolved like the top one."""
    url = listener.url("nested-node")
    credential = json.loads(json.dumps(payload))
    credential["credentialSubject"]["@context"] = url

    with pytest.raises(InputError, match=url):
        parse_credential(credential)

    assert listener.requests == []


def test_relative_context_is_refused_not_read_from_disk(
    tmp_path: Path, payload: dict[str, Any]
) -> None:
    """A relative context beside the file is not read: it is not in the catalogue."""
    (tmp_path / "ctx.jsonld").write_text('{"@context": {"@vocab": "http://e/"}}')
    path = tmp_path / "credential.jsonld"
    path.write_text(json.dumps({**payload, "@context": "ctx.jsonld"}), "utf-8")

    with pytest.raises(InputError, match=r"'ctx\.jsonld' is not in"):
        parse_credential(path)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_second_walk_refuses_any_reference_left(variant: str) -> None:
    """refuse_references alone catches every variant, as if resolution missed it."""
    url = "http://127.0.0.1:9/left-over"
    document = {"@context": VARIANTS[variant](url), "id": "urn:x"}

    with pytest.raises(InputError, match="would be loaded by rdflib"):
        refuse_references(document, "<test>")


def test_second_walk_accepts_inlined_catalogue_contexts(
    payload: dict[str, Any],
) -> None:
    """The inlined EC sample passes the second walk: nothing is left to load."""
    from aurora_edc._catalogue import default_catalogue

    inlined = inline_contexts(payload, default_catalogue(), "<test>")

    refuse_references(inlined, "<test>")
    assert isinstance(inlined["@context"], list)
    assert all(isinstance(item, dict) for item in inlined["@context"])


def test_import_of_a_catalogue_context_is_merged(payload: dict[str, Any]) -> None:
    """@import of the EDC context works offline; the importing terms win."""
    context = [VC1, {"@import": EDC, "extra": "http://e/extra"}]
    document = {**payload, "@context": context, "extra": "x"}

    credential = parse_credential(document)

    subject = URIRef(payload["id"])
    assert (subject, URIRef("http://e/extra"), None) in credential.graph
    assert credential.findings == ()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (42, "found a number 42"),
        (True, "found a boolean True"),
        ([[]], "an array inside a context array"),
    ],
)
def test_invalid_local_context_entries_are_refused(
    entry: Any, message: str, payload: dict[str, Any]
) -> None:
    """Numbers, booleans and nested arrays are invalid local contexts (§4.1.2)."""
    context = [VC1, EDC, *(entry if isinstance(entry, list) else [entry])]

    with pytest.raises(InputError, match=message):
        parse_credential({**payload, "@context": context})


def test_null_context_entry_is_accepted(payload: dict[str, Any]) -> None:
    """A null entry resets the context (§4.1.2 step 5.1): keys drop, no error."""
    credential = parse_credential({**payload, "@context": [VC1, EDC, None]})

    assert len(credential.findings) > 0


# --- random placements -------------------------------------------------------


def _contexts(url: str) -> st.SearchStrategy[Any]:
    """Local contexts that name ``url`` in at least one reference position."""
    leaf = st.just(url)

    def around(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.tuples(st.lists(st.sampled_from([VC1, EDC, None])), inner).map(
                lambda pair: [*pair[0], pair[1]]
            ),
            inner.map(lambda ctx: [ctx]),
            inner.map(lambda ctx: {"@context": ctx}),
            inner.map(lambda ctx: {"t": {"@id": "http://e/t", "@context": ctx}}),
            inner.map(lambda ctx: {"@vocab": "http://e/", "u": {"@context": ctx}}),
        )

    return st.recursive(
        st.one_of(leaf, leaf.map(lambda ref: {"@import": ref})), around, max_leaves=4
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_context_placements_never_reach_the_listener(
    data: st.DataObject, listener: Listener, payload: dict[str, Any]
) -> None:
    """Wherever the listener's URL stands in a context, parsing refuses it unread."""
    url = listener.url("random")
    context = data.draw(_contexts(url), label="context")
    where = data.draw(st.sampled_from(["top", "subject"]), label="where")
    document = json.loads(json.dumps(payload))
    if where == "top":
        document["@context"] = [VC1, EDC, context]
    else:
        document["credentialSubject"]["@context"] = context

    with pytest.raises(InputError):
        parse_credential(document)

    assert listener.requests == []
