"""SHACL validation of many credentials at once, for the main job (W3C SHACL §3).

The main job validates every credential it issues against an EDC profile.
With pySHACL (the reference) that costs 70 to 100 ms per credential. With the
pyrudof engine this module validates credentials in batches: the credentials
of a batch are written as one N-Triples document (:class:`NTriplesBatch`,
straight from the model, each shared node once) and validated in one pyrudof
run, a few milliseconds per credential.

Why merging is exact here: the EDC shapes follow properties forwards only
(no inverse paths, no SPARQL, no SHACL-AF targets; checked when the shapes
load, else credentials are validated one by one). A focus node then sees the
same values, and the same nodes below them, in the merged graph as in its own
credential, as long as no node id stands for different triples in two
credentials, which :class:`NTriplesBatch` refuses; so each focus node has the
same results merged and alone, and the merged focus nodes are those of the
credentials alone.

What is reported never depends on the batching or the engine: a batch with no
result at all means every credential of it conforms, and its report holds
only the findings of the context fix-ups (:func:`compensate_context_defects`);
otherwise each credential of the batch is checked alone, and every credential
with a result is validated again by pySHACL, whose report is the one kept.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rdflib import Graph

from ._catalogue import default_catalogue
from ._elm import Node, term, to_graph
from ._exceptions import ArtefactError, InputError
from ._jsonld import _DEFECTS, compensate_context_defects
from ._ntriples import LinesCache, NTriplesBatch
from ._report import Finding, ValidationReport
from ._shacl import SHACLValidator, _shape_files, get_profile
from ._shacl_results import finding_order
from ._shacl_rudof import pyrudof_available, rudof_session

__all__ = ["BulkValidator", "Validator", "resolve_engine"]

log = logging.getLogger(__name__)

Validator = Callable[[Node, str], ValidationReport]

# Shape features that look beyond a focus node's own values (inverse paths,
# SPARQL, SHACL-AF targets and rules, JavaScript): with them, a merged graph
# could validate differently from each credential alone.
_NOT_MERGEABLE = re.compile(
    r"(?:\bsh:|shacl#)(inversePath|sparql|select|ask|target|rule|js\w*)\b"
)


def resolve_engine(engine: str) -> str:
    """Return the engine ``auto`` stands for: pyrudof when installed.

    Args:
        engine: ``auto``, ``pyrudof`` or ``pyshacl``.

    Returns:
        ``pyrudof`` or ``pyshacl``.

    Raises:
        ValueError: The engine is unknown.

    """
    if engine == "auto":
        if pyrudof_available():
            return "pyrudof"
        log.warning("pyrudof is not installed: validating with pySHACL (slower)")
        return "pyshacl"
    if engine not in ("pyrudof", "pyshacl"):
        raise ValueError(
            f"unknown SHACL engine {engine!r}; expected auto, pyrudof or pyshacl"
        )

    return engine


class BulkValidator:
    """Validate credentials against one profile, many at a time.

    Args:
        profile: Profile name (see :func:`aurora_edc.profile_names`).
        engine: ``pyrudof``, ``pyshacl`` or ``auto``.
        custom: A validation step replacing SHACL (called per credential).

    Raises:
        UnknownProfileError: The profile is unknown.
        ArtefactError: The shapes cannot be loaded, or pyrudof is missing.
        ValueError: The engine is unknown.

    """

    def __init__(
        self, profile: str, engine: str = "auto", *, custom: Validator | None = None
    ) -> None:
        self.profile = get_profile(profile)
        self.engine = resolve_engine(engine)
        self._custom = custom
        self._reference: SHACLValidator | None = None
        self._cache = LinesCache()
        self._files: tuple[Path, ...] = ()
        self._mergeable = False
        if self.engine == "pyrudof" and custom is None:
            self._files = _shape_files(self.profile, default_catalogue())
            rudof_session(self._files, self.profile.name)
            self._mergeable = _mergeable(self._files)

    def validate(self, credentials: Sequence[Node]) -> list[ValidationReport]:
        """Validate each credential; return one report each, in order.

        Args:
            credentials: Credential root nodes with unique node ids per
                credential (as :class:`~aurora_edc._build.CredentialBuilder`
                makes them).

        Returns:
            The reports; pySHACL's for every credential pyrudof finds fault
            with.

        Raises:
            InputError: pySHACL failed on a credential.

        """
        if self._custom is not None:
            return [self._custom(c, self.profile.name) for c in credentials]
        if self.engine == "pyshacl":
            return [self.reference(c) for c in credentials]

        owns = [self._cache.walk(c, shortcut=True) for c in credentials]
        fixes = [_context_fixes(own) for own in owns]
        reports: list[ValidationReport | None] = [None] * len(credentials)
        pending = list(range(len(credentials)))
        while pending:
            members, pending, text = self._batch(credentials, owns, fixes, pending)
            checked = self._check_batch(credentials, owns, fixes, members, text)
            for index, report in zip(members, checked, strict=True):
                reports[index] = report

        return [report for report in reports if report is not None]

    def reference(self, credential: Node) -> ValidationReport:
        """Return pySHACL's report on one credential (the reference)."""
        if self._reference is None:
            self._reference = SHACLValidator(self.profile)

        return self._reference.validate(to_graph(credential), source=credential.id)

    def _batch(
        self,
        credentials: Sequence[Node],
        owns: Sequence[Mapping[str, str]],
        fixes: Sequence[tuple[str, tuple[Finding, ...]]],
        pending: list[int],
    ) -> tuple[list[int], list[int], str]:
        """Split off one mergeable batch: its members, the rest, its N-Triples."""
        batch = NTriplesBatch(self._cache)
        members: list[int] = []
        rest: list[int] = []
        for index in pending:
            fits = (self._mergeable or not members) and batch.add(
                credentials[index], fixes[index][0], own=owns[index]
            )
            (members if fits else rest).append(index)

        return members, rest, batch.text()

    def _check_batch(
        self,
        credentials: Sequence[Node],
        owns: Sequence[Mapping[str, str]],
        fixes: Sequence[tuple[str, tuple[Finding, ...]]],
        members: list[int],
        text: str,
    ) -> list[ValidationReport]:
        source = credentials[members[0]].id if len(members) == 1 else "<batch>"
        if not self._finds_anything(text, source):
            return [self._conforming(credentials[i], fixes[i][1]) for i in members]
        if len(members) == 1:
            return [self.reference(credentials[members[0]])]

        # Someone in the batch has a result: find out who, one by one.
        return [
            self._check_batch(
                credentials,
                owns,
                fixes,
                [index],
                self._text_of(credentials[index], owns[index], fixes[index][0]),
            )[0]
            for index in members
        ]

    def _text_of(self, credential: Node, own: Mapping[str, str], extra: str) -> str:
        batch = NTriplesBatch(self._cache)
        batch.add(credential, extra, own=own)

        return batch.text()

    def _finds_anything(self, text: str, source: str) -> bool:
        session = rudof_session(self._files, self.profile.name)
        try:
            return bool(session.results(text, source=source))
        except InputError as exc:
            # Unreadable as N-Triples (an IRI with a space): pySHACL decides.
            log.debug("pyrudof could not read %s: %s", source, exc)
            return True

    def _conforming(
        self, credential: Node, findings: tuple[Finding, ...]
    ) -> ValidationReport:
        return ValidationReport(
            credential.id,
            self.profile.name,
            tuple(sorted(findings, key=finding_order)),
        )


def _mergeable(files: tuple[Path, ...]) -> bool:
    """Tell whether the shapes use only features under which merging is exact."""
    for path in files:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ArtefactError(f"cannot read shapes {path}: {exc}") from exc
        found = _NOT_MERGEABLE.search(text)
        if found:
            log.info(
                "shapes %s use sh:%s: credentials validated one by one",
                path,
                found.group(1),
            )
            return False

    return True


@functools.cache
def _defect_terms() -> frozenset[str]:
    """The terms the EDC context maps to the wrong IRI (read on first use)."""
    return frozenset(
        defect.term
        for defect in _DEFECTS
        if term(defect.term).iri == str(defect.published)
    )


def _context_fixes(own: Mapping[str, str]) -> tuple[str, tuple[Finding, ...]]:
    """Return the triples and findings that the context fix-ups add.

    The same as :func:`compensate_context_defects` on the whole graph, done on
    the few nodes that hold a mis-mapped property.

    Args:
        own: A credential's node id -> N-Triples lines.

    """
    predicates = _defect_predicates()
    texts = [lines for lines in own.values() if any(p in lines for p in predicates)]
    if not texts:
        return "", ()
    graph = Graph()
    graph.parse(data="".join(texts), format="nt")
    fixed, findings = compensate_context_defects(graph)
    added = Graph()
    for triple in fixed:
        if triple not in graph:
            added.add(triple)

    return added.serialize(format="nt"), findings


@functools.cache
def _defect_predicates() -> tuple[str, ...]:
    """The mis-mapped IRIs as N-Triples predicates, spaces around."""
    defects = _defect_terms()

    return tuple(f" <{d.published}> " for d in _DEFECTS if d.term in defects)
