"""SKOS vocabularies of the Aurora micro-credential profile (W3C SKOS Reference).

The Aurora profile aligns an offering with concepts of four kinds of
vocabulary, each a ``skos:ConceptScheme`` whose ``skos:Concept`` members carry
``skos:inScheme``, ``skos:prefLabel`` and optionally ``skos:notation`` and
``skos:altLabel`` (SKOS Reference §4 Concept Schemes, §5 Lexical Labels, §6
Notations):

* the 17 UN Sustainable Development Goals (built in, ``data/aurora/sdg.ttl``);
* the 8 key competences for lifelong learning of the 2018 Council
  Recommendation (built in, ``data/aurora/key-competences.ttl``);
* the alliance's Educational Hubs and its transversal competence frameworks,
  which the alliance supplies as Turtle files named in the configuration
  (:mod:`aurora_edc._aurora_config`).

A vocabulary resolves what records carry (a concept IRI, its notation, the
last segment of its IRI, or a preferred or alternative label) to a
:class:`~aurora_edc._vocab.Concept`, so Aurora concepts are embedded in a
credential exactly as the official code lists are.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.exceptions import ParserError

from ._exceptions import InputError, UnknownCodeError
from ._vocab import CodeList, Concept

__all__ = [
    "BUILTIN_VOCABULARIES",
    "SKOSVocabulary",
    "builtin_vocabulary",
    "read_skos_vocabulary",
]

log = logging.getLogger(__name__)

# Vocabulary files are small lists; refuse anything that is clearly not one.
MAX_VOCABULARY_BYTES = 16 * 1024 * 1024
MAX_CONCEPTS = 50_000

BUILTIN_VOCABULARIES = {"sdg": "sdg.ttl", "key-competence": "key-competences.ttl"}
_EXAMPLE_PREFIXES = ("https://example.org/", "http://example.org/")


@dataclass(frozen=True)
class SKOSVocabulary:
    """One SKOS concept scheme, with lookups by IRI, notation and label.

    Attributes:
        name: Short name used in records and configuration (``sdg``, ``hub``,
            or a framework's name).
        scheme: IRI of the ``skos:ConceptScheme``.
        title: The scheme's English ``skos:prefLabel`` (or its IRI).
        source: File the vocabulary was read from.
        codes: The concepts, resolved as code lists are (see
            :meth:`~aurora_edc._vocab.CodeList.resolve`).

    """

    name: str
    scheme: str
    title: str
    source: str
    codes: CodeList

    @property
    def is_example(self) -> bool:
        """Whether the scheme is a made-up example (IRI under example.org)."""
        return self.scheme.startswith(_EXAMPLE_PREFIXES)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, item: object) -> bool:
        return item in self.codes

    def resolve(
        self, value: str | int, *, path: str | None = None, record_id: str | None = None
    ) -> Concept:
        """Return the concept a record value names.

        Args:
            value: Concept IRI, notation, last IRI segment, or a preferred or
                alternative label (case and separators ignored).
            path: Field path of the value, copied into the error.
            record_id: Record the value comes from, copied into the error.

        Returns:
            The concept.

        Raises:
            UnknownCodeError: No concept of the scheme matches; the message
                names the vocabulary and up to three close matches.

        """
        return self.codes.resolve(value, path=path, record_id=record_id)


def read_skos_vocabulary(path: Path, name: str) -> SKOSVocabulary:
    """Read a SKOS concept scheme from a Turtle file.

    The file holds exactly one ``skos:ConceptScheme``; its concepts are the
    ``skos:Concept`` resources with ``skos:inScheme`` (or
    ``skos:topConceptOf``) that scheme. A preferred label without a language
    tag is taken as English.

    Args:
        path: The Turtle file.
        name: Short name of the vocabulary.

    Returns:
        The vocabulary.

    Raises:
        InputError: The file cannot be read, is not Turtle, is too large, or
            does not hold exactly one concept scheme with concepts.

    """
    graph = _parse(path)
    schemes = sorted(str(s) for s in graph.subjects(RDF.type, SKOS.ConceptScheme))
    if len(schemes) != 1:
        raise InputError(
            f"a vocabulary file holds exactly one skos:ConceptScheme; found "
            f"{len(schemes)} ({', '.join(schemes[:3]) or 'none'})",
            source=str(path),
        )
    scheme = URIRef(schemes[0])
    members = set(graph.subjects(SKOS.inScheme, scheme))
    members |= set(graph.subjects(SKOS.topConceptOf, scheme))
    concepts = [
        _concept(graph, node, schemes[0])
        for node in sorted(members, key=str)
        if isinstance(node, URIRef) and (node, RDF.type, SKOS.Concept) in graph
    ]
    if not concepts or len(concepts) > MAX_CONCEPTS:
        raise InputError(
            f"scheme {schemes[0]} has {len(concepts)} skos:Concept members "
            f"with skos:inScheme; expected 1 to {MAX_CONCEPTS}",
            source=str(path),
        )
    aliases = _aliases(graph, concepts)
    codes = CodeList(name, schemes[0], concepts, aliases=aliases, source=str(path))
    title = _labels(graph, scheme, SKOS.prefLabel).get("en", schemes[0])
    vocabulary = SKOSVocabulary(name, schemes[0], title, str(path), codes)
    if vocabulary.is_example:
        log.warning(
            "vocabulary %r (%s) is a made-up EXAMPLE (scheme %s): supply the "
            "alliance's own file in the Aurora configuration",
            name,
            path,
            schemes[0],
        )
    log.debug("vocabulary %s: %d concepts from %s", name, len(codes), path)

    return vocabulary


@functools.lru_cache(maxsize=len(BUILTIN_VOCABULARIES))
def builtin_vocabulary(name: str) -> SKOSVocabulary:
    """Return a vocabulary shipped with aurora-edc, read once per process.

    Args:
        name: ``sdg`` (UN Sustainable Development Goals) or ``key-competence``
            (EU key competences for lifelong learning, 2018).

    Returns:
        The vocabulary.

    Raises:
        UnknownCodeError: ``name`` is not a built-in vocabulary.

    """
    if name not in BUILTIN_VOCABULARIES:
        raise UnknownCodeError(
            f"{name!r} is not a built-in vocabulary; known: "
            f"{', '.join(sorted(BUILTIN_VOCABULARIES))}",
            rule="a built-in Aurora vocabulary",
        )
    data = resources.files("aurora_edc").joinpath(
        f"data/aurora/{BUILTIN_VOCABULARIES[name]}"
    )
    with resources.as_file(data) as path:
        return read_skos_vocabulary(path, name)


def _parse(path: Path) -> Graph:
    try:
        size = path.stat().st_size
        if size > MAX_VOCABULARY_BYTES:
            raise InputError(
                f"vocabulary file of {size} bytes; the limit is {MAX_VOCABULARY_BYTES}",
                source=str(path),
            )
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", source=str(path)) from exc

    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except (SyntaxError, ParserError, ValueError) as exc:
        raise InputError(f"not valid Turtle: {exc}", source=str(path)) from exc

    return graph


def _labels(graph: Graph, node: URIRef, predicate: URIRef) -> dict[str, str]:
    labels: dict[str, str] = {}
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal) and str(value).strip():
            labels.setdefault(value.language or "en", " ".join(str(value).split()))

    return labels


def _concept(graph: Graph, node: URIRef, scheme: str) -> Concept:
    notation = graph.value(node, SKOS.notation)

    return Concept(
        iri=str(node),
        scheme=scheme,
        labels=_labels(graph, node, SKOS.prefLabel),
        notation=str(notation) if notation is not None else None,
    )


def _aliases(graph: Graph, concepts: list[Concept]) -> dict[str, str]:
    """Map alternative labels and last IRI segments to their concept's IRI."""
    aliases: dict[str, str] = {}
    for concept in concepts:
        segment = re.split(r"[/#]", concept.iri.rstrip("/#"))[-1]
        if segment:
            aliases.setdefault(segment, concept.iri)
        for value in graph.objects(URIRef(concept.iri), SKOS.altLabel):
            if isinstance(value, Literal) and str(value).strip():
                aliases.setdefault(str(value), concept.iri)

    return aliases
