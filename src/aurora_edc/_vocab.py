"""Controlled vocabularies of ELM v3: the code lists behind EDC ``skos:Concept`` values.

ELM v3 gives every controlled value as a ``skos:Concept`` with its IRI, its
``skos:inScheme`` ConceptScheme and a ``skos:prefLabel``. The EDC "full" SHACL
shapes only check the ``inScheme`` triple written in the data, never that the
concept exists; the lists themselves are enumerated in the ELM v3 LOQ/AMS XML
schemas (``xsd/loq/cv/*.xsd``: ``xs:enumeration value="<concept IRI>"`` with an
English ``xs:documentation``). This module reads those files through the
artefact catalogue, lazily and once per process, and resolves what university
records carry (concept IRIs or short codes such as EQF ``6``, country ``IE``,
language ``en-GB``, ISCED-F ``0613``) to the concept the EC samples write.

Which file holds which list, each list's scheme IRI and our aliases are in
``data/vocab/code-lists.json``. Open schemes (ESCO, DigComp, supervision and
verification, evidence types) have no enumeration in the official files:
:func:`open_concept` checks only the IRI prefix, never membership.
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pycountry
from lxml import etree

from ._catalogue import ArtefactCatalogue, default_catalogue
from ._exceptions import ArtefactError, RecordError, UnknownCodeError, shorten

__all__ = [
    "CodeList",
    "Concept",
    "code_list",
    "code_list_names",
    "concept_jsonld",
    "open_concept",
    "open_scheme_names",
    "resolve_code",
]

log = logging.getLogger(__name__)

_XS = "{http://www.w3.org/2001/XMLSchema}"
_IRI_STARTS = ("http://", "https://", "urn:")
# A BCP 47 tag reduced to its primary language subtag: en-GB, pt_BR, zh-Hant-TW.
_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})+")
# The last segment of an open-scheme concept IRI: one path segment, no spaces.
_OPEN_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
_SUGGESTIONS = 3
_FROM_DEFAULT: dict[tuple[int, str], CodeList] = {}
# Separators that do not distinguish codes or labels: "on-site" is "onsite".
_SEPARATORS = re.compile(r"[-_\u2010-\u2015]")


@dataclass(frozen=True)
class Concept:
    """One ``skos:Concept`` of a code list, as an EDC embeds it.

    Attributes:
        iri: The concept IRI, e.g. ``http://data.europa.eu/snb/eqf/6``.
        scheme: IRI of the ``skos:ConceptScheme`` the concept is in.
        labels: Preferred labels by language tag. The official lists give an
            English label for nearly every concept; a few (most of the
            language list, some ATU units) have none, and the language list
            then takes the ISO 639-3 name from pycountry. Empty when no label
            is known.
        notation: The short code, the IRI's last segment (``6``, ``IRL``,
            ``ENG``, ``0613``); ``None`` for open-scheme concepts.

    """

    iri: str
    scheme: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    notation: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Concept, (self.iri, self.scheme, dict(self.labels), self.notation))

    @property
    def label(self) -> str:
        """The English label, else the first label, else the notation or IRI."""
        if "en" in self.labels:
            return self.labels["en"]

        return next(iter(self.labels.values()), self.notation or self.iri)


class CodeList:
    """The concepts of one code list, with lookups by IRI, code and label.

    Args:
        name: Short name of the list, such as ``country``.
        scheme: IRI of the ConceptScheme of every concept.
        concepts: The concepts, each once.
        aliases: Extra codes, mapped to the notation (or IRI) of their
            concept; case and whitespace do not matter.
        source: Canonical URL of the file the list was read from.
        language_tags: Reduce BCP 47 tags (``en-GB``) to their primary
            subtag when the whole tag is unknown.

    """

    def __init__(
        self,
        name: str,
        scheme: str,
        concepts: Iterable[Concept],
        *,
        aliases: Mapping[str, str] | None = None,
        source: str | None = None,
        language_tags: bool = False,
    ) -> None:
        self.name = name
        self.scheme = scheme
        self.source = source
        self._language_tags = language_tags
        self._by_iri: dict[str, Concept] = {}
        self._by_code: dict[str, Concept] = {}
        self._by_label: dict[str, tuple[Concept, ...]] = {}
        for concept in concepts:
            self._add(concept)
        self._by_alias = self._index_aliases(aliases or {})

    def __iter__(self) -> Iterator[Concept]:
        return iter(self._by_iri.values())

    def __len__(self) -> int:
        return len(self._by_iri)

    def __contains__(self, item: object) -> bool:
        iri = item.iri if isinstance(item, Concept) else item

        return isinstance(iri, str) and iri in self._by_iri

    def __repr__(self) -> str:
        return f"CodeList({self.name!r}, {self.scheme!r}, {len(self)} concepts)"

    def get(self, iri: str) -> Concept | None:
        """Return the concept with exactly this IRI, or ``None``."""
        return self._by_iri.get(iri)

    def resolve(
        self, value: str | int, *, path: str | None = None, record_id: str | None = None
    ) -> Concept:
        """Return the concept a record value names.

        A value is tried, in this order, as the exact concept IRI; as the
        notation (the IRI's last segment, any case); as an alias of this list;
        as the English label (any case, whitespace ignored). Integers stand
        for numeric codes (EQF ``6``). IRIs are only compared exactly.

        Args:
            value: Concept IRI, code, alias or English label.
            path: Field path of the value, copied into the error.
            record_id: Record the value comes from, copied into the error.

        Returns:
            The concept.

        Raises:
            UnknownCodeError: No concept matches, or the label is shared by
                several concepts; the message names the list, the value and
                up to three close matches.

        """
        text = self._text(value, path, record_id)
        found = self._lookup(text)
        if found is None and self._language_tags:
            tag = _LANGUAGE_TAG.fullmatch(text)
            found = self._lookup(tag.group(1)) if tag else None
        if isinstance(found, Concept):
            return found

        raise self._unknown(text, found or (), path, record_id)

    def suggest(self, value: str, limit: int = _SUGGESTIONS) -> list[Concept]:
        """Return up to ``limit`` concepts whose code, label or IRI is close."""
        if value.startswith(_IRI_STARTS):
            names = difflib.get_close_matches(value, self._by_iri, limit)
            return [self._by_iri[name] for name in names]

        candidates = {**self._by_label, **{k: (c,) for k, c in self._by_code.items()}}
        names = difflib.get_close_matches(_key(value), candidates, limit * 2)
        chosen: dict[str, Concept] = {}
        for name in names:
            for concept in candidates[name]:
                chosen.setdefault(concept.iri, concept)

        return list(chosen.values())[:limit]

    def _add(self, concept: Concept) -> None:
        if concept.iri in self._by_iri:
            log.debug("code list %s repeats %s; first kept", self.name, concept.iri)
            return
        self._by_iri[concept.iri] = concept
        if concept.notation:
            self._by_code.setdefault(_key(concept.notation), concept)
        for text in {_key(label) for label in concept.labels.values()}:
            self._by_label[text] = (*self._by_label.get(text, ()), concept)

    def _index_aliases(self, aliases: Mapping[str, str]) -> dict[str, Concept]:
        index = {}
        for alias, target in aliases.items():
            concept = self._by_iri.get(target) or self._by_code.get(_key(target))
            if concept is None:
                log.warning("%s alias %r: no concept %r", self.name, alias, target)
                continue
            index[_key(alias)] = concept

        return index

    def _lookup(self, text: str) -> Concept | tuple[Concept, ...] | None:
        if text.startswith(_IRI_STARTS):
            return self._by_iri.get(text)
        key = _key(text)
        found = self._by_code.get(key) or self._by_alias.get(key)
        if found is not None:
            return found
        labelled = self._by_label.get(key, ())

        return labelled[0] if len(labelled) == 1 else labelled or None

    def _text(self, value: object, path: str | None, record_id: str | None) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()

        raise UnknownCodeError(
            f"code list {self.name!r} expects a concept IRI, a code or an English "
            f"label (str, or int for numeric codes); found {type(value).__name__} "
            f"{shorten(value)}",
            record_id=record_id,
            path=path,
            rule=self._rule(),
        )

    def _unknown(
        self,
        text: str,
        shared: tuple[Concept, ...],
        path: str | None,
        record_id: str | None,
    ) -> UnknownCodeError:
        if shared:
            listed = ", ".join(_show(concept) for concept in shared[:5])
            message = (
                f"{shorten(text)} is the English label of {len(shared)} concepts of "
                f"list {self.name!r} ({listed}); give the code or the IRI"
            )
        else:
            close = ", ".join(_show(concept) for concept in self.suggest(text))
            example = next(iter(self), None)
            code = example.notation if example else "?"
            message = (
                f"{shorten(text)} is not in code list {self.name!r} (scheme "
                f"{self.scheme}): expected a concept IRI, a code such as {code!r} "
                f"or an English label; "
                + (f"close matches: {close}" if close else "no close matches")
            )

        return UnknownCodeError(
            message, record_id=record_id, path=path, rule=self._rule()
        )

    def _rule(self) -> str:
        return f"a concept of code list {self.name!r}"


def code_list_names() -> tuple[str, ...]:
    """Return the names of the enumerated code lists, sorted."""
    return tuple(sorted(_table()["lists"]))


def code_list(name: str, *, catalogue: ArtefactCatalogue | None = None) -> CodeList:
    """Return a code list, read from its official XSD on first use.

    Args:
        name: One of :func:`code_list_names`, such as ``eqf`` or ``country``.
        catalogue: Where the XSD files come from; the default catalogue of
            the process when ``None``.

    Returns:
        The list, parsed once per process and file.

    Raises:
        UnknownCodeError: ``name`` is not a known code list.
        ArtefactNotFoundError: The list's XSD is in no mirror or cache.
        ArtefactIntegrityError: The file differs from its pinned hash.
        ArtefactError: The file cannot be parsed.

    """
    chosen = catalogue or default_catalogue()
    # Default catalogues live as long as the process, so their id is stable;
    # remembering their lists spares a file check on every lookup.
    known = _FROM_DEFAULT.get((id(chosen), name)) if catalogue is None else None
    if known is not None:
        return known

    url = _table()["artefact_base"] + _spec("lists", name)["file"]
    codes = _load(name, url, chosen.path(url))
    if catalogue is None:
        _FROM_DEFAULT[(id(chosen), name)] = codes

    return codes


def resolve_code(
    list_name: str,
    value: str | int,
    *,
    path: str | None = None,
    record_id: str | None = None,
    catalogue: ArtefactCatalogue | None = None,
) -> Concept:
    """Resolve a record value to a concept of a code list.

    Args:
        list_name: One of :func:`code_list_names`.
        value: Concept IRI, code, alias or English label (see
            :meth:`CodeList.resolve`).
        path: Field path of the value, copied into the error.
        record_id: Record the value comes from, copied into the error.
        catalogue: Where the XSD files come from; the default when ``None``.

    Returns:
        The concept.

    Raises:
        UnknownCodeError: Unknown list, or no concept matches the value.
        ArtefactError: The list's file is missing or unusable.

    """
    codes = code_list(list_name, catalogue=catalogue)

    return codes.resolve(value, path=path, record_id=record_id)


def open_scheme_names() -> tuple[str, ...]:
    """Return the names of the open schemes :func:`open_concept` accepts."""
    return tuple(sorted(_table()["open_schemes"]))


def open_concept(
    scheme_name: str,
    iri: str,
    label: str | Mapping[str, str],
    *,
    path: str | None = None,
    record_id: str | None = None,
) -> Concept:
    """Build a concept of an open scheme (ESCO, DigComp, ...) from its full IRI.

    Membership is **not** checked: aurora-edc has no enumeration of these
    schemes, so any IRI under the scheme's prefix is accepted and the label
    is the caller's.

    Args:
        scheme_name: One of :func:`open_scheme_names`, such as ``esco-skill``.
        iri: The full concept IRI.
        label: English label, or labels by language tag.
        path: Field path of the value, copied into the error.
        record_id: Record the value comes from, copied into the error.

    Returns:
        The concept, in the scheme that the prefix implies.

    Raises:
        UnknownCodeError: Unknown scheme name, or the IRI is not under its
            prefix.
        RecordError: No label, or an empty one.

    """
    spec = _spec("open_schemes", scheme_name, path, record_id)
    prefix, scheme = spec["prefix"], spec["scheme"]
    rest = iri[len(prefix) :] if iri.startswith(prefix) else ""
    if iri == scheme or not _OPEN_SEGMENT.fullmatch(rest):
        raise UnknownCodeError(
            f"{shorten(iri)} is not a concept IRI of open scheme {scheme_name!r}: "
            f"expected {prefix}<code> (scheme {scheme})",
            record_id=record_id,
            path=path,
            rule=f"an IRI under {prefix}",
        )

    given = {"en": label} if isinstance(label, str) else label
    labels = {tag: text.strip() for tag, text in given.items()}
    if not labels or not all(labels.values()):
        raise RecordError(
            f"concept {iri} of open scheme {scheme_name!r} needs a non-empty "
            f"label; found {shorten(label)}",
            record_id=record_id,
            path=path,
            rule="a labelled concept",
        )

    return Concept(iri=iri, scheme=scheme, labels=labels)


def concept_jsonld(concept: Concept) -> dict[str, Any]:
    """Return a concept as the EC samples embed it in an EDC.

    The form is ``{"id", "type": "Concept", "inScheme": {"id", "type":
    "ConceptScheme"}, "notation"?, "prefLabel": {lang: text}}``. ``notation``
    is written only for the schemes where the EC micro-credential sample
    writes one, with the sample's value (the scheme's short name such as
    ``country``, or ``Skill`` for ESCO skills), not the concept's code.

    Args:
        concept: Any concept, from a code list or an open scheme.

    Returns:
        A new JSON-ready dictionary, keys in the sample's order.

    """
    node: dict[str, Any] = {
        "id": concept.iri,
        "type": "Concept",
        "inScheme": {"id": concept.scheme, "type": "ConceptScheme"},
    }
    notation = _jsonld_notations().get(concept.scheme)
    if notation is not None:
        node["notation"] = notation
    labels = dict(concept.labels) or {"en": concept.label}
    node["prefLabel"] = dict(sorted(labels.items(), key=lambda item: item[0] != "en"))

    return node


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("aurora_edc").joinpath("data/vocab/code-lists.json")
    table: dict[str, Any] = json.loads(text.read_text("utf-8"))

    return table


@functools.lru_cache(maxsize=1)
def _jsonld_notations() -> dict[str, str]:
    specs = [*_table()["lists"].values(), *_table()["open_schemes"].values()]

    return {s["scheme"]: s["jsonld_notation"] for s in specs if "jsonld_notation" in s}


def _spec(
    section: str, name: str, path: str | None = None, record_id: str | None = None
) -> dict[str, Any]:
    specs: dict[str, dict[str, Any]] = _table()[section]
    if name not in specs:
        kind = "code list" if section == "lists" else "open scheme"
        raise UnknownCodeError(
            f"{shorten(name)} is not a {kind}; known: {', '.join(sorted(specs))}",
            record_id=record_id,
            path=path,
            rule=f"a {kind} name",
        )

    return specs[name]


@functools.lru_cache(maxsize=64)
def _load(name: str, url: str, path: Path) -> CodeList:
    started = time.perf_counter()
    spec = _spec("lists", name)
    namespace, entries = _read_enumerations(path, url)
    if namespace != spec["scheme"]:
        log.debug(
            "%s: targetNamespace %s, scheme %s used", url, namespace, spec["scheme"]
        )
    concepts = [_concept(iri, label, spec) for iri, label in entries]
    aliases = dict(spec.get("aliases", {}))
    aliases.update(_iso_aliases(spec.get("iso"), {c.notation for c in concepts}))
    codes = CodeList(
        name,
        spec["scheme"],
        concepts,
        aliases=aliases,
        source=url,
        language_tags=spec.get("iso") == "language",
    )
    elapsed = (time.perf_counter() - started) * 1000
    log.debug("code list %s: %d concepts in %.1f ms", name, len(codes), elapsed)

    return codes


def _read_enumerations(path: Path, url: str) -> tuple[str, list[tuple[str, str]]]:
    entries: list[tuple[str, str]] = []
    namespace = ""
    try:
        events = etree.iterparse(
            str(path),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        for event, element in events:
            if event == "start":
                if element.tag == _XS + "schema":
                    namespace = element.get("targetNamespace", "")
                continue
            if element.tag == _XS + "enumeration":
                label = element.findtext(f"{_XS}annotation/{_XS}documentation")
                entries.append(
                    (element.get("value", ""), " ".join((label or "").split()))
                )
                element.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        raise ArtefactError(
            f"code list {url} ({path}) is not well-formed XML: {exc}"
        ) from exc

    return namespace, entries


def _concept(iri: str, label: str, spec: Mapping[str, Any]) -> Concept:
    notation = re.split(r"[/#]", iri)[-1]
    label = spec.get("label_corrections", {}).get(notation, label)
    if not label and spec.get("iso") == "language":
        found = pycountry.languages.get(alpha_3=notation.lower())
        label = found.name if found is not None else ""

    return Concept(
        iri=iri,
        scheme=spec["scheme"],
        labels={"en": label} if label else {},
        notation=notation,
    )


def _iso_aliases(kind: str | None, notations: set[str | None]) -> dict[str, str]:
    if kind == "country":
        pairs = ((entry.alpha_2, entry.alpha_3) for entry in pycountry.countries)
    elif kind == "language":
        pairs = (
            (entry.alpha_2, entry.alpha_3.upper())
            for entry in pycountry.languages
            if hasattr(entry, "alpha_2")
        )
    else:
        return {}

    return {short: code for short, code in pairs if code in notations}


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()

    return "".join(_SEPARATORS.sub(" ", folded).split())


def _show(concept: Concept) -> str:
    if concept.notation is None:
        return concept.iri

    return f"{concept.notation!r} ({concept.label})"
