"""Helpers shared by the tests: issuing fixtures and comparing credential facts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef

from aurora_edc._build import CredentialBuilder
from aurora_edc._elm import Node
from aurora_edc._loaders import RecordBatch, load_records

ISSUED = datetime(2026, 7, 15, 9, 30, tzinfo=UTC)
CRED = URIRef("https://www.w3.org/2018/credentials#VerifiableCredential")
LOCAL_IDS = ("urn:epass:", "urn:uuid:", "urn:credential:")


def build_all(*paths: Path) -> tuple[RecordBatch, list[Node]]:
    """Load record files and build every award's credential."""
    batch = load_records(list(paths))
    assert not batch.errors, [str(error) for error in batch.errors]
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    credentials = [
        builder.build(batch.specification_for(item.award), item.award, issued=ISSUED)
        for item in batch.awards
    ]
    return batch, credentials


def facts(graph: Graph, *, max_depth: int = 9) -> set[tuple[str, str]]:
    """Return (predicate path from the credential, leaf value) pairs of a graph.

    Node ids that are local to one credential (``urn:uuid:``, ``urn:epass:``)
    are left out, so two graphs that say the same things with other ids give
    the same facts.
    """
    roots = list(graph.subjects(RDF.type, CRED))
    assert len(roots) == 1, roots
    return set(_walk(graph, roots[0], "", max_depth, frozenset()))


def _walk(
    graph: Graph, node: URIRef | BNode, path: str, depth: int, seen: frozenset[object]
) -> Iterator[tuple[str, str]]:
    for predicate, value in graph.predicate_objects(node):
        name = _short(predicate)
        here = f"{path}/{name}" if path else name
        if isinstance(value, Literal):
            yield here, f"{value}@{value.language}" if value.language else str(value)
        elif predicate == RDF.type:
            yield here, _short(value)
        elif isinstance(value, URIRef) and not str(value).startswith(LOCAL_IDS):
            yield here, str(value)
        nested = not isinstance(value, Literal) and predicate != RDF.type
        if nested and depth > 0 and value not in seen:
            yield from _walk(graph, value, here, depth - 1, seen | {node})


def _short(iri: object) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def raised_in_thread(call: Callable[[], object], seconds: float = 20) -> BaseException:
    """Run ``call`` in a daemon thread; return what it raised, failing if it hangs."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test, whatever it is
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the call blocked"
    assert outcome, "the call did not raise"

    return outcome[0]
