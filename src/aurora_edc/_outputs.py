"""Output files of the main job: safe names and atomic writes.

Each credential is written under a stem derived from its award id
(:func:`output_stem`) with one suffix per format, through a temporary file in
the same directory that is renamed into place (:func:`write_atomic`), so a
reader, or a run killed mid-write, never leaves half a credential behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ._serialize import WRITERS

__all__ = ["atomic_writer", "output_stem", "write_atomic", "write_files"]


def write_files(
    directory: Path,
    stem: str,
    rendered: Mapping[str, bytes],
    base: Path,
    *,
    durable: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """Write each rendering atomically; return the files and their SHA-256.

    Args:
        directory: Where the files go.
        stem: File name without suffix.
        rendered: Format name -> bytes.
        base: Directory the returned names are relative to.
        durable: Flush each file to disk before renaming it. The main job
            does not: its journal holds each file's SHA-256, fsync'd after
            every slice, and a resumed run issues again any file whose bytes
            a crash of the machine left wrong.

    Returns:
        The file names relative to ``base``, and name -> SHA-256 (hex).

    """
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    digests = {}
    for name, data in rendered.items():
        path = directory / f"{stem}{WRITERS[name].suffix}"
        write_atomic(path, data, durable=durable)
        relative = str(path.relative_to(base))
        files.append(relative)
        digests[relative] = hashlib.sha256(data).hexdigest()

    return files, digests


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)

    return current


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see all of it or nothing.

    The bytes go to a temporary file in the same directory, which is renamed
    over ``path``.

    Args:
        path: The file to write.
        data: Its content.
        durable: Flush the file to disk before the rename (``fsync``), so
            that a crash of the machine leaves the old file or the new one.

    """
    with atomic_writer(path, durable=durable) as out:
        out.write(data)


@contextmanager
def atomic_writer(
    path: Path, *, durable: bool = True, encoding: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` when the block ends.

    The file lives in ``path``'s directory and gets the mode a plain
    ``open()`` would give under the process umask (``mkstemp`` alone makes it
    private). If the block raises, ``path`` is left as it was.

    Args:
        path: The file to write.
        durable: Flush the file to disk before the rename (``fsync``).
        encoding: Open in text mode with this encoding; binary by default.

    Yields:
        The open temporary file.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w" if encoding else "wb", encoding=encoding) as out:
            yield out
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_stem(record_id: str) -> str:
    """Return a safe, deterministic file stem for a record id.

    Ids that are not already safe file names get a short hash, so two ids
    that clean to the same text never share a file.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", record_id).strip("._")[:80] or "record"
    if cleaned == record_id:
        return cleaned

    return f"{cleaned}-{hashlib.sha256(record_id.encode()).hexdigest()[:8]}"
