"""Settings of a run of the main job: what its outputs depend on, checked once.

A resumed run of ``aurora-edc issue`` must produce what the interrupted run
would have produced; :func:`run_settings` lists what the outputs depend on
besides each record (profile, formats, issue time, seal certificate, the
organisations and specifications, the package version), and the run journal
(:mod:`aurora_edc._issue_journal`) is reused only when they match.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._elm import format_datetime
from ._exceptions import RecordError
from ._issue_journal import read_journal_settings
from ._issue_shacl import Validator
from ._loaders import RecordBatch, RecordStream, SourcedAward
from ._pipeline import IssueOptions, SealSettings
from ._serialize import WRITERS

__all__ = [
    "check_options",
    "input_digest",
    "remove_partial_files",
    "run_issued",
    "run_items",
    "run_settings",
    "seal_identity",
]

log = logging.getLogger(__name__)


def check_options(
    options: IssueOptions, workers: int, validator: Validator | None
) -> None:
    """Refuse unknown formats, and a custom validator with several workers.

    Raises:
        ValueError: What is wrong, and what is known.

    """
    for name in options.formats:
        if name not in WRITERS:
            raise ValueError(
                f"unknown output format {name!r}; known: {sorted(WRITERS)}"
            )
    if validator is not None and workers > 1:
        raise ValueError("a custom validator runs in this process: use workers=1")


def run_items(
    records: RecordStream | RecordBatch,
) -> Iterator[SourcedAward | RecordError]:
    """Yield a run's input items in order: definition errors, then award items."""
    if isinstance(records, RecordBatch):
        yield from records.errors
        yield from records.awards
        return
    yield from records.definitions.errors
    yield from records


def run_issued(
    options: IssueOptions,
    definitions: RecordBatch,
    seal_id: dict[str, Any] | None,
    restart: bool,
    *,
    inputs: list[str] | None = None,
) -> datetime:
    """Return the issue time: given, else that of the run being resumed, else now."""
    if options.issued is not None:
        return options.issued
    earlier = None if restart else read_journal_settings(options.out_dir)
    if earlier is not None:
        try:
            then = datetime.fromisoformat(earlier["issued"].replace("Z", "+00:00"))
        except (KeyError, AttributeError, ValueError):
            then = None
        if then is not None and earlier == run_settings(
            options, then, definitions, seal_id, inputs=inputs
        ):
            return then

    return datetime.now(UTC).replace(microsecond=0)


def run_settings(
    options: IssueOptions,
    issued: datetime,
    definitions: RecordBatch,
    seal_id: dict[str, Any] | None,
    *,
    inputs: list[str] | None = None,
) -> dict[str, Any]:
    """Return what the outputs depend on besides each record (JSON-ready).

    ``inputs`` names the record files in the order they are read: a run over
    other files is a new run, never the resumption of the one in the output
    directory (whose records it would match by position).
    """
    from . import __version__

    organisations = [
        definitions.organisations[key].model_dump(mode="json")
        for key in sorted(definitions.organisations)
    ]
    specifications = [
        definitions.specifications[key].model_dump(mode="json")
        for key in sorted(definitions.specifications)
    ]

    settings = {
        "aurora-edc": __version__,
        "profile": options.profile,
        "formats": list(options.formats),
        "issued": format_datetime(issued),
        "validate": options.validate,
        "keep_invalid": options.keep_invalid,
        "seal": seal_id,
        "definitions": input_digest(json.dumps([organisations, specifications])),
    }
    if inputs is not None:
        settings["inputs"] = inputs

    return settings


def seal_identity(seal: SealSettings | None) -> dict[str, Any] | None:
    """Load the seal key (failing early) and name it by its certificate.

    Raises:
        KeyMaterialError: The key files are unusable.

    """
    if seal is None:
        return None
    from cryptography.hazmat.primitives.serialization import Encoding

    certificate = seal.load().certificate.public_bytes(Encoding.DER)

    return {
        "certificate": hashlib.sha256(certificate).hexdigest(),
        "tsa": seal.tsa_url,
    }


# Temporary files of write_atomic (tempfile.mkstemp: ".<name>.<8 characters>").
_PARTIAL = re.compile(r"^\..+\.[a-z0-9_]{8}$")


def remove_partial_files(out_dir: Path) -> None:
    """Remove the temporary files a killed run left (never renamed into place)."""
    for directory in (out_dir, out_dir / "invalid"):
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if _PARTIAL.match(path.name) and path.is_file():
                log.info("removing %s, left by an interrupted run", path)
                path.unlink(missing_ok=True)


def input_digest(text: str) -> str:
    """Return a short SHA-256 digest of a record as read (for the journal)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
