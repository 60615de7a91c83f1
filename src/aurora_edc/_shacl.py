"""SHACL validation of EDC credentials against the official ELM v3 profiles.

Implements conformance checking of a European Digital Credential (EDC
application profile of ELM v3) with the EC's SHACL shapes (W3C SHACL, §3
Validation and §3.6 Validation Report). A profile is a set of shape sources
validated together; the EC files name their dependencies by ``owl:imports``,
which is resolved offline through the artefact catalogue (``closure``), so
``edc-accredited`` means accredited + generic-full + generic-no-cv, as the EC
intends. Shapes are parsed once per process per set of files.

pySHACL is the reference engine; ``engine="pyrudof"`` screens each credential
with pyrudof (:mod:`aurora_edc._shacl_rudof`) and calls pySHACL only when
pyrudof reports a result, so every reported result comes from pySHACL. Each
``sh:ValidationResult`` becomes a :class:`~aurora_edc.Finding`, and the findings
of the JSON-LD reading (keys the context drops, defects of the EDC context)
join them in one report, with a ``structure`` Violation unless a credential
holds exactly one ``elm:EuropeanDigitalCredential`` (at least one for an rdflib
graph, which may merge several): the shapes, which target that class, would
pass any graph without one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rdflib import Graph

from ._catalogue import ArtefactCatalogue, default_catalogue
from ._exceptions import (
    ArtefactError,
    InputError,
    SHACLConformanceError,
    UnknownProfileError,
)
from ._jsonld import (
    MAX_TRIPLES,
    CredentialGraph,
    compensate_context_defects,
    parse_credential,
)
from ._report import Finding, ValidationReport
from ._shacl_results import (
    compact_iri,
    finding_order,
    findings_from_report,
    locate,
    root_findings,
)
from ._shacl_rudof import rudof_session

__all__ = [
    "DEFAULT_PROFILE",
    "ENGINES",
    "SHACLValidator",
    "ShapeProfile",
    "compact_iri",
    "credential_report",
    "get_profile",
    "is_valid_credential",
    "iter_credential_findings",
    "profile_names",
    "validate_credential",
]

log = logging.getLogger(__name__)

CredentialData = (
    os.PathLike[str] | bytes | str | Mapping[str, Any] | Graph | CredentialGraph
)

DEFAULT_PROFILE = "edc-generic-full"
ENGINES = ("pyshacl", "pyrudof")

_AP = "http://data.europa.eu/snb/model/ap/"


@dataclass(frozen=True)
class ShapeProfile:
    """A named set of SHACL shape sources validated together.

    Attributes:
        name: Profile name, as given to ``--profile``.
        shapes: Shape sources: a string is the canonical URL of a catalogue
            artefact, taken with its ``owl:imports`` closure; a
            :class:`~pathlib.Path` is a local Turtle file taken as is (list
            what it imports as catalogue URLs beside it).
        description: One line on what the profile adds.

    """

    name: str
    shapes: tuple[str | Path, ...]
    description: str = ""


_BUILTIN: dict[str, ShapeProfile] = {
    profile.name: profile
    for profile in (
        ShapeProfile(
            "edc-generic-full",
            (_AP + "edc-generic-full",),
            "base EDC shapes plus the controlled-vocabulary (skos:inScheme) rules",
        ),
        ShapeProfile(
            "edc-generic-no-cv",
            (_AP + "edc-generic-no-cv",),
            "base EDC shapes: mandatory properties, datatypes, classes",
        ),
        ShapeProfile(
            "edc-accredited",
            (_AP + "edc-accredited",),
            "generic-full plus evidence of an accreditation",
        ),
        ShapeProfile(
            "edc-diploma-supplement",
            (_AP + "edc-diploma-supplement",),
            "accredited plus the diploma supplement's mandatory fields",
        ),
        ShapeProfile(
            "edc-issued-by-mandate",
            (_AP + "edc-issued-by-mandate",),
            "generic-full plus an evidence statement of the mandate",
        ),
        ShapeProfile(
            "edc-converted",
            (_AP + "edc-converted",),
            "generic-full plus the embedded original document as evidence",
        ),
    )
}


# Profiles built at first use from a configuration: name -> loader module.
# ``aurora``: the Aurora micro-credential shapes, rules generated from the
# Aurora configuration, and edc-generic-full (aurora_edc._aurora_shacl).
_CONFIGURED = {"aurora": "https://w3id.org/aurora-edc/ap/aurora-microcredential"}


def profile_names() -> tuple[str, ...]:
    """Return the names of the built-in SHACL profiles, the default first."""
    others = sorted([*(n for n in _BUILTIN if n != DEFAULT_PROFILE), *_CONFIGURED])

    return (DEFAULT_PROFILE, *others)


def get_profile(profile: str | ShapeProfile) -> ShapeProfile:
    """Return a profile by name or by its ontology IRI (``credentialSchema.id``).

    Args:
        profile: A built-in name, an EC profile IRI, or a profile object.

    Returns:
        The profile.

    Raises:
        UnknownProfileError: No built-in profile has that name.
        InputError: ``aurora``: the Aurora configuration is unusable.

    """
    if isinstance(profile, ShapeProfile):
        return profile
    name = profile.removeprefix(_AP).rstrip("/")
    if name in _CONFIGURED or profile in _CONFIGURED.values():
        from ._aurora_shacl import aurora_profile

        return aurora_profile()
    if name not in _BUILTIN:
        raise UnknownProfileError(
            f"unknown SHACL profile {profile!r}; expected one of "
            f"{', '.join(profile_names())}"
        )

    return _BUILTIN[name]


# --- shapes, parsed once --------------------------------------------------

_SHAPES: dict[tuple[Path, ...], Graph] = {}
_SHAPES_LOCK = threading.Lock()


def _shapes_graph(profile: ShapeProfile, catalogue: ArtefactCatalogue) -> Graph:
    files = _shape_files(profile, catalogue)
    with _SHAPES_LOCK:
        if files not in _SHAPES:
            _SHAPES[files] = _parse_shapes(files, profile.name)

        return _SHAPES[files]


def _shape_files(
    profile: ShapeProfile, catalogue: ArtefactCatalogue
) -> tuple[Path, ...]:
    files: list[Path] = []
    for source in profile.shapes:
        if isinstance(source, Path):
            found = [source]
        else:
            found = [catalogue.path(entry.url) for entry in catalogue.closure(source)]
        files.extend(path for path in found if path not in files)

    return tuple(files)


def _parse_shapes(files: tuple[Path, ...], name: str) -> Graph:
    started = time.perf_counter()
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except (OSError, SyntaxError) as exc:
            raise ArtefactError(
                f"shapes of profile {name!r}: cannot read {path}: {exc}"
            ) from exc
    log.debug(
        "profile %s: %d shape triples from %d files in %.0f ms",
        name,
        len(graph),
        len(files),
        (time.perf_counter() - started) * 1000,
    )

    return graph


# --- validation -----------------------------------------------------------


class SHACLValidator:
    """Validate credentials against one SHACL profile.

    The profile's shapes are parsed on first use and shared by every
    validator of the process that resolves to the same files.

    Args:
        profile: Profile name (see :func:`profile_names`), EC profile IRI, or
            a :class:`ShapeProfile`.
        engine: ``pyshacl`` (the reference), or ``pyrudof``: pyrudof screens,
            and pySHACL reports whenever pyrudof finds anything.
        catalogue: Where shapes and contexts come from; the default catalogue.

    Raises:
        UnknownProfileError: The profile name is unknown.
        ArtefactError: A shape file is missing, altered, or not Turtle, or
            the pyrudof engine is asked for without pyrudof installed.
        ValueError: The engine is not one of :data:`ENGINES`.

    """

    def __init__(
        self,
        profile: str | ShapeProfile = DEFAULT_PROFILE,
        *,
        engine: str = "pyshacl",
        catalogue: ArtefactCatalogue | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(
                f"unknown SHACL engine {engine!r}; expected one of {ENGINES}"
            )
        self.profile = get_profile(profile)
        self.engine = engine
        self._catalogue = catalogue or default_catalogue()
        self.shapes = _shapes_graph(self.profile, self._catalogue)
        self._rudof_files = None
        if engine == "pyrudof":
            self._rudof_files = _shape_files(self.profile, self._catalogue)
            rudof_session(self._rudof_files, self.profile.name)

    def validate(
        self,
        data: CredentialData,
        *,
        source: str | None = None,
        format: str | None = None,
        max_triples: int = MAX_TRIPLES,
    ) -> ValidationReport:
        """Validate one credential and report every finding.

        Args:
            data: A path, bytes, JSON-LD text, a parsed JSON object, an rdflib
                graph, or a :class:`CredentialGraph` (see
                :func:`~aurora_edc.parse_credential` for the accepted files).
            source: Label used in the report; defaults to the path.
            format: ``json-ld``, ``turtle`` or ``nt``, overriding the suffix.
            max_triples: Most triples a credential read from a document may
                have (a graph passed in is taken as it is); raise it for large
                credentials you trust, at about 0.3 ms per triple.

        Returns:
            The report: context findings, structure findings (no EDC node;
            for a document or :class:`CredentialGraph`, more than one) and
            SHACL results, Violations first.

        Raises:
            InputError: The credential cannot be read, is over ``max_triples``,
                or pySHACL failed on it.
            ArtefactError: A context or shape file is unusable.

        """
        credential = _credential(data, source, format, self._catalogue, max_triples)
        graph, fixes = compensate_context_defects(credential.graph)
        roots = root_findings(graph, single=not isinstance(data, Graph))

        started = time.perf_counter()
        results = self._results(graph, credential.source)
        log.debug(
            "%s against %s: %d results in %.0f ms",
            credential.source,
            self.profile.name,
            len(results),
            (time.perf_counter() - started) * 1000,
        )
        findings = sorted(
            (*credential.findings, *fixes, *roots, *results), key=finding_order
        )

        return ValidationReport(credential.source, self.profile.name, tuple(findings))

    def _results(self, graph: Graph, source: str) -> list[Finding]:
        # No triple, no focus node (and pyrudof refuses empty input).
        if len(graph) == 0:
            return []
        if self._rudof_files is not None and not rudof_session(
            self._rudof_files, self.profile.name
        ).results(graph.serialize(format="nt"), source=source):
            return []

        return _run_pyshacl(graph, self.shapes, self.profile.name, source)


def credential_report(
    data: CredentialData,
    profile: str | ShapeProfile = DEFAULT_PROFILE,
    *,
    source: str | None = None,
    format: str | None = None,
    engine: str = "pyshacl",
    catalogue: ArtefactCatalogue | None = None,
    max_triples: int = MAX_TRIPLES,
) -> ValidationReport:
    """Validate a credential against a SHACL profile and return the report.

    Args:
        data: The credential (see :meth:`SHACLValidator.validate`).
        profile: Profile name, EC profile IRI or :class:`ShapeProfile`.
        source: Label used in the report; defaults to the path.
        format: ``json-ld``, ``turtle`` or ``nt``, overriding the suffix.
        engine: SHACL engine: ``pyshacl`` or ``pyrudof``.
        catalogue: Where shapes and contexts come from; the default catalogue.
        max_triples: Most triples of a credential read from a document.

    Returns:
        Every finding, whether or not the credential conforms.

    Raises:
        InputError: The credential cannot be read, or is over ``max_triples``.
        UnknownProfileError: The profile name is unknown.
        ArtefactError: A context or shape file is unusable.

    """
    validator = SHACLValidator(profile, engine=engine, catalogue=catalogue)

    return validator.validate(
        data, source=source, format=format, max_triples=max_triples
    )


def iter_credential_findings(
    data: CredentialData,
    profile: str | ShapeProfile = DEFAULT_PROFILE,
    **options: Any,
) -> Iterator[Finding]:
    """Yield each finding of :func:`credential_report`, Violations first.

    Args:
        data: The credential (see :meth:`SHACLValidator.validate`).
        profile: Profile name, EC profile IRI or :class:`ShapeProfile`.
        **options: ``source``, ``format``, ``engine``, ``catalogue``,
            ``max_triples``.

    Yields:
        The findings.

    Raises:
        InputError: The credential cannot be read.
        UnknownProfileError: The profile name is unknown.

    """
    yield from credential_report(data, profile, **options).findings


def is_valid_credential(
    data: CredentialData,
    profile: str | ShapeProfile = DEFAULT_PROFILE,
    **options: Any,
) -> bool:
    """Return whether a credential has no finding of severity Violation.

    Args:
        data: The credential (see :meth:`SHACLValidator.validate`).
        profile: Profile name, EC profile IRI or :class:`ShapeProfile`.
        **options: ``source``, ``format``, ``engine``, ``catalogue``,
            ``max_triples``.

    Returns:
        True when it conforms.

    Raises:
        InputError: The credential cannot be read (unusable is not invalid).
        UnknownProfileError: The profile name is unknown.

    """
    return credential_report(data, profile, **options).conforms


def validate_credential(
    data: CredentialData,
    profile: str | ShapeProfile = DEFAULT_PROFILE,
    **options: Any,
) -> ValidationReport:
    """Validate a credential, raising when it does not conform.

    Args:
        data: The credential (see :meth:`SHACLValidator.validate`).
        profile: Profile name, EC profile IRI or :class:`ShapeProfile`.
        **options: ``source``, ``format``, ``engine``, ``catalogue``,
            ``max_triples``.

    Returns:
        The report of a conforming credential (it may hold Info or Warning
        findings).

    Raises:
        SHACLConformanceError: A finding has severity Violation; the error's
            ``results`` hold every finding.
        InputError: The credential cannot be read.
        UnknownProfileError: The profile name is unknown.

    """
    report = credential_report(data, profile, **options)
    if not report.conforms:
        first = report.violations[0]
        raise SHACLConformanceError(
            f"{report.source} does not conform to {report.profile}: "
            f"{len(report.violations)} violation(s); first: "
            f"{locate(first)}{first.message}",
            report.findings,
        )

    return report


def _credential(
    data: CredentialData,
    source: str | None,
    format: str | None,
    catalogue: ArtefactCatalogue,
    max_triples: int,
) -> CredentialGraph:
    if isinstance(data, CredentialGraph):
        return replace(data, source=source) if source else data
    if isinstance(data, Graph):
        return CredentialGraph(data, source or "<graph>")

    return parse_credential(
        data,
        format=format,
        source=source,
        catalogue=catalogue,
        max_triples=max_triples,
    )


def _run_pyshacl(
    graph: Graph, shapes: Graph, profile: str, source: str
) -> list[Finding]:
    # pySHACL (and rdflib's SPARQL engine under it) loads on first use: the
    # bulk path's workers need it only when pyrudof finds something.
    import pyshacl
    from pyshacl.errors import (
        ConstraintLoadError,
        ReportableRuntimeError,
        ShapeLoadError,
    )

    try:
        _, report, _ = pyshacl.validate(
            graph,
            shacl_graph=shapes,
            inference="none",
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            advanced=False,
            do_owl_imports=False,
        )
    except (ShapeLoadError, ConstraintLoadError) as exc:
        raise ArtefactError(
            f"pySHACL cannot load the shapes of {profile!r}: {exc}"
        ) from exc
    except ReportableRuntimeError as exc:
        raise InputError(
            f"pySHACL failed on the credential: {exc}", source=source
        ) from exc

    return findings_from_report(report, shapes)
