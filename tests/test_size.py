"""Size reports and size limits on the EC micro-credential sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aurora_edc import PayloadTooLargeError, check_size, size_report

SAMPLES = "elm/v3/samples"
DISPLAY_IMAGE = "$.displayParameter.individualDisplay.displayDetail.image"


def test_unsigned_sample_is_about_78_percent_media(shared: Path) -> None:
    """The EC unsigned sample is 111,126 B, 87,016 B of it base64 media (78 %)."""
    report = size_report(shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld")
    assert (report.total, report.credential, report.media_bytes) == (
        111_126,
        111_126,
        87_016,
    )
    assert round(report.media_share, 2) == 0.78
    assert report.other_bytes == 111_126 - 87_016


def test_every_media_object_is_located(shared: Path) -> None:
    """Seven media objects are found: the display JPEG and six logo PNGs."""
    report = size_report(shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld")
    types = [item.content_type for item in report.media]
    assert types.count("JPEG") == 1 and types.count("PNG") == 6
    assert report.largest(1) == [(DISPLAY_IMAGE + " (JPEG)", 42_008)]
    assert "$.issuer.logo" in {item.path for item in report.media}


def test_sealed_sample_separates_seal_and_payload(shared: Path) -> None:
    """For the sealed file, total is the file and credential the payload."""
    report = size_report(shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld")
    assert report.total == 150_554
    assert report.credential == 113_061
    assert report.media_bytes == 87_016


def test_parts_without_media_add_up(shared: Path) -> None:
    """Per-property sizes without media plus media cover the compact credential."""
    credential = json.loads(
        (shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld").read_bytes()
    )
    report = size_report(credential)
    overhead = (
        report.credential - sum(size for _, size in report.parts) - report.media_bytes
    )
    assert 0 < overhead < 20 * len(report.parts)


def test_over_the_limit_names_what_takes_the_space(shared: Path) -> None:
    """A credential over the limit is refused with its largest contributors."""
    with pytest.raises(PayloadTooLargeError) as caught:
        check_size(shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld", 100_000)
    message = str(caught.value)
    assert "150554 bytes, over the 100000-byte limit" in message
    assert DISPLAY_IMAGE in message and "77%" in message
    assert (caught.value.size, caught.value.limit) == (150_554, 100_000)


def test_under_the_limit_returns_the_report(shared: Path) -> None:
    """A credential within the limit passes and its report is returned."""
    report = check_size(
        shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld", 5 * 1024 * 1024
    )
    assert report.total == 150_554


def test_report_serialises_to_json(shared: Path) -> None:
    """The report is plain JSON data."""
    report = size_report(shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld")
    data = json.loads(json.dumps(report.to_json()))
    assert data["media_bytes"] == 87_016 and len(data["media"]) == 7
