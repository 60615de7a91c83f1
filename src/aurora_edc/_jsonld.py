"""Offline reading of EDC credentials (ELM v3 JSON-LD, Turtle) into RDF graphs.

Implements the reading side of the EDC application profile's serialisation:
the W3C VC contexts (``https://www.w3.org/2018/credentials/v1``,
``https://www.w3.org/ns/credentials/v2``) with the ELM v3 ``edc-ap`` context.
Every remote ``@context`` is resolved through the artefact catalogue, never the
network: its URL is replaced by the local context object before rdflib expands
the document (rdflib 7 has no public document-loader hook).

Two checks come with the parse, both reported as findings with
``check="context"``:

- keys the active context does not map, which JSON-LD 1.1 expansion drops with
  their whole value (JSON-LD 1.1 Processing Algorithms, §4.1 Context Processing
  and §5.1 Expansion: type-scoped contexts that do not propagate,
  property-scoped contexts, ``@vocab``, compact and absolute IRIs, keyword
  aliases, language, index, id and type maps);
- defects of the published EDC context itself (``nationalID`` mapped to
  ``elm:nationalID`` where the ELM ontology and shapes use ``elm:nationalId``;
  the ``clv`` prefix without its trailing ``/``), compensated in the graph that
  is validated (:func:`compensate_context_defects`).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import logging
import os
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from ._catalogue import ArtefactCatalogue, default_catalogue
from ._exceptions import InputError, shorten
from ._report import Finding, Severity

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "CredentialGraph",
    "compensate_context_defects",
    "iter_unmapped_keys",
    "parse_credential",
]

log = logging.getLogger(__name__)

# Largest credential accepted: the EC micro-credential sample is 150 kB, most
# of it base64 images; a diploma supplement with attachments stays far below.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

_FORMATS = {
    "json-ld": "json-ld",
    "jsonld": "json-ld",
    "json": "json-ld",
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
}
_SUFFIXES = {".jsonld": "json-ld", ".json": "json-ld", ".ttl": "turtle", ".nt": "nt"}

_KEYWORDS = frozenset(
    "@base @container @context @direction @graph @id @import @included @index "
    "@json @language @list @nest @none @prefix @propagate @protected @reverse "
    "@set @type @value @version @vocab".split()
)
_MAPS = frozenset({"@index", "@id", "@type"})
_MISSING: Any = object()


@dataclass(frozen=True, eq=False)
class CredentialGraph:
    """A credential read into RDF, with what the reading found.

    Attributes:
        graph: The triples exactly as the document states them (no fix-ups).
        source: Label of the input; ``#payload`` is appended for the payload
            of a sealed JAdES file, ``#credential`` for an upload wrapper.
        findings: Context findings: keys that JSON-LD expansion dropped.
        document: The JSON credential, when the input was JSON-LD.
    """

    graph: Graph
    source: str
    findings: tuple[Finding, ...] = ()
    document: Mapping[str, Any] | None = field(default=None, repr=False)


def parse_credential(
    data: os.PathLike[str] | bytes | str | Mapping[str, Any],
    *,
    format: str | None = None,
    source: str | None = None,
    catalogue: ArtefactCatalogue | None = None,
) -> CredentialGraph:
    """Read an EDC into an rdflib graph without touching the network.

    Accepted inputs: an unsigned EDC, the "uploadable" wrapper
    ``{"credential": {...}}``, a sealed JAdES file in JWS JSON serialisation
    (``{"payload": ..., "signatures": [...]}``, the payload being the
    credential; the seal is not verified here), or Turtle / N-Triples.

    Args:
        data: A path (format from its suffix), the document as bytes or text
            (a ``str`` is content, never a file name), or a parsed JSON object.
        format: ``json-ld`` (default), ``turtle`` or ``nt``; overrides the
            suffix.
        source: Label used in findings and errors; defaults to the path.
        catalogue: Where remote contexts come from; the default catalogue.

    Returns:
        The graph, the source label and the unmapped-key findings.

    Raises:
        InputError: Unreadable, not UTF-8, bad JSON or Turtle (with the
            line), an unknown remote context, or rdflib refused the document.
        ArtefactError: A known context is missing from the mirror or altered.
    """
    catalogue = catalogue or default_catalogue()
    content, fmt, label, base = _read_input(data, format, source)
    if fmt != "json-ld":
        return CredentialGraph(_parse_rdf(content, fmt, label, base), label)

    document = _loads(content, label) if isinstance(content, str) else content
    document, label = _unwrap(document, label)
    expanded = _inline_contexts(document, catalogue, label)
    findings = tuple(iter_unmapped_keys(expanded, inlined=True))
    graph = _parse_jsonld(expanded, label, base)
    log.debug("read %s: %d triples, %d unmapped keys", label, len(graph), len(findings))

    return CredentialGraph(graph, label, findings, document)


# --- reading the input ----------------------------------------------------


def _read_input(
    data: object, format: str | None, source: str | None
) -> tuple[str | Mapping[str, Any], str, str, str | None]:
    fmt = _format_name(format, source) if format else None
    if isinstance(data, os.PathLike):
        path = Path(data)
        label = source or str(path)
        fmt = fmt or _SUFFIXES.get(path.suffix.lower(), "json-ld")
        return _decode(_read_file(path, label), label), fmt, label, path.resolve().as_uri()

    label = source or "<credential>"
    if isinstance(data, bytes):
        return _decode(data, label), fmt or "json-ld", label, None
    if isinstance(data, str):
        return data, fmt or "json-ld", label, None
    if isinstance(data, Mapping):
        return data, "json-ld", label, None

    raise InputError(
        f"expected a path, bytes, text or a JSON object, found {type(data).__name__}",
        source=label,
    )


def _format_name(format: str, source: str | None) -> str:
    try:
        return _FORMATS[format.lower()]
    except KeyError:
        raise InputError(
            f"unknown format {format!r}; expected one of {', '.join(sorted(_FORMATS))}",
            source=source,
        ) from None


def _read_file(path: Path, label: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(
                f"{size} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes",
                source=label,
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", source=label) from exc


def _decode(raw: bytes, label: str) -> str:
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"{len(raw)} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes", source=label
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8: byte {raw[exc.start]:#04x} at offset {exc.start}",
            source=label,
            line=line,
        ) from exc


def _loads(text: str, label: str) -> Mapping[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", source=label, line=exc.lineno
        ) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply", source=label) from exc
    if not isinstance(document, dict):
        raise InputError(
            f"expected a JSON object (an EDC), found a JSON {type(document).__name__}",
            source=label,
        )

    return document


def _unwrap(document: Mapping[str, Any], label: str) -> tuple[Mapping[str, Any], str]:
    if "@context" in document:
        return document, label

    # A sealed JAdES file in JWS JSON serialisation (general or flattened).
    payload = document.get("payload")
    if isinstance(payload, str) and ("signatures" in document or "signature" in document):
        label = f"{label}#payload"
        return _loads(_payload_text(payload, label), label), label

    # The Europass "uploadable" wrapper.
    inner = document.get("credential")
    if len(document) == 1 and isinstance(inner, dict):
        return inner, f"{label}#credential"

    return document, label


def _payload_text(payload: str, label: str) -> str:
    # The EC's seals use an unencoded payload (b64=false); others base64url it.
    if payload.lstrip().startswith("{"):
        return payload
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InputError(
            f"JWS payload is neither JSON nor base64url: {shorten(payload)}", source=label
        ) from exc

    return _decode(raw, label)


# --- contexts from the catalogue ------------------------------------------

_CONTEXTS: dict[Path, Any] = {}
_CONTEXTS_LOCK = threading.Lock()


def _inline_contexts(value: Any, catalogue: ArtefactCatalogue, label: str) -> Any:
    """Return a copy of ``value`` whose ``@context`` URLs are local objects."""
    if isinstance(value, list):
        return [_inline_contexts(item, catalogue, label) for item in value]
    if not isinstance(value, Mapping):
        return value

    return {
        key: (
            _resolve_context(item, catalogue, label)
            if key == "@context"
            else _inline_contexts(item, catalogue, label)
        )
        for key, item in value.items()
    }


def _resolve_context(local: Any, catalogue: ArtefactCatalogue, label: str) -> Any:
    if isinstance(local, str):
        return _remote_context(local, catalogue, label)
    if isinstance(local, list):
        return [_resolve_context(item, catalogue, label) for item in local]
    if not isinstance(local, Mapping):
        return local

    resolved = dict(local)
    imported = resolved.pop("@import", None)
    for term, definition in resolved.items():
        if isinstance(definition, Mapping) and "@context" in definition:
            scoped = _resolve_context(definition["@context"], catalogue, label)
            resolved[term] = {**definition, "@context": scoped}
    if isinstance(imported, str):
        base = _remote_context(imported, catalogue, label)
        resolved = {**(base if isinstance(base, Mapping) else {}), **resolved}

    return resolved


def _remote_context(url: str, catalogue: ArtefactCatalogue, label: str) -> Any:
    if not catalogue.knows(url):
        raise InputError(
            f"remote @context {url!r} is not in aurora-edc's artefact catalogue; "
            "contexts are never fetched from the network (expected the W3C VC or "
            "the EDC context)",
            source=label,
        )
    entry = catalogue.entry(url)
    if "json" not in entry.media_type:
        raise InputError(
            f"@context {url!r} names a {entry.media_type} artefact, not a JSON-LD context",
            source=label,
        )

    path = catalogue.path(url)
    with _CONTEXTS_LOCK:
        if path not in _CONTEXTS:
            loaded = catalogue.read_json(url)
            inner = loaded.get("@context") if isinstance(loaded, Mapping) else None
            _CONTEXTS[path] = _resolve_context(inner, catalogue, label)
            log.debug("context %s loaded from %s", url, path)

        return _CONTEXTS[path]


# --- parsing --------------------------------------------------------------


def _parse_jsonld(document: Mapping[str, Any], label: str, base: str | None) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=document, format="json-ld", publicID=base)  # type: ignore[arg-type]
    # rdflib's JSON-LD parser raises builtin errors of many kinds on bad input.
    except Exception as exc:
        raise InputError(
            f"rdflib cannot expand the JSON-LD: {type(exc).__name__}: {exc}", source=label
        ) from exc

    return graph


def _parse_rdf(content: str | Mapping[str, Any], fmt: str, label: str, base: str | None) -> Graph:
    if not isinstance(content, str):
        raise InputError(f"a JSON object cannot be read as {fmt}", source=label)
    graph = Graph()
    try:
        graph.parse(data=content, format=fmt, publicID=base)
    except BadSyntax as exc:
        raise InputError(f"bad {fmt} syntax: {exc._why}", source=label, line=exc.lines + 1) from exc
    except Exception as exc:  # rdflib's N-Triples parser raises ParseError and others
        raise InputError(f"cannot read {fmt}: {type(exc).__name__}: {exc}", source=label) from exc

    return graph


# --- keys the context does not map ----------------------------------------


@dataclass(frozen=True)
class _Term:
    iri: str | None
    containers: frozenset[str] = frozenset()
    scoped: Any = _MISSING
    datatype: Any = None


@dataclass(frozen=True, eq=False)
class _Active:
    terms: Mapping[str, _Term | None]
    vocab: bool = False
    previous: _Active | None = None


def iter_unmapped_keys(
    document: Mapping[str, Any],
    *,
    catalogue: ArtefactCatalogue | None = None,
    inlined: bool = False,
) -> Iterator[Finding]:
    """Yield a Violation for each key that JSON-LD expansion would drop.

    The walk follows the context processing of JSON-LD 1.1: embedded,
    property-scoped and type-scoped contexts (the latter not propagating into
    nested nodes), ``@vocab``, compact and absolute IRIs, keyword aliases, and
    the keys of language, index, id and type maps, which are not terms.

    Args:
        document: A JSON-LD credential.
        catalogue: Where remote contexts come from; the default catalogue.
        inlined: The document's contexts are already local objects.

    Yields:
        One finding per dropped key, its JSON path in ``path``.

    Raises:
        InputError: An unknown remote context.
    """
    if not inlined:
        document = _inline_contexts(document, catalogue or default_catalogue(), "<credential>")
    walker = _KeyWalker()
    walker.node(document, _Active({}), None, "")

    yield from walker.findings


class _KeyWalker:
    """Walk a JSON-LD document as expansion would, noting dropped keys."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._memo: dict[tuple[int, int, bool], tuple[object, object, _Active]] = {}

    def node(self, node: Mapping[str, Any], active: _Active, term: _Term | None, path: str) -> None:
        active = self._enter(node, active, term)
        self._properties(node, active, path)

    def _properties(self, node: Mapping[str, Any], active: _Active, path: str) -> None:
        for key, value in node.items():
            if key == "@context":
                continue
            where = f"{path}.{key}" if path else key
            iri = _expand_key(key, active)
            if iri is None:
                self._report(key, value, node, active, where)
            elif iri in ("@reverse", "@nest") and isinstance(value, Mapping):
                self._properties(value, active, where)
            elif iri in ("@graph", "@included"):
                self.value(value, active, None, where)
            elif not iri.startswith("@"):
                self.value(value, active, active.terms.get(key), where)

    def value(self, value: Any, active: _Active, term: _Term | None, path: str) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.value(item, active, term, f"{path}[{index}]")
            return
        if not isinstance(value, Mapping):
            return

        containers = term.containers if term else frozenset()
        if "@language" in containers or (term and term.datatype == "@json"):
            return
        if term and containers & _MAPS:
            for key, item in value.items():
                self.value(item, active, replace(term, containers=frozenset()), f"{path}.{key}")
            return

        keywords = {_expand_key(key, active) for key in value}
        if "@value" in keywords:
            return
        for key in value:
            if _expand_key(key, active) in ("@list", "@set"):
                self.value(value[key], active, term, path)
                return
        self.node(value, active, term, path)

    def _enter(self, node: Mapping[str, Any], active: _Active, term: _Term | None) -> _Active:
        # Type-scoped contexts stop at nested nodes (JSON-LD 1.1 §5.1.2 step 7).
        if active.previous is not None and not _is_reference(node, active):
            active = active.previous
        if term is not None and term.scoped is not _MISSING:
            active = self._apply(active, term.scoped, True)
        if "@context" in node:
            active = self._apply(active, node["@context"], True)

        type_scope = active
        for name in sorted(_type_names(node, active)):
            definition = type_scope.terms.get(name)
            if definition is not None and definition.scoped is not _MISSING:
                active = self._apply(active, definition.scoped, False)

        return active

    def _apply(self, active: _Active, local: Any, propagate: bool) -> _Active:
        key = (id(active), id(local), propagate)
        if key not in self._memo:
            self._memo[key] = (active, local, _process_context(active, local, propagate))

        return self._memo[key][2]

    def _report(
        self, key: str, value: Any, node: Mapping[str, Any], active: _Active, where: str
    ) -> None:
        if key in active.terms:
            why = "the context maps it to null"
        elif key.startswith("@"):
            why = "it looks like a keyword but is not a JSON-LD 1.1 keyword"
        else:
            why = "the active context has no term for it and no @vocab"
        terms = [name for name, term in active.terms.items() if term and term.iri]
        close = difflib.get_close_matches(key, terms, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        odd = [f"U+{ord(char):04X} {unicodedata.name(char, '')}" for char in key if ord(char) > 127]
        if odd:
            hint += f" (the key contains non-ASCII {', '.join(odd)})"
        self.findings.append(
            Finding(
                message=(
                    f"key {key!r} at {where} is dropped by JSON-LD expansion, with its "
                    f"value, so no shape checks it: {why}{hint}"
                ),
                severity=Severity.VIOLATION,
                check="context",
                focus=_node_id(node, active),
                path=where,
                constraint="unmapped-key",
                value=shorten(value),
            )
        )


def _process_context(active: _Active, local: Any, propagate: bool) -> _Active:
    if isinstance(local, Mapping) and "@propagate" in local:
        propagate = bool(local["@propagate"])
    terms = dict(active.terms)
    vocab = active.vocab
    previous = active.previous
    if not propagate and previous is None:
        previous = active

    for item in local if isinstance(local, list) else [local]:
        if item is None:
            terms, vocab = {}, False
            continue
        if not isinstance(item, Mapping):
            continue
        if "@vocab" in item:
            vocab = item["@vocab"] is not None
        for name, definition in item.items():
            if not name.startswith("@"):
                terms[name] = _define(name, definition, vocab)

    return _Active(terms, vocab, previous)


def _define(name: str, definition: Any, vocab: bool) -> _Term | None:
    if definition is None:
        return None
    if isinstance(definition, str):
        return _Term(definition)
    if not isinstance(definition, Mapping):
        return _Term(None)

    iri = definition.get("@id", definition.get("@reverse", _MISSING))
    if iri is _MISSING:
        iri = name if ":" in name or vocab else None
    if iri is None:
        return None
    containers = definition.get("@container", ())
    if isinstance(containers, str):
        containers = (containers,)

    return _Term(
        str(iri),
        frozenset(containers),
        definition.get("@context", _MISSING),
        definition.get("@type"),
    )


def _expand_key(key: str, active: _Active) -> str | None:
    if key in active.terms:
        term = active.terms[key]
        return term.iri if term else None
    if key.startswith("@"):
        return key if key in _KEYWORDS else None
    if ":" in key:
        return key

    return "@vocab" if active.vocab else None


def _type_names(node: Mapping[str, Any], active: _Active) -> set[str]:
    names: set[str] = set()
    for key, value in node.items():
        if _expand_key(key, active) == "@type":
            values = value if isinstance(value, list) else [value]
            names.update(item for item in values if isinstance(item, str))

    return names


def _is_reference(node: Mapping[str, Any], active: _Active) -> bool:
    keywords = [_expand_key(key, active) for key in node]

    return "@value" in keywords or keywords == ["@id"]


def _node_id(node: Mapping[str, Any], active: _Active) -> str | None:
    for key, value in node.items():
        if _expand_key(key, active) == "@id" and isinstance(value, str):
            return value

    return None


# --- defects of the published EDC context ---------------------------------

_ELM = "http://data.europa.eu/snb/model/elm/"
_CLV_AS_PUBLISHED = "http://data.europa.eu/m8g"


@dataclass(frozen=True)
class _ContextDefect:
    term: str
    published: URIRef
    intended: URIRef
    cause: str


_DEFECTS = (
    _ContextDefect(
        "nationalID",
        URIRef(_ELM + "nationalID"),
        URIRef(_ELM + "nationalId"),
        "the EDC context maps 'nationalID' to elm:nationalID, while the ELM ontology "
        "and the EDC shapes use elm:nationalId",
    ),
    *(
        _ContextDefect(
            name,
            URIRef(_CLV_AS_PUBLISHED + name),
            URIRef(f"{_CLV_AS_PUBLISHED}/{name}"),
            f"the EDC context's 'clv' prefix lacks its trailing '/', so '{name}' "
            f"expands to {_CLV_AS_PUBLISHED}{name}",
        )
        for name in ("latitude", "longitude")
    ),
)


def compensate_context_defects(graph: Graph) -> tuple[Graph, tuple[Finding, ...]]:
    """Make the shapes see properties that the EDC context mis-maps.

    For each triple whose predicate is one of the context's wrong IRIs (see the
    module docstring), the graph used for validation gets the same triple with
    the IRI that the shapes constrain; the original triple stays. Each copy is
    reported as an Info finding, since the credential is as its context
    defines it and other validators will not check that property.

    Args:
        graph: The credential graph; it is not modified.

    Returns:
        ``graph`` itself when nothing needs fixing, else a fixed copy; and one
        finding per copied triple.
    """
    hits = [
        (defect, subject, value)
        for defect in _DEFECTS
        for subject, value in graph.subject_objects(defect.published)
    ]
    if not hits:
        return graph, ()

    fixed = Graph()
    for triple in graph:
        fixed.add(triple)
    findings = []
    for defect, subject, value in hits:
        fixed.add((subject, defect.intended, value))
        findings.append(
            Finding(
                message=(
                    f"{defect.cause}; validated as <{defect.intended}> so that its "
                    "shapes apply (validators without this fix-up never check it)"
                ),
                severity=Severity.INFO,
                check="context",
                focus=str(subject),
                path=str(defect.published),
                constraint="context-defect",
                value=str(value)[:120],
            )
        )

    return fixed, tuple(findings)
