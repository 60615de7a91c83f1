"""The internal ELM v3 model: typed nodes that serialise to JSON-LD and to RDF.

A credential is a tree of :class:`Node` objects, each an instance of an ELM v3
class (``EuropeanDigitalCredential``, ``Person``, ``LearningAchievement``...)
with properties named by the terms of the official EDC JSON-LD context
(``http://data.europa.eu/snb/model/context/edc-ap``) and of the W3C VC 1.1
context. The same tree gives

* the EDC JSON-LD document, nested like the European Commission's samples
  (:func:`to_jsonld`), and
* its RDF graph, triple by triple, from the term definitions of those two
  contexts (:func:`to_graph`), without a JSON-LD processor.

Both are exact: expanding the JSON-LD gives the same graph, which the tests
check. A term the contexts do not define is refused when the node is built,
so nothing the model holds is dropped silently by JSON-LD expansion.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Union

from rdflib import RDF, XSD, Graph, Literal, URIRef

from ._catalogue import default_catalogue

__all__ = [
    "EDC_CONTEXT",
    "VC1_CONTEXT",
    "LangMap",
    "Node",
    "TermDefinition",
    "context_prefixes",
    "term",
    "to_graph",
    "to_jsonld",
]

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
CONTEXTS = (VC1_CONTEXT, EDC_CONTEXT)


@dataclass(frozen=True)
class LangMap:
    """Language-tagged texts of one property: ``{"en": "...", "de": "..."}``."""

    texts: Mapping[str, str]


Value = Union["Node", LangMap, str, bool, int, Decimal, datetime, date]


@dataclass
class Node:
    """One resource of the credential graph.

    Attributes:
        type: ELM class name as the context spells it (``Organisation``), or a
            tuple of them for the credential root.
        id: Globally unique IRI of the node.
        props: Term -> value or list of values, in the order they are written.

    """

    type: str | tuple[str, ...]
    id: str
    props: dict[str, Value | list[Value]] = field(default_factory=dict)

    def set(self, name: str, value: Value | list[Node] | list[Value] | None) -> Node:
        """Set property ``name`` unless ``value`` is None or empty; return self.

        Raises:
            KeyError: ``name`` is not a term of the EDC or VC contexts.

        """
        if (
            value is None
            or value == []
            or (isinstance(value, LangMap) and not value.texts)
        ):
            return self
        term(name, root=self.is_credential)
        self.props[name] = list(value) if isinstance(value, list) else value

        return self

    def get(self, name: str) -> Any:
        """Return the value of property ``name``, or None."""
        return self.props.get(name)

    @property
    def types(self) -> tuple[str, ...]:
        """The node's class names as a tuple."""
        return self.type if isinstance(self.type, tuple) else (self.type,)

    @property
    def is_credential(self) -> bool:
        """Whether this node is a Verifiable Credential (the root)."""
        return "VerifiableCredential" in self.types

    def children(self) -> list[Node]:
        """Return the nodes this node's properties hold, in property order."""
        return [
            item
            for value in self.props.values()
            for item in (value if isinstance(value, list) else [value])
            if isinstance(item, Node)
        ]

    def walk(self) -> Iterator[Node]:
        """Yield this node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True)
class TermDefinition:
    """What a context term means: its IRI, value type and container."""

    iri: str
    type: str | None = None
    container: str | None = None


def term(name: str, *, root: bool = False) -> TermDefinition:
    """Return the definition of a property or class term.

    Args:
        name: The JSON key or type name.
        root: Whether it appears on the credential node, where the VC 1.1
            type-scoped context applies on top of the EDC context.

    Raises:
        KeyError: The contexts do not define ``name``.

    """
    tables = _terms()
    if root and name in tables[0]:
        return tables[0][name]
    if name in tables[1]:
        return tables[1][name]

    raise KeyError(f"{name!r} is not a term of the EDC or VC 1.1 contexts")


@functools.lru_cache(maxsize=1)
def _terms() -> tuple[dict[str, TermDefinition], dict[str, TermDefinition]]:
    """Build term tables: (VC type-scoped terms, EDC + VC top-level terms)."""
    catalogue = default_catalogue()
    vc = catalogue.read_json(VC1_CONTEXT)["@context"]  # type: ignore[index]
    edc = catalogue.read_json(EDC_CONTEXT)["@context"]  # type: ignore[index]
    scoped = vc["VerifiableCredential"]["@context"]

    general = _table(vc, vc)
    general.update(_table(edc, edc))
    root = _table(scoped, {**edc, **scoped})

    return root, general


def _table(
    context: dict[str, Any], prefixes: dict[str, Any]
) -> dict[str, TermDefinition]:
    table = {}
    for name, definition in context.items():
        if name.startswith("@") or definition in ("@id", "@type"):
            continue
        if isinstance(definition, str):
            table[name] = TermDefinition(_expand(definition, prefixes))
            continue
        iri = definition.get("@id")
        if iri is None:
            continue
        kind = definition.get("@type")
        table[name] = TermDefinition(
            _expand(iri, prefixes),
            _expand(kind, prefixes) if kind and kind != "@id" else kind,
            definition.get("@container"),
        )

    return table


def _expand(value: str, prefixes: dict[str, Any]) -> str:
    prefix, sep, rest = value.partition(":")
    target = prefixes.get(prefix)
    if sep and isinstance(target, str) and not rest.startswith("//"):
        return target + rest

    return value


@functools.lru_cache(maxsize=1)
def context_prefixes() -> tuple[tuple[str, str], ...]:
    """Return the namespace prefixes the EDC and VC 1.1 contexts declare."""
    catalogue = default_catalogue()
    found: dict[str, str] = {"cred": "https://www.w3.org/2018/credentials#"}
    edc = catalogue.read_json(EDC_CONTEXT)["@context"]  # type: ignore[index]
    for name, value in edc.items():
        if isinstance(value, str) and value.endswith(("/", "#")) and ":" in value:
            found.setdefault(name, value)

    return tuple(sorted(found.items()))


def to_jsonld(credential: Node) -> dict[str, Any]:
    """Return the credential as an EDC JSON-LD document (nested, like the EC's)."""
    document: dict[str, Any] = {"@context": list(CONTEXTS)}
    document.update(_node_json(credential))

    return document


def _node_json(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": node.id,
        "type": list(node.type) if isinstance(node.type, tuple) else node.type,
    }
    for name, value in node.props.items():
        items = [
            _value_json(item)
            for item in (value if isinstance(value, list) else [value])
        ]
        data[name] = items if isinstance(value, list) and len(items) > 1 else items[0]

    return data


def _value_json(value: Value) -> Any:
    if isinstance(value, Node):
        return _node_json(value)
    if isinstance(value, LangMap):
        return dict(value.texts)
    if isinstance(value, datetime | date):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return str(value)

    return value


def format_datetime(value: datetime | date) -> str:
    """Format a date or time as the xsd:dateTime the EDC shapes accept.

    A date becomes midnight UTC; a naive time is taken as UTC.
    """
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat()

    return text.replace("+00:00", "Z")


def to_graph(credential: Node, graph: Graph | None = None) -> Graph:
    """Return the credential's RDF graph, built from the context term definitions.

    Args:
        credential: Root node.
        graph: Graph to add to; a new one by default.

    Returns:
        The graph, equal to what a JSON-LD processor makes of :func:`to_jsonld`.

    """
    graph = Graph() if graph is None else graph
    done: set[str] = set()
    for node in credential.walk():
        if node.id in done:
            continue
        done.add(node.id)
        _add_node(graph, node)

    return graph


def _add_node(graph: Graph, node: Node) -> None:
    subject = URIRef(node.id)
    root = node.is_credential
    for name in node.types:
        graph.add((subject, RDF.type, URIRef(term(name, root=root).iri)))
    for name, value in node.props.items():
        definition = term(name, root=root)
        predicate = URIRef(definition.iri)
        for item in value if isinstance(value, list) else [value]:
            for obj in _objects(item, definition):
                graph.add((subject, predicate, obj))


def _objects(value: Value, definition: TermDefinition) -> Iterator[URIRef | Literal]:
    if isinstance(value, Node):
        yield URIRef(value.id)
    elif isinstance(value, LangMap):
        for language, text in value.texts.items():
            yield Literal(text, lang=language)
    elif definition.type == "@id":
        yield URIRef(str(value))
    elif isinstance(value, bool):
        yield Literal(
            value, datatype=URIRef(definition.type) if definition.type else XSD.boolean
        )
    elif definition.type:
        text = (
            format_datetime(value) if isinstance(value, datetime | date) else str(value)
        )
        yield Literal(text, datatype=URIRef(definition.type))
    elif isinstance(value, int | Decimal):
        yield Literal(value)
    else:
        yield Literal(str(value))
