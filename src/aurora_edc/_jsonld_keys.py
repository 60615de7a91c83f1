"""Which keys of a JSON-LD document survive expansion (JSON-LD 1.1).

JSON-LD expansion silently drops every key that the active context does not
map to an IRI or a keyword, together with its whole value; the EDC shapes are
open (no ``sh:closed``), so a misspelt key in a credential is lost without any
SHACL result. This module walks a document the way the JSON-LD 1.1 Processing
Algorithms (W3C Recommendation) build the active context, and reports those
keys:

- context processing (§4.1): embedded contexts, ``null`` resets, ``@vocab``,
  ``@propagate``, term definitions mapped to ``null``;
- expansion (§5.1.2): property-scoped contexts, type-scoped contexts applied in
  lexicographical order of the types and reverted on entering a nested node
  object (step 7), keyword aliases (``id``, ``type``), compact and absolute
  IRIs, value objects, ``@list``/``@set``, ``@reverse`` and ``@nest``;
- the keys of language maps (language tags) and of index, id and type maps,
  which are not terms.

Remote contexts must already be inlined (see :mod:`aurora_edc._jsonld_contexts`).
rdflib 7.6 departs from step 7 in one place: it keeps the type-scoped terms of
the VC context inside a property-scoped node (``credentialSchema``), where a
conforming processor drops them; this module follows the specification.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ._exceptions import shorten
from ._report import Finding, Severity

__all__ = ["unmapped_keys"]

# JSON-LD 1.1 §1.7 Syntax Tokens and Keywords.
_KEYWORDS = frozenset(
    {
        *("@base", "@container", "@context", "@direction", "@graph", "@id"),
        *("@import", "@included", "@index", "@json", "@language", "@list"),
        *("@nest", "@none", "@prefix", "@propagate", "@protected", "@reverse"),
        *("@set", "@type", "@value", "@version", "@vocab"),
    }
)
_MAPS = frozenset({"@index", "@id", "@type"})
_MISSING: Any = object()


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


def unmapped_keys(document: Mapping[str, Any]) -> list[Finding]:
    """Return a Violation for each key that JSON-LD expansion would drop.

    Args:
        document: A JSON-LD document whose ``@context`` values are all local
            objects (remote URLs already replaced).

    Returns:
        One finding per dropped key, its JSON path in ``path``, in document
        order.

    """
    walker = _KeyWalker()
    walker.node(document, _Active({}), None, "")

    return walker.findings


class _KeyWalker:
    """Walk a JSON-LD document as expansion would, noting dropped keys."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._memo: dict[tuple[int, int, bool], tuple[object, object, _Active]] = {}

    def node(
        self, node: Mapping[str, Any], active: _Active, term: _Term | None, path: str
    ) -> None:
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
                self.value(
                    item, active, replace(term, containers=frozenset()), f"{path}.{key}"
                )
            return

        keywords = {_expand_key(key, active) for key in value}
        if "@value" in keywords:
            return
        for key in value:
            if _expand_key(key, active) in ("@list", "@set"):
                self.value(value[key], active, term, path)
                return
        self.node(value, active, term, path)

    def _enter(
        self, node: Mapping[str, Any], active: _Active, term: _Term | None
    ) -> _Active:
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
            self._memo[key] = (
                active,
                local,
                _process_context(active, local, propagate),
            )

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
        odd = [
            f"U+{ord(char):04X} {unicodedata.name(char, '')}"
            for char in key
            if ord(char) > 127
        ]
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
