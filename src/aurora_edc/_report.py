"""Validation findings and reports shared by the SHACL and XSD checks.

One vocabulary for both kinds of conformance check, so that ``validate`` prints
and serialises them alike: a :class:`Finding` locates one fault (SHACL focus
node, result path and constraint component; or XML path, source line and
schema component) and a :class:`ValidationReport` holds the findings of one
document against one profile or schema. Severities are those of SHACL
(``sh:Violation``, ``sh:Warning``, ``sh:Info``); an XSD error is a Violation.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Finding", "Severity", "ValidationReport"]


class Severity(enum.Enum):
    """Severity of a finding, as ``sh:severity`` defines it."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class Finding:
    """One fault found in a document.

    Attributes:
        message: What was expected and what was found.
        severity: Violation, Warning or Info.
        check: Which check found it: ``shacl``, ``xsd``, ``context`` (a JSON
            key or term the context does not map), ``record``.
        focus: SHACL focus node, or the XPath of the XML element at fault.
        path: SHACL result path (property IRI or path expression).
        constraint: SHACL constraint component, or the XSD component.
        shape: SHACL source shape.
        value: The offending value, shortened.
        line: Source line, for XML.

    """

    message: str
    severity: Severity = Severity.VIOLATION
    check: str = "shacl"
    focus: str | None = None
    path: str | None = None
    constraint: str | None = None
    shape: str | None = None
    value: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data, omitting empty fields."""
        data = asdict(self)
        data["severity"] = self.severity.value

        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class ValidationReport:
    """Findings of one document against one profile or schema.

    Attributes:
        source: File name or label of the document.
        profile: Profile name (``edc-generic-full``) or schema name.
        findings: Every finding, Violations first.

    """

    source: str
    profile: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def conforms(self) -> bool:
        """Whether no finding has severity Violation."""
        return not any(f.severity is Severity.VIOLATION for f in self.findings)

    @property
    def violations(self) -> tuple[Finding, ...]:
        """The findings of severity Violation."""
        return tuple(f for f in self.findings if f.severity is Severity.VIOLATION)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "source": self.source,
            "profile": self.profile,
            "conforms": self.conforms,
            "findings": [finding.to_dict() for finding in self.findings],
        }
