"""Smaller embedded images for an unsealed EDC, staying conformant.

The EDC application profile (``edc:MediaObjectShape``) requires ``content``,
``contentType`` and ``contentEncoding`` on every ``MediaObject``, and
``edc:DisplayDetail-elm_image`` requires exactly one display image. So no
image can become a bare link: the mandatory display image stays embedded, only
re-encoded and downscaled; an organisation's ``logo`` (maxCount 1, optional) may
be shrunk or dropped; a media object may gain a ``contentURL``
(``elm:contentUrl``, ``xsd:anyURI``) to its full-size file while it embeds a
thumbnail. The file type never changes; a ``contentType`` that contradicts the
image's bytes (a GIF labelled JPEG) is corrected to the EU file-type authority
table code of what the bytes are, with a warning.

Images can only change before sealing: a sealed input is refused.

Pillow decodes and re-encodes (JPEG and PNG); other files, such as PDF
attachments, are left as they are. An image over ``max_pixels`` is refused,
including one so large that Pillow itself calls it a decompression bomb.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from ._documents import CredentialDocument, read_credential_document
from ._exceptions import AlreadySealedError, InputError

__all__ = ["MediaPolicy", "shrink_media"]

logger = logging.getLogger(__name__)

_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type"
# Pillow format name -> code in the EU file-type authority table.
_FILE_TYPE_CODES = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "TIFF": "TIFF",
    "BMP": "BMP",
    "WEBP": "WEBP",
}


@dataclass(frozen=True)
class MediaPolicy:
    """How :func:`shrink_media` treats embedded images.

    Attributes:
        image_max_edge: Longest side, in pixels, of the display image (the
            rendered credential page, mandatory and embedded); 800 keeps an A4
            page readable on a phone.
        logo_max_edge: Longest side of logos and other images.
        jpeg_quality: JPEG quality 1-95 for re-encoded JPEGs.
        drop_logos: Remove optional organisation logos altogether.
        links: Media ``id`` -> public URL of the full-size file; such objects
            get ``contentURL`` and embed a thumbnail only.
        link_thumbnail_edge: Longest side of those thumbnails.
        max_pixels: Larger images are refused (decompression-bomb guard).
    """

    image_max_edge: int = 800
    logo_max_edge: int = 160
    jpeg_quality: int = 70
    drop_logos: bool = False
    links: Mapping[str, str] = field(default_factory=dict)
    link_thumbnail_edge: int = 64
    max_pixels: int = 40_000_000

    def __post_init__(self) -> None:
        if not 1 <= self.jpeg_quality <= 95:
            raise InputError(
                f"jpeg_quality: expected 1 to 95, found {self.jpeg_quality}"
            )
        for media_id, url in self.links.items():
            parts = urlsplit(url)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                raise InputError(
                    f"links[{media_id!r}]: expected an http(s) URL, found {url!r}"
                )


def shrink_media(
    credential: Mapping[str, Any] | CredentialDocument | bytes | Path,
    policy: MediaPolicy | None = None,
) -> dict[str, Any]:
    """Return a copy of an unsealed EDC with smaller embedded images.

    A new rendition replaces an image only when it is smaller. Objects that
    share an ``id`` (the EC sample repeats a logo under one id) get the same
    rendition, so the graph keeps one value per node.

    Args:
        credential: The unsigned EDC (or its file, or an uploadable wrapper).
        policy: What to do; defaults to :class:`MediaPolicy`'s defaults.

    Returns:
        The new credential (the input is not changed).

    Raises:
        AlreadySealedError: The input is sealed; images change only before
            sealing.
        InputError: A media ``content`` is not base64, or an image is larger
            than ``policy.max_pixels``.
    """
    if isinstance(credential, CredentialDocument):
        document = credential
    else:
        document = read_credential_document(credential)
    if document.sealed:
        raise AlreadySealedError(
            f"credential {document.credential_id} is sealed: images can only be "
            "changed before sealing (re-seal after shrinking the unsigned credential)",
            source=document.source,
        )
    rewriter = _Rewriter(policy or MediaPolicy())
    result = rewriter.walk(copy.deepcopy(document.credential), "$", None)
    logger.debug("shrank %d media object(s)", len(rewriter.done))

    return dict(result)


class _Rewriter:
    def __init__(self, policy: MediaPolicy) -> None:
        self.policy = policy
        self.done: dict[tuple[object, str], dict[str, Any]] = {}

    def walk(self, node: Any, path: str, key: str | None) -> Any:
        if isinstance(node, list):
            return [self.walk(item, f"{path}[{i}]", key) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("content"), str) and "contentEncoding" in node:
            return self.media(node, path, key)
        result = {}
        for child, value in node.items():
            if child == "logo" and self.policy.drop_logos and _is_media(value):
                logger.debug("dropped %s.logo", path)
                continue
            result[child] = self.walk(value, f"{path}.{child}", child)

        return result

    def media(self, node: dict[str, Any], path: str, key: str | None) -> dict[str, Any]:
        digest = hashlib.sha256(node["content"].encode()).hexdigest()
        cache_key = (node.get("id"), digest)
        if cache_key not in self.done:
            self.done[cache_key] = self.rendition(node, path, key)

        return copy.deepcopy(self.done[cache_key])

    def rendition(
        self, node: dict[str, Any], path: str, key: str | None
    ) -> dict[str, Any]:
        policy = self.policy
        url = policy.links.get(str(node.get("id")))
        edge = policy.image_max_edge if key == "image" else policy.logo_max_edge
        if url is not None:
            edge = policy.link_thumbnail_edge
        data = _decoded(node["content"], path)
        found, smaller = _reencoded(data, edge, policy, path)
        result = dict(node)
        _correct_content_type(result, found, path)
        if smaller is not None and len(smaller) < len(data):
            result["content"] = base64.b64encode(smaller).decode("ascii")
            if "contentSize" in result:
                result["contentSize"] = len(smaller)
        if url is not None:
            result["contentURL"] = url

        return result


def _is_media(value: object) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("content"), str)


def _decoded(content: str, path: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(
            f"{path}.content: expected base64, found {content[:40]!r}..."
        ) from exc


def _reencoded(
    data: bytes, edge: int, policy: MediaPolicy, path: str
) -> tuple[str | None, bytes | None]:
    # Returns the format Pillow found and the new rendition, if any.
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > policy.max_pixels:
                raise InputError(
                    f"{path}: image of {image.width}x{image.height} pixels, over the "
                    f"{policy.max_pixels}-pixel limit"
                )
            if image.format not in ("JPEG", "PNG"):
                return image.format, None
            image.load()
            return image.format, _encode(image, edge, policy.jpeg_quality)
    except Image.DecompressionBombError as exc:
        raise InputError(
            f"{path}: image over the {policy.max_pixels}-pixel limit "
            f"(decompression bomb: {exc})"
        ) from exc
    except (UnidentifiedImageError, OSError) as exc:
        logger.info("%s: left as is, not a JPEG or PNG Pillow can read (%s)", path, exc)
        return None, None


def _correct_content_type(node: dict[str, Any], found: str | None, path: str) -> None:
    code = _FILE_TYPE_CODES.get(found or "")
    declared = node.get("contentType")
    declared_id = declared.get("id") if isinstance(declared, Mapping) else declared
    if code is None or (
        isinstance(declared_id, str) and declared_id.rsplit("/", 1)[-1].upper() == code
    ):
        return
    logger.warning(
        "%s.contentType: says %s but the bytes are %s; corrected",
        path,
        declared_id,
        code,
    )
    if not isinstance(declared, Mapping):
        node["contentType"] = f"{_FILE_TYPE}/{code}"
        return
    node["contentType"] = {
        **declared,
        "id": f"{_FILE_TYPE}/{code}",
        "prefLabel": {"en": code},
    }


def _encode(image: Image.Image, edge: int, quality: int) -> bytes:
    fmt = image.format
    scaled = image.copy()
    scaled.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    if fmt == "JPEG":
        return _saved(scaled.convert("RGB"), "JPEG", quality=quality, optimize=True)
    plain = _saved(scaled, "PNG", optimize=True)
    palette = scaled.convert("RGBA").quantize(256, method=Image.Quantize.FASTOCTREE)
    reduced = _saved(palette, "PNG", optimize=True)

    return min(plain, reduced, key=len)


def _saved(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)

    return buffer.getvalue()
