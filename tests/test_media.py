"""Shrinking embedded images keeps the EDC conformant (edc-generic-no-cv)."""

from __future__ import annotations

import base64
import copy
import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from aurora_edc import (
    AlreadySealedError,
    Indication,
    InputError,
    MediaPolicy,
    credential_report,
    is_valid_credential,
    iter_media,
    read_credential_document,
    seal_jades,
    shrink_media,
    size_report,
    verify_jades,
)
from aurora_edc.testing import TestPKI

PROFILE = "edc-generic-no-cv"
LOGO_ID = "urn:epass:mediaObject:2"


@pytest.fixture(scope="module")
def payload(shared: Path) -> dict[str, Any]:
    """The sealed sample's payload: conformant, unlike the unsigned sample."""
    return read_credential_document(
        shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"
    ).credential


def image_of(media: dict[str, Any]) -> Image.Image:
    """Decode a media object's image."""
    return Image.open(io.BytesIO(base64.b64decode(media["content"])))


def display_image(credential: dict[str, Any]) -> dict[str, Any]:
    """The mandatory display image object."""
    image: dict[str, Any] = credential["displayParameter"]["individualDisplay"][
        "displayDetail"
    ]["image"]
    return image


def test_payload_conforms_before(payload: dict[str, Any]) -> None:
    """The input conforms, and losing the display image's content would not."""
    assert is_valid_credential(payload, profile=PROFILE)
    broken = copy.deepcopy(payload)
    del display_image(broken)["content"]
    assert not is_valid_credential(broken, profile=PROFILE)


def test_default_shrink_stays_conformant_and_smaller(payload: dict[str, Any]) -> None:
    """Default renditions cut the credential by a third and it still conforms."""
    shrunk = shrink_media(payload)
    before, after = size_report(payload), size_report(shrunk)
    assert after.credential < 0.65 * before.credential
    assert after.other_bytes == before.other_bytes
    assert is_valid_credential(shrunk, profile=PROFILE)


def test_display_image_stays_embedded_and_same_type(payload: dict[str, Any]) -> None:
    """The display image stays an embedded JPEG, no larger than 800 px."""
    image = display_image(shrink_media(payload))
    assert image["contentType"] == display_image(payload)["contentType"]
    with image_of(image) as decoded:
        assert decoded.format == "JPEG" and max(decoded.size) == 800


def test_dropping_logos_stays_conformant(payload: dict[str, Any]) -> None:
    """Optional logos can go; only the display image remains."""
    shrunk = shrink_media(payload, MediaPolicy(drop_logos=True))
    assert [item.path for item in iter_media(shrunk)] == [
        "$.displayParameter.individualDisplay.displayDetail.image"
    ]
    assert is_valid_credential(shrunk, profile=PROFILE)


def test_link_adds_content_url_and_keeps_a_thumbnail(payload: dict[str, Any]) -> None:
    """A linked logo gets contentURL and a 64-px thumbnail, still conformant."""
    url = "https://media.example.eu/logo-2.png"
    shrunk = shrink_media(payload, MediaPolicy(links={LOGO_ID: url}))
    linked = [m for m in _media_objects(shrunk) if m.get("id") == LOGO_ID]
    assert len(linked) == 2 and all(m["contentURL"] == url for m in linked)
    with image_of(linked[0]) as decoded:
        assert max(decoded.size) == 64
    report = credential_report(shrunk, profile=PROFILE)
    assert report.conforms, [f.message for f in report.violations]


def test_shared_ids_get_one_rendition(payload: dict[str, Any]) -> None:
    """Media objects repeated under one id stay identical after shrinking."""
    shrunk = shrink_media(payload)
    by_id: dict[str, set[str]] = {}
    for media in _media_objects(shrunk):
        by_id.setdefault(media["id"], set()).add(media["content"])
    assert all(len(contents) == 1 for contents in by_id.values())


def test_input_is_not_changed(payload: dict[str, Any]) -> None:
    """shrink_media returns a copy."""
    before = json.dumps(payload)
    shrink_media(payload, MediaPolicy(drop_logos=True))
    assert json.dumps(payload) == before


def test_sealed_input_is_refused(shared: Path) -> None:
    """Images can only change before sealing."""
    with pytest.raises(AlreadySealedError, match="before sealing"):
        shrink_media(
            (shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld").read_bytes()
        )


def test_non_base64_content_is_located(payload: dict[str, Any]) -> None:
    """A content that is not base64 is reported with its path."""
    broken = copy.deepcopy(payload)
    display_image(broken)["content"] = "not base64!"
    with pytest.raises(InputError, match=r"displayDetail\.image\.content"):
        shrink_media(broken)


def test_non_image_attachment_is_left_alone(payload: dict[str, Any]) -> None:
    """A PDF-like attachment that Pillow cannot read stays byte for byte."""
    attached = copy.deepcopy(payload)
    content = base64.b64encode(b"%PDF-1.7 not really" * 50).decode()
    attached["attachment"] = {
        **display_image(payload),
        "id": "urn:epass:mediaObject:9",
        "content": content,
    }
    assert shrink_media(attached)["attachment"]["content"] == content


def test_bad_link_url_is_refused() -> None:
    """Link targets must be http(s) URLs."""
    with pytest.raises(InputError, match="links"):
        MediaPolicy(links={LOGO_ID: "file:///etc/passwd"})


def _media_objects(node: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "contentEncoding" in node:
            return [node]
        for value in node.values():
            found += _media_objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _media_objects(value)
    return found


def test_shrunk_credential_seals_verifies_and_conforms(
    unsealed_edc: dict[str, Any], test_pki: TestPKI
) -> None:
    """Shrink, then seal (JAdES): the seal verifies and the payload conforms."""
    seal = test_pki.issue_seal(organization_identifier="VATBE-0123456789", key="p256")
    shrunk = shrink_media(unsealed_edc, MediaPolicy(drop_logos=True))
    sealed = seal_jades(shrunk, seal.seal_key())
    report = verify_jades(sealed, trust=[test_pki.root])
    assert report.indication is Indication.TOTAL_PASSED
    assert size_report(sealed).media_bytes == size_report(shrunk).media_bytes < 20_000
    payload = read_credential_document(sealed).credential
    assert is_valid_credential(payload, profile=PROFILE)
    with pytest.raises(AlreadySealedError):
        shrink_media(sealed)


def png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


@pytest.mark.parametrize("size", [(8000, 6000), (20000, 10000)], ids=["48M", "200M"])
def test_image_over_the_pixel_limit_is_refused_even_a_pillow_bomb(
    payload: dict[str, Any], size: tuple[int, int]
) -> None:
    """Images over max_pixels are refused, also past Pillow's own bomb ceiling."""
    huge = copy.deepcopy(payload)
    display_image(huge)["content"] = base64.b64encode(png_claiming(*size)).decode()

    with pytest.raises(InputError, match="pixel limit"):
        shrink_media(huge)


def test_wrong_content_type_gif_labelled_jpeg_is_corrected(
    payload: dict[str, Any],
) -> None:
    """A GIF labelled JPEG comes out labelled GIF, the rest of the concept kept."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "GIF")
    labelled = copy.deepcopy(payload)
    display_image(labelled)["content"] = base64.b64encode(buffer.getvalue()).decode()

    fixed = display_image(shrink_media(labelled))["contentType"]

    assert display_image(payload)["contentType"]["id"].endswith("/JPEG")
    assert fixed["id"] == (
        "http://publications.europa.eu/resource/authority/file-type/GIF"
    )
    assert fixed["prefLabel"] == {"en": "GIF"}
    assert fixed["inScheme"] == display_image(payload)["contentType"]["inScheme"]
