"""Size of an EDC and what takes it: embedded media versus the rest.

An ELM ``MediaObject`` (ELM 3.1 ontology; shape ``edc:MediaObjectShape`` of the
EDC application profile) carries its file inline: ``content`` (base64, minCount
1), ``contentType`` and ``contentEncoding`` (both minCount 1), optional
``contentSize`` and ``contentURL`` (``elm:contentUrl``, maxCount 1). In the EC
micro-credential sample about 78 % of the bytes are such base64 images, which
matters for wallet upload limits, SD-JWT claims and QR codes.

This module measures a credential (per JSON path of each media object, and per
top-level property for the rest) and refuses one over a limit, naming what took
the space. Shrinking the media is in ``_media``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._documents import CredentialDocument, read_credential_document
from ._exceptions import PayloadTooLargeError

__all__ = ["MediaItem", "SizeReport", "check_size", "iter_media", "size_report"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MediaItem:
    """One embedded media object.

    Attributes:
        path: JSON path of the object, such as
            ``$.displayParameter.individualDisplay.displayDetail.image``.
        media_id: Its ``id``; objects repeated under one id count each time.
        content_type: File type label (``JPEG``, ``PNG``), from ``contentType``.
        size: Bytes of its ``content`` string in the JSON text.
    """

    path: str
    media_id: str | None
    content_type: str | None
    size: int


@dataclass(frozen=True)
class SizeReport:
    """Where the bytes of a credential go.

    Attributes:
        total: Bytes of the document as given (the sealed file for a seal).
        credential: Bytes of the credential JSON (a sealed file's payload).
        media: Every embedded media object, in document order.
        parts: Bytes per top-level property of the credential, media excluded.
    """

    total: int
    credential: int
    media: tuple[MediaItem, ...]
    parts: tuple[tuple[str, int], ...]

    @property
    def media_bytes(self) -> int:
        """Bytes of base64 media content."""
        return sum(item.size for item in self.media)

    @property
    def other_bytes(self) -> int:
        """Bytes of the credential that are not media content."""
        return self.credential - self.media_bytes

    @property
    def media_share(self) -> float:
        """Share of the credential's bytes taken by media, 0 to 1."""
        return self.media_bytes / self.credential if self.credential else 0.0

    def largest(self, count: int = 5) -> list[tuple[str, int]]:
        """Return the biggest contributors, media objects and other parts.

        Args:
            count: How many to return.

        Returns:
            ``(label, bytes)`` pairs, largest first; media are labelled with
            their path and type.
        """
        entries = [
            (f"{m.path} ({m.content_type or 'media'})", m.size) for m in self.media
        ]
        entries += [(f"$.{key} (without media)", size) for key, size in self.parts]

        return sorted(entries, key=lambda entry: -entry[1])[:count]

    def describe(self, count: int = 3) -> str:
        """Summarise in one line, for messages.

        Args:
            count: How many contributors to name.

        Returns:
            Such as ``"150554 B; media 87016 B (77 %): $.display... 42008 B"``.
        """
        top = "; ".join(f"{label} {size} B" for label, size in self.largest(count))

        return (
            f"{self.total} B; media {self.media_bytes} B ({self.media_share:.0%} of "
            f"the credential); largest: {top}"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the report as plain JSON data."""
        return {
            "total": self.total,
            "credential": self.credential,
            "media_bytes": self.media_bytes,
            "other_bytes": self.other_bytes,
            "media_share": round(self.media_share, 4),
            "media": [item.__dict__ for item in self.media],
            "parts": dict(self.parts),
        }


def size_report(
    document: bytes | str | Path | Mapping[str, Any] | CredentialDocument,
) -> SizeReport:
    """Measure a credential and its embedded media.

    Args:
        document: An unsigned, uploadable or sealed EDC (path, bytes, parsed
            object or opened document).

    Returns:
        The report. For a parsed object, sizes are those of its compact JSON.

    Raises:
        InputError: The document cannot be read.
    """
    opened = _opened(document)
    credential = opened.credential
    media = tuple(iter_media(credential))
    parts = tuple(_parts(credential))
    if opened.sealed:
        credential_bytes = len(json.loads(opened.raw)["payload"].encode())
    elif opened.kind.value == "unsigned":
        credential_bytes = len(opened.raw)
    else:
        credential_bytes = len(_compact(credential))

    return SizeReport(len(opened.raw), credential_bytes, media, parts)


def check_size(
    document: bytes | str | Path | Mapping[str, Any] | CredentialDocument,
    limit: int,
    *,
    what: str = "credential",
) -> SizeReport:
    """Refuse a document larger than ``limit`` bytes, saying what takes the space.

    Args:
        document: The document to measure.
        limit: Largest accepted size in bytes (of the document as given).
        what: Name of the payload in the message (``SD-JWT VC`` ...).

    Returns:
        The size report, when the document fits.

    Raises:
        PayloadTooLargeError: Over the limit; the message names the largest
            contributors and the media share.
    """
    report = size_report(document)
    if report.total > limit:
        raise PayloadTooLargeError(
            f"{what} is {report.total} bytes, over the {limit}-byte limit: "
            f"{report.describe()}; shrink or drop embedded images before sealing",
            size=report.total,
            limit=limit,
        )

    return report


def iter_media(node: object, path: str = "$") -> Iterator[MediaItem]:
    """Yield every object with a string ``content`` (a MediaObject), depth first.

    Args:
        node: Parsed JSON.
        path: JSON path of ``node``.

    Yields:
        One item per media object, repeated objects included.
    """
    if isinstance(node, Mapping):
        if isinstance(node.get("content"), str) and _is_media(node):
            yield MediaItem(
                path, node.get("id"), _type_label(node), len(node["content"])
            )
            return
        for key, value in node.items():
            yield from iter_media(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_media(value, f"{path}[{index}]")


def _is_media(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]

    return "MediaObject" in kinds or "contentEncoding" in node


def _type_label(node: Mapping[str, Any]) -> str | None:
    concept = node.get("contentType")
    if isinstance(concept, Mapping):
        concept = concept.get("id")
    if not isinstance(concept, str):
        return None

    return concept.rstrip("/").rsplit("/", 1)[-1]


def _parts(credential: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    for key, value in credential.items():
        media = sum(item.size for item in iter_media(value))
        yield key, len(_compact(value)) - media


def _compact(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _opened(
    document: bytes | str | Path | Mapping[str, Any] | CredentialDocument,
) -> CredentialDocument:
    if isinstance(document, CredentialDocument):
        return document

    return read_credential_document(document)
