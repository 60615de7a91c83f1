"""Copies of the ELM 1.2 elements that many credentials of a run share.

The ELM 1.2 writer (:mod:`aurora_edc._xml12`) puts each referenced entity
(``qualification``, ``organization``, ``learningOutcome``, ...) once in the
references sections of ``genericschema_1.2.xsd``'s ``EuropassCredentialType``.
In a bulk run every credential of a specification references the same
qualification and organisations, built from the same model nodes; building
their elements costs more than copying them. Inside
:func:`keeping_shared_parts` the writer keeps what it built for such nodes
(:class:`SharedParts`) and copies it into the next document; outside, every
document is built in full.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from lxml import etree

from ._elm import Node

__all__ = ["KeptParts", "SharedParts", "active_parts", "keeping_shared_parts"]


@dataclass(frozen=True)
class KeptParts:
    """What building one shared entry added to a document.

    Attributes:
        entries: (section, node id, pristine element) of each entry added.
        needs: (section, node id) of the entries the build found already in
            the document; another document may copy ``entries`` only if it
            has them too.

    """

    entries: tuple[tuple[str, str, etree._Element], ...]
    needs: frozenset[tuple[str, str]]


class SharedParts:
    """Reference entries built for nodes many credentials share, by identity.

    Building the ELM 1.2 elements of a qualification and its organisations
    costs more than copying them, and every credential of a specification
    needs the same ones. An entry holds the nodes it was built from, so an
    object id is never reused while kept; the nodes are taken to be unchanged
    while kept, as the builder leaves the parts it shares.

    Args:
        limit: Entries held before the least recently added are dropped.

    """

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._entries: dict[tuple[int, ...], tuple[tuple[object, ...], KeptParts]] = {}
        self._lock = threading.Lock()

    def get(self, nodes_: tuple[Node | None, ...]) -> KeptParts | None:
        """Return the entries built from exactly these node objects, if kept."""
        found = self._entries.get(tuple(map(id, nodes_)))
        if found is None or any(
            a is not b for a, b in zip(found[0], nodes_, strict=True)
        ):
            return None

        return found[1]

    def put(self, nodes_: tuple[Node | None, ...], entries: KeptParts) -> None:
        """Keep the entries built from these nodes."""
        with self._lock:
            while len(self._entries) >= self.limit:
                del self._entries[next(iter(self._entries))]
            self._entries[tuple(map(id, nodes_))] = (nodes_, entries)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()


_ACTIVE_PARTS: ContextVar[SharedParts | None] = ContextVar(
    "aurora_edc_shared_parts", default=None
)


@contextmanager
def keeping_shared_parts(parts: SharedParts) -> Iterator[SharedParts]:
    """Keep and copy the shared parts of the documents written in this block.

    Only for callers that leave the shared nodes unchanged while the block
    runs, as the main job's builder does; outside such a block every document
    is built in full.

    Args:
        parts: Where the entries are kept (one per run, say).

    Yields:
        ``parts``.

    """
    token = _ACTIVE_PARTS.set(parts)
    try:
        yield parts
    finally:
        _ACTIVE_PARTS.reset(token)


def active_parts() -> SharedParts | None:
    """Return the parts kept by the enclosing :func:`keeping_shared_parts`."""
    return _ACTIVE_PARTS.get()
