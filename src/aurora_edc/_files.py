"""Reading input files safely: regular files only, with a size bound.

Every file aurora-edc reads from a caller (record files, credentials,
embedded images, XML documents) goes through :func:`open_regular_file`: the
file is opened without blocking and checked with ``fstat`` on that very
descriptor, so a FIFO, a device (``/dev/zero``), a socket or a directory is
refused before anything is read, even if it replaced a regular file since the
caller looked; and reads stop one byte past the caller's limit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ._exceptions import InputError

__all__ = ["file_kind", "open_regular_file", "read_regular_file"]


@contextmanager
def open_regular_file(path: Path, *, source: str) -> Iterator[BinaryIO]:
    """Open a regular file for reading, refusing any other kind of file.

    Raises:
        InputError: Not a regular file, or it cannot be opened.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(
                f"expected a regular file, found {file_kind(mode)}", source=source
            )
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_regular_file(path: Path, *, max_bytes: int, source: str) -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes.

    Args:
        path: The file.
        max_bytes: Largest size accepted.
        source: Label for messages.

    Returns:
        The file's bytes.

    Raises:
        InputError: Not a regular file, unreadable, or over ``max_bytes``.
    """
    with open_regular_file(path, source=source) as handle:
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", source=source) from exc
    if len(raw) > max_bytes:
        raise InputError(f"larger than the limit of {max_bytes} bytes", source=source)

    return raw


def file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )

    return next((name for test, name in kinds if test(mode)), "a special file")
