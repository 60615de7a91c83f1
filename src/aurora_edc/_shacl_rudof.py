"""pyrudof as a second SHACL engine for the EDC profiles (W3C SHACL, §3 Validation).

pySHACL stays the reference (:mod:`aurora_edc._shacl`); pyrudof (Rust) gives
the same results on every EC sample and profile (notes/elm.md §5.4; the tests
compare both on every fixture) in a fraction of the time. This module holds
one pyrudof session per thread and profile: the shapes are read once, then
each credential is read as N-Triples into a staging frame, validated, and
rolled back, so the data never piles up.

Behaviour of pyrudof 0.3.35 this relies on, checked by the tests:

* ``read_data`` merges into the loaded data by default, although its docstring
  says it replaces; the staging frame makes that irrelevant;
* a staging frame cannot be opened on empty data, so one seed triple (no
  ``rdf:type``, hence never a focus node) is loaded first;
* a rollback restores the seed exactly and clears the validation results;
* N-Triples are read strictly: a bad line raises rather than being skipped,
  which would change what is validated.

Results are :class:`RudofResult` records (focus node, path, constraint
component, severity, shape, value, message) as pyrudof words them; callers
that report findings to people use pySHACL's wording (see
:meth:`aurora_edc.SHACLValidator.validate`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exceptions import ArtefactError, InputError
from ._report import Finding, Severity

__all__ = ["RudofResult", "RudofSession", "pyrudof_available", "rudof_session"]

log = logging.getLogger(__name__)

_SEED = '<urn:aurora-edc:seed> <urn:aurora-edc:seed> "seed" .\n'
_SEVERITIES = {
    "Violation": Severity.VIOLATION,
    "Warning": Severity.WARNING,
    "Info": Severity.INFO,
}


def pyrudof_available() -> bool:
    """Return whether pyrudof can be imported (the ``fast`` extra)."""
    try:
        import pyrudof  # noqa: F401
    except ImportError:
        return False

    return True


@dataclass(frozen=True)
class RudofResult:
    """One validation result of pyrudof, as plain text.

    Attributes:
        focus: Focus node IRI (or blank node label).
        path: Result path; a simple path is the property IRI.
        component: Full IRI of the source constraint component.
        severity: ``Violation``, ``Warning`` or ``Info``.
        shape: Source shape IRI, or None.
        value: The offending value, or None.
        message: pyrudof's message.

    """

    focus: str
    path: str | None
    component: str
    severity: str
    shape: str | None
    value: str | None
    message: str

    def to_finding(self) -> Finding:
        """Return the result as a :class:`~aurora_edc.Finding` (check ``shacl``)."""
        return Finding(
            message=self.message.strip('"'),
            severity=_SEVERITIES.get(self.severity, Severity.VIOLATION),
            focus=self.focus,
            path=self.path,
            constraint=self.component,
            shape=self.shape,
            value=self.value,
        )


class RudofSession:
    """A pyrudof session holding the shapes of one profile.

    Not thread-safe: use :func:`rudof_session`, which keeps one per thread.

    Args:
        files: The profile's Turtle shape files (its ``owl:imports`` closure).
        name: Profile name, for messages.

    Raises:
        ArtefactError: pyrudof is not installed, or refuses the shapes.

    """

    def __init__(self, files: tuple[Path, ...], name: str) -> None:
        try:
            import pyrudof
        except ImportError as exc:
            raise ArtefactError(
                "the pyrudof SHACL engine needs the 'fast' extra: "
                "pip install 'aurora-edc[fast]'"
            ) from exc
        self.name = name
        self._pyrudof = pyrudof
        started = time.perf_counter()
        self._rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        try:
            self._rudof.read_shacl(_shapes_text(files), pyrudof.ShaclFormat.Turtle)
            self._rudof.read_data(_SEED, pyrudof.RDFFormat.NTriples)
        except pyrudof.RudofError as exc:
            raise ArtefactError(
                f"pyrudof cannot load the shapes of {name!r}: {exc}"
            ) from exc
        log.debug(
            "pyrudof session for %s ready in %.0f ms",
            name,
            (time.perf_counter() - started) * 1000,
        )

    def results(
        self, ntriples: str, *, source: str = "<n-triples>"
    ) -> list[RudofResult]:
        """Validate one N-Triples document and return every result.

        Args:
            ntriples: The data graph (one or several credentials).
            source: Label for errors.

        Returns:
            The results; empty when the data conforms with no warning.

        Raises:
            InputError: pyrudof cannot read the data or fails on it.

        """
        pyrudof = self._pyrudof
        rudof = self._rudof
        rudof.begin_staging()
        try:
            rudof.read_data(
                ntriples,
                pyrudof.RDFFormat.NTriples,
                reader_mode=pyrudof.ReaderMode.Strict,
                merge=True,
            )
            report = rudof.validate_shacl()
        except pyrudof.RudofError as exc:
            raise InputError(f"pyrudof failed: {exc}", source=source) from exc
        finally:
            rudof.rollback_staging()

        return [_result(entry) for entry in report]


_SESSIONS = threading.local()


def rudof_session(files: tuple[Path, ...], name: str) -> RudofSession:
    """Return this thread's pyrudof session for a set of shape files.

    Args:
        files: The profile's shape files.
        name: Profile name, for messages.

    Returns:
        The session, created (shapes read) on first use in the thread.

    Raises:
        ArtefactError: pyrudof is missing or refuses the shapes.

    """
    sessions: dict[tuple[Path, ...], RudofSession] | None = getattr(
        _SESSIONS, "by_files", None
    )
    if sessions is None:
        sessions = _SESSIONS.by_files = {}
    if files not in sessions:
        sessions[files] = RudofSession(files, name)

    return sessions[files]


def _shapes_text(files: tuple[Path, ...]) -> str:
    """Join the shape files into one Turtle document.

    Joining is exact when no file sets a base IRI or labels blank nodes
    (``_:x``), which would leak into the next file; the EC's files do
    neither, and other files are refused rather than misread.
    """
    texts = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ArtefactError(f"cannot read shapes {path}: {exc}") from exc
        if "_:" in text or "@base" in text or "\nBASE" in text:
            raise ArtefactError(
                f"shapes {path} set a base IRI or label blank nodes: the "
                "pyrudof engine reads the EC's shape files only; use pyshacl"
            )
        texts.append(text)

    return "\n".join(texts)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _result(entry: Any) -> RudofResult:
    return RudofResult(
        focus=str(entry.focus_node),
        path=_text(entry.path),
        component=str(entry.constraint_component),
        severity=str(entry.severity),
        shape=_text(entry.source_shape),
        value=_text(entry.value),
        message=str(entry.message),
    )
