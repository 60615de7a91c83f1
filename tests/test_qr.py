"""QR codes of credential offer links (PNG and SVG)."""

from __future__ import annotations

import io

import pytest
from lxml import etree
from PIL import Image

from aurora_edc import (
    ELM_CONFIGURATION_ID,
    InputError,
    create_offer,
    offer_link,
    offer_qr,
)


@pytest.fixture
def link() -> str:
    """A by-value offer link with a tx_code."""
    return offer_link(create_offer("https://issuer.example.eu", [ELM_CONFIGURATION_ID]))


def test_png_is_a_square_image(link: str) -> None:
    """The PNG is a square image with a quiet zone."""
    with Image.open(io.BytesIO(offer_qr(link, kind="png", scale=4))) as image:
        assert image.format == "PNG"
        assert image.width == image.height > 4 * 8
        assert image.convert("L").getpixel((0, 0)) == 255


def test_svg_is_well_formed(link: str) -> None:
    """The SVG parses as XML with an svg root."""
    root = etree.fromstring(offer_qr(link, kind="svg"))
    assert etree.QName(root).localname == "svg"


def test_a_whole_credential_does_not_fit(link: str) -> None:
    """A link too long for any QR code is refused with advice to pass by reference."""
    with pytest.raises(InputError, match="by reference"):
        offer_qr(link + "x" * 5000)
