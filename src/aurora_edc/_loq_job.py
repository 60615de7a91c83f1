"""The catalogue job: specifications in, validated LOQ XML files and a report out.

For each specification of a record batch, build its LOQ offering
(:func:`aurora_edc._loq.loq_offering`), write it as an ELM v3 ``Courses``
document and validate that against ``loq.xsd``. Every specification ends as
a written file or as a reported error (record id, field path, rule) or set of
XML Schema violations in ``report.json``; one bad record never stops the
others.

By default each specification gets its own document (``<id>.xml``), the unit
a register entry or a catalogue page is updated by; ``combined`` writes one
``courses.xml`` holding every valid specification instead, each
organisation, place and accreditation once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._build import CredentialBuilder
from ._exceptions import AuroraEDCError, RecordError
from ._issue import RecordOutcome, output_stem, write_atomic
from ._loaders import RecordBatch
from ._loq import LOQOffering, loq_document, loq_offering, loq_report
from ._pipeline import error_outcome
from ._records import Specification

__all__ = ["COMBINED_NAME", "CatalogueReport", "write_catalogue"]

log = logging.getLogger(__name__)

COMBINED_NAME = "courses.xml"
REPORT_NAME = "report.json"


@dataclass
class CatalogueReport:
    """The outcome of every specification (and failed record) of a run."""

    outcomes: list[RecordOutcome]
    combined: bool

    @property
    def ok(self) -> bool:
        """Whether every record was written."""
        return all(outcome.status == "written" for outcome in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as written to ``report.json``."""
        counts = {status: 0 for status in ("written", "invalid", "error")}
        for outcome in self.outcomes:
            counts[outcome.status] += 1

        return {
            "schema": "loq",
            "combined": self.combined,
            "summary": {"inputs": len(self.outcomes), **counts},
            "records": [outcome.to_dict() for outcome in self.outcomes],
        }


def write_catalogue(
    batch: RecordBatch, out_dir: Path, *, combined: bool = False
) -> CatalogueReport:
    """Write the batch's specifications as LOQ XML and ``report.json``.

    Args:
        batch: Records read by :func:`aurora_edc._loaders.load_records`;
            awards are ignored, record errors are reported.
        out_dir: Output directory.
        combined: One ``courses.xml`` for all specifications instead of one
            file per specification.

    Returns:
        The report, also written to ``out_dir / "report.json"``.

    Raises:
        ArtefactError: ``loq.xsd`` cannot be loaded.

    """
    out_dir.mkdir(parents=True, exist_ok=True)
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    outcomes = [
        error_outcome(error, error.source or error.record_id or "?")
        for error in batch.errors
    ]
    valid: list[tuple[RecordOutcome, LOQOffering]] = []
    for spec in batch.specifications.values():
        outcome, offering = _one(builder, spec, out_dir, write=not combined)
        outcomes.append(outcome)
        if offering is not None:
            valid.append((outcome, offering))
    if combined and valid:
        _write_combined(valid, out_dir)
    report = CatalogueReport(outcomes, combined)
    write_atomic(
        out_dir / REPORT_NAME,
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False).encode("utf-8"),
    )
    log.info(
        "catalogue: %d of %d record(s) written into %s",
        sum(o.status == "written" for o in outcomes),
        len(outcomes),
        out_dir,
    )

    return report


def _one(
    builder: CredentialBuilder, spec: Specification, out_dir: Path, *, write: bool
) -> tuple[RecordOutcome, LOQOffering | None]:
    """Build, validate and (unless combined) write one specification."""
    spec_id = spec.id
    try:
        offering = loq_offering(builder, spec)
    except RecordError as exc:
        exc.record_id = exc.record_id or spec_id
        return error_outcome(exc, spec_id), None
    except AuroraEDCError as exc:
        error = {"message": str(exc), "kind": type(exc).__name__}
        return RecordOutcome(spec_id, spec_id, "error", error=error), None

    document = loq_document([offering])
    report = loq_report(document, source_name=spec_id)
    findings = [finding.to_dict() for finding in report.findings]
    if not report.conforms:
        return RecordOutcome(spec_id, spec_id, "invalid", findings=findings), None
    files = []
    if write:
        name = f"{output_stem(spec_id)}.xml"
        write_atomic(out_dir / name, document.data)
        files.append(name)

    return RecordOutcome(spec_id, spec_id, "written", files, findings), offering


def _write_combined(
    valid: list[tuple[RecordOutcome, LOQOffering]], out_dir: Path
) -> None:
    document = loq_document([offering for _, offering in valid])
    report = loq_report(document, source_name=COMBINED_NAME)
    if not report.conforms:
        findings = [finding.to_dict() for finding in report.violations]
        for outcome, _ in valid:
            outcome.status = "invalid"
            outcome.findings = findings
        return
    write_atomic(out_dir / COMBINED_NAME, document.data)
    for outcome, _ in valid:
        outcome.files = [COMBINED_NAME]
