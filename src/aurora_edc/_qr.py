"""QR codes for OpenID4VCI credential offer links (ISO/IEC 18004 via segno).

A wallet scans the ``openid-credential-offer://`` link from the code. The
credential itself never goes in a QR code: even a version-40 code holds at most
2,953 bytes, a sealed EDC tens of kilobytes. A by-value offer is a few hundred
bytes; an offer by reference (``credential_offer_uri``) is shorter still.
"""

from __future__ import annotations

import io
import logging
from typing import Literal

import segno

from ._exceptions import InputError

__all__ = ["QRKind", "offer_qr"]

logger = logging.getLogger(__name__)

QRKind = Literal["png", "svg"]
"""Image formats written."""


def offer_qr(
    link: str,
    *,
    kind: QRKind = "png",
    scale: int = 6,
    border: int = 4,
    error: Literal["L", "M", "Q", "H"] = "M",
) -> bytes:
    """Render an offer link as a QR code image.

    Args:
        link: The ``openid-credential-offer://`` link.
        kind: ``png`` or ``svg``.
        scale: Pixels (PNG) or user units (SVG) per module.
        border: Quiet zone in modules; 4 is the standard minimum.
        error: Error-correction level; M survives ~15 % damage.

    Returns:
        The image bytes.

    Raises:
        InputError: The link does not fit in a QR code; use an offer by
            reference.
    """
    try:
        code = segno.make(link, error=error.lower(), micro=False, boost_error=False)
    except segno.DataOverflowError as exc:
        raise InputError(
            f"offer link of {len(link)} characters does not fit in a QR code; "
            "pass the offer by reference (credential_offer_uri)"
        ) from exc
    buffer = io.BytesIO()
    code.save(buffer, kind=kind, scale=scale, border=border)
    logger.debug("QR version %s for a %d-character link", code.version, len(link))

    return buffer.getvalue()
