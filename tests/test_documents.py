"""Reading the three Europass file shapes: only regular files, bounded reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aurora_edc import InputError, read_credential_document
from aurora_edc._files import read_regular_file
from helpers import raised_in_thread

SAMPLES = "elm/v3/samples"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_hangs_the_document_reader(tmp_path: Path) -> None:
    """A FIFO without a writer is refused at once, not waited on."""
    fifo = tmp_path / "upload.json"
    os.mkfifo(fifo)

    error = raised_in_thread(lambda: read_credential_document(fifo))

    assert isinstance(error, InputError)
    assert str(error) == f"{fifo}: expected a regular file, found a FIFO (named pipe)"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_read_without_end() -> None:
    """A character device is refused before any byte is read."""
    error = raised_in_thread(lambda: read_credential_document(Path("/dev/zero")))

    assert isinstance(error, InputError)
    assert "found a character device" in str(error)


def test_directory_is_refused(tmp_path: Path) -> None:
    """A directory is named as such, not reported as an OS error."""
    with pytest.raises(InputError, match="found a directory"):
        read_credential_document(tmp_path)


def test_read_stops_one_byte_past_the_limit(tmp_path: Path) -> None:
    """A file of exactly max_bytes is read; one byte more is refused."""
    path = tmp_path / "data.json"
    path.write_bytes(b"x" * 10)

    assert read_regular_file(path, max_bytes=10, source="t") == b"x" * 10
    with pytest.raises(InputError, match="larger than the limit of 9 bytes"):
        read_regular_file(path, max_bytes=9, source="t")


def test_symlink_to_a_regular_file_is_read(shared: Path, tmp_path: Path) -> None:
    """A symbolic link to an EC sample reads the sample itself."""
    sample = shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld"
    link = tmp_path / "link.jsonld"
    link.symlink_to(sample)

    document = read_credential_document(link)

    assert document.raw == sample.read_bytes()
    assert document.source == str(link)
