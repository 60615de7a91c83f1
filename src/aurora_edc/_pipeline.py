"""Issue a partition of records: build, validate, render, seal and write each one.

The unit of work of the main job (``aurora-edc issue``), shaped so that any
engine can run it: :func:`issue_partition` maps an iterable of award items to
one :class:`RecordOutcome` each, in order, from an :class:`IssueContext` that
pickles. Local worker processes (:mod:`aurora_edc._workers`) and Dask
(:mod:`aurora_edc._dask`) both call it on slices of the input.

What is expensive is prepared once per process (per thread) and context: the
credential builder, which builds each specification's part of the tree once;
the SHACL shapes (:mod:`aurora_edc._issue_shacl`); the seal key. Each record
then becomes an EDC (ELM v3 model), is validated against the profile, rendered
in every requested format (a format may check its own bytes, as ELM 1.2 XML
against its XML schema does), sealed (JAdES for JSON-LD, XAdES for XML) when a
key is given, and written atomically. A bad record yields an ``error`` or
``invalid`` outcome and never stops the others.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._build import PROFILE_IRIS, CredentialBuilder
from ._elm import Node, to_jsonld
from ._exceptions import AuroraEDCError, RecordError
from ._issue_shacl import BulkValidator, Validator
from ._loaders import RecordBatch, SourcedAward
from ._outputs import output_stem, write_files
from ._records import Organisation, Specification
from ._report import ValidationReport
from ._serialize import WRITERS

if TYPE_CHECKING:
    from ._keys import SealKey

__all__ = [
    "IssueContext",
    "IssueOptions",
    "RecordOutcome",
    "SealSettings",
    "issue_partition",
]

log = logging.getLogger(__name__)

Status = Literal["written", "invalid", "error"]


@dataclass(frozen=True)
class SealSettings:
    """The seal applied to each credential: JAdES on JSON-LD, XAdES on XML.

    Attributes:
        key: Private key file, PEM or PKCS#12.
        cert: Seal certificate PEM, unless ``key`` carries it.
        chain: PEM file of issuer certificates.
        password: Password of an encrypted key; never shown.
        tsa_url: RFC 3161 time-stamping authority; makes each seal B-T (one
            request per seal), B-B when None.

    """

    key: Path
    cert: Path | None = None
    chain: Path | None = None
    password: bytes | None = field(default=None, repr=False)
    tsa_url: str | None = None

    def load(self) -> SealKey:
        """Return the checked key, loaded once per process.

        Raises:
            KeyMaterialError: The files are unusable or break the key policy.

        """
        from ._keys import load_seal_key

        return load_seal_key(self.key, self.cert, self.chain, password=self.password)


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
            by default (a resumed run keeps the time of the run it resumes).
        keep_invalid: Also write non-conforming credentials, under
            ``out_dir/invalid/``, for inspection.
        engine: SHACL engine: ``pyrudof`` (fast; pySHACL reports whenever it
            finds anything), ``pyshacl`` (the reference), or ``auto``
            (pyrudof when installed).
        seal: Seal each JSON-LD (JAdES) and XML (XAdES) file; None writes
            them unsealed.

    """

    out_dir: Path
    formats: tuple[str, ...] = ("jsonld",)
    profile: str = "edc-generic-full"
    validate: bool = True
    issued: datetime | None = None
    keep_invalid: bool = False
    engine: str = "auto"
    seal: SealSettings | None = None


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
        sha256: SHA-256 of each file written, for the run journal (not part
            of the report).

    """

    record: str
    source: str
    status: Status
    files: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    sha256: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as JSON-ready data, as ``report.json`` lists it."""
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordOutcome:
        """Return the outcome of a ``report.json`` entry (inverse of ``to_dict``)."""
        return cls(
            data["record"],
            data["source"],
            data["status"],
            files=list(data.get("files", [])),
            findings=list(data.get("findings", [])),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class IssueContext:
    """Everything a worker needs to issue records; it pickles.

    Attributes:
        options: The run's options, with a concrete ``engine``.
        issued: The run's issue time, fixed once for all workers.
        organisations: Organisations by id.
        specifications: Specifications by id.
        token: Identity of the run, under which workers keep their state.

    """

    options: IssueOptions
    issued: datetime
    organisations: Mapping[str, Organisation]
    specifications: Mapping[str, Specification]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def issue_partition(
    records: Iterable[SourcedAward | RecordError],
    context: IssueContext,
    *,
    batch_size: int = 32,
) -> Iterator[RecordOutcome]:
    """Issue each record of a partition; yield one outcome per record, in order.

    Args:
        records: Award items; a :class:`RecordError` (an item that failed to
            read) becomes an ``error`` outcome.
        context: The run's context (the same object for every partition).
        batch_size: Credentials validated together (pyrudof merges them).

    Yields:
        The outcome of each record, in input order.

    Raises:
        ArtefactError: The shapes cannot be loaded.
        KeyMaterialError: The seal key cannot be loaded.

    """
    issuer = record_issuer(context)
    batch: list[SourcedAward | RecordError] = []
    for item in records:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from issuer.issue(batch)
            batch = []
    if batch:
        yield from issuer.issue(batch)


_STATE = threading.local()


def record_issuer(context: IssueContext) -> RecordIssuer:
    """Return this thread's :class:`RecordIssuer` for a context, made once."""
    issuer: RecordIssuer | None = getattr(_STATE, "issuer", None)
    if issuer is None or issuer.context.token != context.token:
        issuer = RecordIssuer(context)
        _STATE.issuer = issuer

    return issuer


class RecordIssuer:
    """Issues records for one context, holding what is prepared once.

    Args:
        context: The run's context.
        validator: Validation step replacing the profile's SHACL validation
            (tests, custom checks); runs one credential at a time.

    Raises:
        ArtefactError: The shapes cannot be loaded.
        KeyMaterialError: The seal key cannot be loaded.

    """

    def __init__(
        self, context: IssueContext, validator: Validator | None = None
    ) -> None:
        options = context.options
        self.context = context
        self.definitions = RecordBatch(
            organisations=dict(context.organisations),
            specifications=dict(context.specifications),
        )
        # The credential declares the profile it is validated against when
        # that is an EC profile; edc-generic-full otherwise.
        declared = options.profile if options.profile in PROFILE_IRIS else None
        self.builder = CredentialBuilder(
            organisations=dict(context.organisations),
            profile=declared or "edc-generic-full",
        )
        self.validator = (
            BulkValidator(options.profile, options.engine, custom=validator)
            if options.validate
            else None
        )
        self.key = options.seal.load() if options.seal is not None else None
        self._shared_parts: Any = None  # ELM 1.2 parts kept (xml only)

    def issue(self, items: Sequence[SourcedAward | RecordError]) -> list[RecordOutcome]:
        """Issue a few records; return their outcomes in order."""
        built = [self._build(item) for item in items]
        credentials = [entry for entry in built if isinstance(entry, Node)]
        reports = iter(self._validate(credentials))
        outcomes = []
        for item, entry in zip(items, built, strict=True):
            if isinstance(entry, RecordOutcome):
                outcomes.append(entry)
                continue
            assert isinstance(item, SourcedAward)
            report = next(reports)
            if isinstance(report, AuroraEDCError):
                outcomes.append(_failure(item, report))
            else:
                outcomes.append(self._finish(item, entry, report))
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome.status != "written" and isinstance(item, SourcedAward):
                self._remove_stale(item.award.id)

        return outcomes

    def _remove_stale(self, record_id: str) -> None:
        """Remove what an earlier run wrote for a record this run did not write.

        ``OUT`` then holds exactly the credentials ``report.json`` lists as
        written, even after a re-run (also with ``--restart``) in which a
        record became invalid. Duplicate award ids never get here.
        """
        options = self.context.options
        stem = output_stem(record_id)
        for name in options.formats:
            stale = options.out_dir / f"{stem}{WRITERS[name].suffix}"
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
                log.info("removed %s, written by an earlier run", stale)

    def _validate(
        self, credentials: list[Node]
    ) -> list[ValidationReport | AuroraEDCError | None]:
        """Validate together; if that fails, one by one, keeping each error."""
        if self.validator is None:
            return [None] * len(credentials)
        try:
            return list(self.validator.validate(credentials))
        except AuroraEDCError as exc:
            if len(credentials) == 1:
                log.warning("validation of %s failed: %s", credentials[0].id, exc)
                return [exc]
        results: list[ValidationReport | AuroraEDCError | None] = []
        for credential in credentials:
            results.extend(self._validate([credential]))

        return results

    def _build(self, item: SourcedAward | RecordError) -> Node | RecordOutcome:
        if isinstance(item, RecordError):
            return error_outcome(item, item.source or item.record_id or "?")
        award = item.award
        try:
            spec = self.definitions.specification_for(award)
            return self.builder.build(spec, award, issued=self.context.issued)
        except RecordError as exc:
            exc.record_id = exc.record_id or award.id
            return error_outcome(exc, item.source)
        except AuroraEDCError as exc:
            return _failure(item, exc)
        except Exception as exc:  # a defect here must not lose the other records
            log.exception("internal error while building %s", award.id)
            return _failure(item, exc, internal=True)

    def _finish(
        self,
        item: SourcedAward,
        credential: Node,
        report: ValidationReport | None,
    ) -> RecordOutcome:
        """Check the formats, seal, write; the record's outcome."""
        try:
            return self._render_and_write(item, credential, report)
        except AuroraEDCError as exc:
            return _failure(item, exc)
        except OSError as exc:
            # A file that cannot be written fails its record, not the run.
            where = f" {exc.filename}" if exc.filename else ""
            failed = OSError(f"cannot write{where}: {exc.strerror or exc}")
            return _failure(item, failed)
        except Exception as exc:  # a defect here must not lose the other records
            log.exception("internal error while writing %s", item.award.id)
            return _failure(item, exc, internal=True)

    def _render_and_write(
        self,
        item: SourcedAward,
        credential: Node,
        report: ValidationReport | None,
    ) -> RecordOutcome:
        options = self.context.options
        award = item.award
        findings: list[dict[str, Any]] = []
        status: Status = "written"
        if report is not None:
            findings = [finding.to_dict() for finding in report.findings]
            status = "written" if report.conforms else "invalid"

        # Render every format once; a format with its own check (the XML schema
        # of ELM 1.2 XML) checks the rendered document, its Violations make the
        # record invalid like SHACL ones, and the seal takes the same document.
        documents = self._render(credential)
        for name, document in documents.items():
            check = WRITERS[name].check
            if report is not None and check is not None:
                checked = check(credential, document)
                findings += [
                    {**finding.to_dict(), "format": name}
                    for finding in checked.findings
                ]
                status = status if checked.conforms else "invalid"
        if status == "invalid" and not options.keep_invalid:
            return RecordOutcome(award.id, item.source, "invalid", findings=findings)

        if self.key is not None and status == "written":
            final = self._seal(credential, documents)
        else:
            final = {
                name: WRITERS[name].to_bytes(credential, document)
                for name, document in documents.items()
            }
        target = options.out_dir if status == "written" else options.out_dir / "invalid"
        files, digests = write_files(
            target, output_stem(award.id), final, options.out_dir
        )

        return RecordOutcome(
            award.id, item.source, status, files, findings, sha256=digests
        )

    def _render(self, credential: Node) -> dict[str, Any]:
        """Render each format's document; None for JSON-LD that the seal renders."""
        sealing = self.key is not None
        documents: dict[str, Any] = {}
        with self._keeping_shared_parts():
            for name in self.context.options.formats:
                writer = WRITERS[name]
                later = sealing and name == "jsonld" and writer.check is None
                documents[name] = None if later else writer.document(credential)

        return documents

    def _keeping_shared_parts(self) -> AbstractContextManager[object]:
        """Copy, not rebuild, the ELM 1.2 elements of the shared nodes.

        The builder never changes the nodes it shares between credentials.
        """
        if "xml" not in self.context.options.formats:
            return nullcontext()
        from ._xml12_shared import SharedParts, keeping_shared_parts

        if self._shared_parts is None:
            self._shared_parts = SharedParts()

        return keeping_shared_parts(self._shared_parts)

    def _seal(self, credential: Node, documents: Mapping[str, Any]) -> dict[str, bytes]:
        """Seal the JSON-LD (JAdES) and XML (XAdES) documents."""
        assert self.key is not None and self.context.options.seal is not None
        tsa_url = self.context.options.seal.tsa_url
        when = credential.get("issued")
        sealed = {}
        for name, document in documents.items():
            if name == "jsonld":
                from ._jades import seal_jades

                sealed[name] = seal_jades(
                    to_jsonld(credential), self.key, tsa_url=tsa_url, when=when
                )
            elif name == "xml" and document is not None:
                from ._xades_sign import seal_xades

                sealed[name] = seal_xades(
                    document, self.key, tsa_url=tsa_url, when=when
                )
            else:
                sealed[name] = WRITERS[name].to_bytes(credential, document)

        return sealed


def error_outcome(error: RecordError, source: str) -> RecordOutcome:
    """Return the ``error`` outcome of a record that broke a rule."""
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


def _failure(
    item: SourcedAward, exc: Exception, *, internal: bool = False
) -> RecordOutcome:
    error = (
        {"message": f"internal error: {exc!r}", "kind": "internal"}
        if internal
        else {"message": str(exc), "kind": type(exc).__name__}
    )

    return RecordOutcome(item.award.id, item.source, "error", error=error)
