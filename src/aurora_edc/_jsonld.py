"""Offline reading of EDC credentials (ELM v3 JSON-LD, Turtle) into RDF graphs.

Implements the reading side of the EDC application profile's serialisation:
the W3C VC contexts (``https://www.w3.org/2018/credentials/v1``,
``https://www.w3.org/ns/credentials/v2``) with the ELM v3 ``edc-ap`` context.
Every remote ``@context`` is resolved through the artefact catalogue, never the
network: its URL is replaced by the local context object before rdflib expands
the document (rdflib 7 has no public document-loader hook), and a second,
independent walk refuses any context reference left over
(:mod:`aurora_edc._jsonld_contexts`).

Inputs are bounded: a file must be a regular file of at most
:data:`MAX_DOCUMENT_BYTES`, and a credential may expand to at most
:data:`MAX_TRIPLES` triples (``max_triples``), checked on the JSON before
rdflib parses it and on the graph after, because SHACL validation costs about
0.3 ms per triple with pySHACL (see ``docs/validation.md``).

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
import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from ._catalogue import ArtefactCatalogue, default_catalogue
from ._exceptions import InputError, shorten
from ._files import read_regular_file
from ._jsonld_contexts import inline_contexts, refuse_references
from ._jsonld_keys import unmapped_keys
from ._report import Finding, Severity

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_TRIPLES",
    "CredentialGraph",
    "compensate_context_defects",
    "iter_unmapped_keys",
    "parse_credential",
]

log = logging.getLogger(__name__)

# Largest credential accepted: the EC micro-credential sample is 150 kB, most
# of it base64 images; a diploma supplement with attachments stays far below.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

# Most triples a credential read from a document may expand to. The EC
# micro-credential sample has 353, one with 1,000 extra learning outcomes
# 3,311; pySHACL needs about 5 s for 20,000 (docs/validation.md).
MAX_TRIPLES = 20_000

# The same limit, applied to the JSON before rdflib parses it (parsing costs
# follow the JSON values, repeated nodes included): a credential may hold four
# JSON values per allowed triple. The EC sample has 3.2 (its concepts repeat),
# credentials of many small nodes 1.7.
_VALUES_PER_TRIPLE = 4

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
    max_triples: int = MAX_TRIPLES,
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
        max_triples: Most triples accepted (default :data:`MAX_TRIPLES`);
            raise it for credentials you trust to be that large.

    Returns:
        The graph, the source label and the unmapped-key findings.

    Raises:
        InputError: Not a regular file, unreadable, too large, not UTF-8, bad
            JSON or Turtle (with the line), a context outside the catalogue or
            against JSON-LD 1.1, or rdflib refused the document.
        ArtefactError: A known context is missing from the mirror or altered.

    """
    catalogue = catalogue or default_catalogue()
    content, fmt, label, base = _read_input(data, format, source)
    if fmt != "json-ld":
        graph = _parse_rdf(content, fmt, label, base)
        _check_triples(len(graph), max_triples, label)
        return CredentialGraph(graph, label)

    document = _loads(content, label) if isinstance(content, str) else content
    document, label = _unwrap(document, label)
    try:
        _check_values(document, max_triples, label)
        expanded = inline_contexts(document, catalogue, label)
        refuse_references(expanded, label)
        findings = tuple(unmapped_keys(expanded))
    except RecursionError as exc:
        raise InputError("JSON-LD nested too deeply", source=label) from exc
    graph = _parse_jsonld(expanded, label, base)
    _check_triples(len(graph), max_triples, label)
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
        raw = read_regular_file(path, max_bytes=MAX_DOCUMENT_BYTES, source=label)
        return _decode(raw, label), fmt, label, path.resolve().as_uri()

    label = source or "<credential>"
    if isinstance(data, bytes):
        return _decode(data, label), fmt or "json-ld", label, None
    if isinstance(data, str):
        _refuse_file_name(data, label)
        return data, fmt or "json-ld", label, None
    if isinstance(data, Mapping):
        return data, fmt or "json-ld", label, None

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


def _refuse_file_name(text: str, label: str) -> None:
    """Refuse a one-line str that names an existing file instead of content."""
    head = text.lstrip()[:1]
    if not head or head in "{[<@#" or "\n" in text or len(text) > 4096:
        return
    try:
        exists = Path(text).is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        return
    if exists:
        raise InputError(
            f"the text {shorten(text)} names a file, but a str is read as the "
            "credential's content; pass a pathlib.Path to read the file",
            source=label,
        )


def _decode(raw: bytes, label: str) -> str:
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"{len(raw)} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes",
            source=label,
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


def _check_values(document: Mapping[str, Any], max_triples: int, label: str) -> None:
    """Refuse, before rdflib parses it, a document far over the triple limit."""
    ceiling = max_triples * _VALUES_PER_TRIPLE
    count = 0
    stack: list[Any] = [document]
    while stack and count <= ceiling:
        item = stack.pop()
        if isinstance(item, Mapping):
            count += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None:
            count += 1
    if count > ceiling:
        raise InputError(
            f"more than {ceiling} JSON values, {_VALUES_PER_TRIPLE} per triple of "
            f"the limit of {max_triples} triples, refused before parsing; pass a "
            "higher max_triples (--max-triples) for a credential you trust to be "
            "that large",
            source=label,
        )


def _check_triples(count: int, max_triples: int, label: str) -> None:
    if count > max_triples:
        raise InputError(
            f"{count} triples, over the limit of {max_triples}; pass a higher "
            "max_triples (--max-triples) for a credential you trust to be that "
            "large (SHACL validation takes about 0.3 ms per triple)",
            source=label,
        )


def _loads(text: str, label: str) -> Mapping[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            source=label,
            line=exc.lineno,
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
    if isinstance(payload, str) and (
        "signatures" in document or "signature" in document
    ):
        label = f"{label}#payload"
        return _loads(_payload_text(payload, label), label), label

    # The Europass "uploadable" wrapper {"credential": ..., "deliveryDetails": ...}.
    inner = document.get("credential")
    if isinstance(inner, Mapping):
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
            f"JWS payload is neither JSON nor base64url: {shorten(payload)}",
            source=label,
        ) from exc

    return _decode(raw, label)


# --- parsing --------------------------------------------------------------


def _parse_jsonld(document: Mapping[str, Any], label: str, base: str | None) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=document, format="json-ld", publicID=base)  # type: ignore[arg-type]
    # rdflib's JSON-LD parser raises builtin errors of many kinds on bad input.
    except Exception as exc:
        raise InputError(
            f"rdflib cannot expand the JSON-LD: {type(exc).__name__}: {exc}",
            source=label,
        ) from exc

    return graph


def _parse_rdf(
    content: str | Mapping[str, Any], fmt: str, label: str, base: str | None
) -> Graph:
    if not isinstance(content, str):
        raise InputError(f"a JSON object cannot be read as {fmt}", source=label)
    graph = Graph()
    try:
        graph.parse(data=content, format=fmt, publicID=base)
    except BadSyntax as exc:
        raise InputError(
            f"bad {fmt} syntax: {exc._why}", source=label, line=exc.lines + 1
        ) from exc
    except Exception as exc:  # rdflib's N-Triples parser raises ParseError and others
        raise InputError(
            f"cannot read {fmt}: {type(exc).__name__}: {exc}", source=label
        ) from exc

    return graph


# --- keys the context drops ----------------------------------------------


def iter_unmapped_keys(
    document: Mapping[str, Any],
    *,
    catalogue: ArtefactCatalogue | None = None,
) -> Iterator[Finding]:
    """Yield a Violation for each key that JSON-LD expansion would drop.

    The walk follows the context processing of JSON-LD 1.1 (see
    :mod:`aurora_edc._jsonld_keys`); the document is not modified.

    Args:
        document: A JSON-LD credential.
        catalogue: Where remote contexts come from; the default catalogue.

    Yields:
        One finding per dropped key, its JSON path in ``path``.

    Raises:
        InputError: A context outside the catalogue or against JSON-LD 1.1.

    """
    inlined = inline_contexts(
        document, catalogue or default_catalogue(), "<credential>"
    )

    yield from unmapped_keys(inlined)


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
