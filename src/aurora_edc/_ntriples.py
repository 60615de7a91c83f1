"""N-Triples of credentials straight from the ELM v3 model (W3C RDF 1.1 N-Triples).

The bulk SHACL path (``aurora-edc issue`` with pyrudof) reads credentials as
N-Triples text. Writing that text from the model's nodes costs a fraction of
building an rdflib graph and serialising it, and gives the same triples as
:func:`aurora_edc._elm.to_graph` (same term definitions, same literal forms,
same rule that the first node with a given id wins), which the tests check.

:class:`NTriplesBatch` merges several credentials into one document for a
single validation run. A node that several credentials share (the issuer, the
qualification, code-list concepts) is written once; a merge is refused when
two credentials hold different triples under the same node id, since the
union could then hide a violation of one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from rdflib import Literal as RDFLiteral

from ._elm import LangMap, Node, TermDefinition, Value, format_datetime, term

__all__ = ["LinesCache", "NTriplesBatch", "credential_ntriples", "node_ntriples"]

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_LITERAL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
# Characters an N-Triples IRIREF cannot hold as such (RDF 1.1 N-Triples §7).
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _iri(text: str) -> str:
    if _IRI_FORBIDDEN.search(text):
        text = _IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", text)

    return f"<{text}>"


def _literal(lexical: str, suffix: str = "") -> str:
    return f'"{lexical.translate(_LITERAL_ESCAPES)}"{suffix}'


def _objects(value: Value, definition: TermDefinition) -> Iterator[str]:
    """Yield N-Triples objects, mirroring :func:`aurora_edc._elm.to_graph`."""
    if isinstance(value, Node):
        yield _iri(value.id)
    elif isinstance(value, LangMap):
        for language, text in value.texts.items():
            yield _literal(text, f"@{language}")
    elif definition.type == "@id":
        yield _iri(str(value))
    elif isinstance(value, bool):
        datatype = definition.type or _XSD_BOOLEAN
        yield _literal("true" if value else "false", f"^^{_iri(datatype)}")
    elif definition.type:
        text = (
            format_datetime(value) if isinstance(value, datetime | date) else str(value)
        )
        yield _literal(text, f"^^{_iri(definition.type)}")
    elif isinstance(value, int | Decimal):
        # rdflib picks the datatype and canonical lexical form of numbers.
        literal = RDFLiteral(value)
        yield _literal(str(literal), f"^^{_iri(str(literal.datatype))}")
    else:
        yield _literal(str(value))


def node_ntriples(node: Node) -> str:
    """Return the N-Triples lines of one node's own properties (not its children).

    Args:
        node: A node of a credential tree.

    Returns:
        One line per triple, each ending in a newline.

    Raises:
        KeyError: A property or type is not a term of the contexts.

    """
    subject = _iri(node.id)
    root = node.is_credential
    lines = [
        f"{subject} {_RDF_TYPE} {_iri(term(name, root=root).iri)} .\n"
        for name in node.types
    ]
    for name, value in node.props.items():
        definition = term(name, root=root)
        predicate = _iri(definition.iri)
        for item in value if isinstance(value, list) else [value]:
            lines.extend(
                f"{subject} {predicate} {obj} .\n" for obj in _objects(item, definition)
            )

    return "".join(lines)


def credential_ntriples(credential: Node) -> str:
    """Return a credential's graph as N-Triples, equal to ``to_graph(credential)``.

    Args:
        credential: Root node.

    Returns:
        The N-Triples document.

    """
    batch = NTriplesBatch()
    batch.add(credential)

    return batch.text()


class NTriplesBatch:
    """The N-Triples of several credentials, shared nodes written once.

    Args:
        cache: Lines already computed, by node object; pass the same cache to
            successive batches so that the nodes every credential of a
            specification shares are written out once per process.

    """

    def __init__(self, cache: LinesCache | None = None) -> None:
        self._cache = LinesCache() if cache is None else cache
        self._lines: dict[str, str] = {}
        self._parts: list[str] = []
        self.size = 0

    def add(
        self,
        credential: Node,
        extra: str = "",
        *,
        own: Mapping[str, str] | None = None,
    ) -> bool:
        """Add a credential unless it conflicts with one already added.

        Args:
            credential: Root node.
            extra: More N-Triples lines that belong to this credential only.
            own: The credential's node id -> lines, when the caller has them
                (from :meth:`LinesCache.walk` of the same cache).

        Returns:
            False, leaving the batch unchanged, when a node id of this
            credential already stands for other triples in the batch.

        """
        own = dict(own) if own is not None else self._collect(credential)
        if extra:
            own[f"\x00extra\x00{credential.id}"] = extra
        for node_id, lines in own.items():
            known = self._lines.get(node_id)
            if known is not None and known != lines:
                return False

        for node_id, lines in own.items():
            if node_id not in self._lines:
                self._lines[node_id] = lines
                self._parts.append(lines)
        self.size += 1

        return True

    def text(self) -> str:
        """Return the merged N-Triples document."""
        return "".join(self._parts)

    def _collect(self, credential: Node) -> dict[str, str]:
        """Return node id -> lines; within a credential the first node wins."""
        return self._cache.walk(credential, shortcut=True)


class LinesCache:
    """N-Triples lines of nodes, by object identity, kept while they are reused.

    Each entry holds its node, so an object id is never reused while cached.
    A node met again (one that the credentials of a specification share) also
    keeps the lines of its whole subtree, so that the next credential takes
    them in one step instead of walking the subtree. When full, only the
    entries used again since the last clean-up stay: the shared nodes, not
    the learners'. Nodes are taken to be unchanged while cached, as the
    builder leaves the parts it shares.

    Args:
        limit: Number of nodes held before a clean-up.

    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._entries: dict[int, _Entry] = {}

    def walk(self, root: Node, *, shortcut: bool = False) -> dict[str, str]:
        """Return node id -> lines for ``root`` and every node below it.

        Depth first, in property order; the first node with an id wins.

        Args:
            root: The top of the subtree.
            shortcut: Take the kept subtree of a shared node instead of
                walking it.

        """
        own: dict[str, str] = {}
        visited: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            entry = self._entry(node)
            if shortcut and entry.hits:
                if entry.subtree is None:
                    entry.subtree = self.walk(node)
                for node_id, lines in entry.subtree.items():
                    own.setdefault(node_id, lines)
                continue
            own.setdefault(node.id, entry.lines)
            stack.extend(reversed(node.children()))

        return own

    def _entry(self, node: Node) -> _Entry:
        entry = self._entries.get(id(node))
        if entry is not None and entry.node is node:
            entry.hits += 1
            return entry
        if len(self._entries) >= self.limit:
            self._entries = {
                key: _Entry(kept.node, kept.lines, subtree=kept.subtree)
                for key, kept in self._entries.items()
                if kept.hits
            }
            if len(self._entries) >= self.limit // 2:
                self._entries = {}
        entry = self._entries[id(node)] = _Entry(node, node_ntriples(node))

        return entry


@dataclass(slots=True)
class _Entry:
    node: Node
    lines: str
    hits: int = 0
    subtree: dict[str, str] | None = None
