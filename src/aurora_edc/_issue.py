"""The main job: records in, validated EDC files and a report out.

For each award, build the credential (:mod:`aurora_edc._build`), validate it
against the chosen SHACL profile, and write it in each requested format. Every
input record ends either as written files or as a reported error or set of
violations in ``report.json``; one bad record never stops the others. Files
are written atomically (temporary file, then rename), so an interrupted run
leaves no half-written credential.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ._build import CredentialBuilder
from ._elm import Node, format_datetime, to_graph
from ._exceptions import AuroraEDCError, RecordError
from ._loaders import RecordBatch, SourcedAward
from ._report import ValidationReport
from ._serialize import WRITERS

__all__ = [
    "IssueOptions",
    "IssueReport",
    "RecordOutcome",
    "issue_batch",
    "output_stem",
]

log = logging.getLogger(__name__)

REPORT_NAME = "report.json"
Validator = Callable[[Node, str], ValidationReport]


@dataclass(frozen=True)
class IssueOptions:
    """How the main job runs.

    Attributes:
        out_dir: Directory for the credential files and ``report.json``.
        formats: Output formats, names of :data:`aurora_edc._serialize.WRITERS`.
        profile: SHACL profile each credential must conform to; also the
            profile the credential declares in ``credentialSchema`` when it is
            an official EDC profile.
        validate: Whether to validate; switch off only when another step
            validates (a credential is then written unchecked).
        issued: Issue time for awards that give none; the start of the run
            by default.
        keep_invalid: Also write non-conforming credentials, under
            ``out_dir/invalid/``, for inspection.

    """

    out_dir: Path
    formats: tuple[str, ...] = ("jsonld",)
    profile: str = "edc-generic-full"
    validate: bool = True
    issued: datetime | None = None
    keep_invalid: bool = False


@dataclass
class RecordOutcome:
    """What became of one input record.

    Attributes:
        record: The record id (award id), or its source position.
        source: Where it was read (``roster.csv:12``).
        status: ``written``, ``invalid`` (violations) or ``error``.
        files: Files written, relative to the output directory.
        findings: Validation findings (Violations and Warnings).
        error: The record error: message, field path and rule.

    """

    record: str
    source: str
    status: Literal["written", "invalid", "error"]
    files: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready data."""
        data: dict[str, Any] = {
            "record": self.record,
            "source": self.source,
            "status": self.status,
        }
        if self.files:
            data["files"] = self.files
        if self.findings:
            data["findings"] = self.findings
        if self.error:
            data["error"] = self.error

        return data


@dataclass
class IssueReport:
    """The outcome of every input record of a run."""

    outcomes: list[RecordOutcome]
    profile: str
    formats: tuple[str, ...]
    issued: datetime

    @property
    def failed(self) -> int:
        """Number of records not written."""
        return sum(outcome.status != "written" for outcome in self.outcomes)

    @property
    def ok(self) -> bool:
        """Whether every record was written."""
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        """Return the report as written to ``report.json``."""
        counts = {status: 0 for status in ("written", "invalid", "error")}
        for outcome in self.outcomes:
            counts[outcome.status] += 1

        return {
            "profile": self.profile,
            "formats": list(self.formats),
            "issued": format_datetime(self.issued),
            "summary": {"inputs": len(self.outcomes), **counts},
            "records": [outcome.to_dict() for outcome in self.outcomes],
        }


def output_stem(record_id: str) -> str:
    """Return a safe, deterministic file stem for a record id.

    Ids that are not already safe file names get a short hash, so two ids
    that clean to the same text never share a file.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", record_id).strip("._")[:80] or "record"
    if cleaned == record_id:
        return cleaned

    return f"{cleaned}-{hashlib.sha256(record_id.encode()).hexdigest()[:8]}"


def issue_batch(
    batch: RecordBatch, options: IssueOptions, *, validator: Validator | None = None
) -> IssueReport:
    """Issue every award of a batch and write ``report.json``.

    Args:
        batch: Records read by :func:`aurora_edc._loaders.load_records`.
        options: Output directory, formats, profile.
        validator: Validation step; the SHACL validator of ``options.profile``
            by default.

    Returns:
        The report, also written to ``options.out_dir / "report.json"``.

    """
    issued = options.issued or datetime.now(UTC).replace(microsecond=0)
    for name in options.formats:
        if name not in WRITERS:
            raise ValueError(
                f"unknown output format {name!r}; known: {sorted(WRITERS)}"
            )
    check = validator or (default_validator() if options.validate else None)
    builder = CredentialBuilder(
        organisations=dict(batch.organisations),
        profile=_declared_profile(options.profile),
    )
    options.out_dir.mkdir(parents=True, exist_ok=True)

    outcomes = [_error_outcome(error, error.record_id or "?") for error in batch.errors]
    outcomes += [
        issue_award(builder, batch, sourced, options, issued, check)
        for sourced in batch.awards
    ]
    report = IssueReport(outcomes, options.profile, options.formats, issued)
    write_atomic(
        options.out_dir / REPORT_NAME,
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False).encode("utf-8"),
    )
    log.info(
        "issued %d of %d records into %s",
        len(outcomes) - report.failed,
        len(outcomes),
        options.out_dir,
    )

    return report


def issue_award(
    builder: CredentialBuilder,
    batch: RecordBatch,
    sourced: SourcedAward,
    options: IssueOptions,
    issued: datetime,
    validator: Validator | None,
) -> RecordOutcome:
    """Build, validate and write one award; never raises for a bad record."""
    award = sourced.award
    try:
        spec = batch.specification_for(award)
        credential = builder.build(spec, award, issued=issued)
    except RecordError as exc:
        exc.record_id = exc.record_id or award.id
        return _error_outcome(exc, sourced.source)
    except AuroraEDCError as exc:
        return RecordOutcome(
            award.id,
            sourced.source,
            "error",
            error={"message": str(exc), "kind": type(exc).__name__},
        )
    except Exception as exc:
        log.exception("internal error while building %s", award.id)
        return RecordOutcome(
            award.id,
            sourced.source,
            "error",
            error={"message": f"internal error: {exc!r}", "kind": "internal"},
        )

    findings: list[dict[str, Any]] = []
    status: Literal["written", "invalid"] = "written"
    if validator is not None:
        report = validator(credential, options.profile)
        findings = [finding.to_dict() for finding in report.findings]
        status = "written" if report.conforms else "invalid"

    # Render every format once; a format with its own check (the XML schema
    # of ELM 1.2 XML) adds its findings, and its Violations make the record
    # invalid like SHACL ones.
    rendered = {name: WRITERS[name].write(credential) for name in options.formats}
    for name, data in rendered.items():
        check = WRITERS[name].check
        if validator is not None and check is not None:
            checked = check(credential, data)
            findings += [{**item.to_dict(), "format": name} for item in checked.findings]
            status = status if checked.conforms else "invalid"
    if status == "invalid" and not options.keep_invalid:
        return RecordOutcome(award.id, sourced.source, "invalid", findings=findings)

    target = options.out_dir if status == "written" else options.out_dir / "invalid"
    files = write_formats(
        credential, target, output_stem(award.id), options.formats, rendered=rendered
    )

    return RecordOutcome(
        award.id,
        sourced.source,
        status,
        findings=findings,
        files=[str(path.relative_to(options.out_dir)) for path in files],
    )


def write_formats(
    credential: Node,
    directory: Path,
    stem: str,
    formats: Iterable[str],
    *,
    rendered: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Write a credential in each format; return the files written.

    ``rendered`` holds bytes already produced for some formats (format name
    -> bytes), which are written as they are.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        writer = WRITERS[name]
        path = directory / f"{stem}{writer.suffix}"
        data = rendered.get(name) if rendered is not None else None
        write_atomic(path, data if data is not None else writer.write(credential))
        written.append(path)

    return written


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see all of it or nothing."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def default_validator() -> Validator:
    """Return the SHACL validation step of the main job (cached shapes per profile).

    The credential's graph comes straight from the model (:func:`to_graph`),
    which equals the JSON-LD's expansion, so no JSON-LD parsing is repeated.
    """
    from ._shacl import SHACLValidator

    validators: dict[str, SHACLValidator] = {}

    def validate(credential: Node, profile: str) -> ValidationReport:
        if profile not in validators:
            validators[profile] = SHACLValidator(profile)
        return validators[profile].validate(to_graph(credential), source=credential.id)

    return validate


def _declared_profile(profile: str) -> str:
    from ._build import PROFILE_IRIS

    return profile if profile in PROFILE_IRIS else "edc-generic-full"


def _error_outcome(error: RecordError, source: str) -> RecordOutcome:
    return RecordOutcome(
        error.record_id or source,
        source,
        "error",
        error={
            "message": str(error.args[0]),
            "path": error.path,
            "rule": error.rule,
            "kind": type(error).__name__,
        },
    )
