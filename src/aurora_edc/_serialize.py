"""Serialise a credential's ELM v3 model to files: JSON-LD, Turtle, N-Triples.

Each output format is a writer in :data:`WRITERS`, keyed by its format name
and file suffix; later formats (ELM 1.2 XML) register themselves here, so the
main job (``aurora-edc issue``) writes every format through one table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ._elm import Node, to_graph, to_jsonld

__all__ = ["WRITERS", "Writer", "jsonld_bytes", "register_writer"]


@dataclass(frozen=True)
class Writer:
    """One output format.

    Attributes:
        name: Format name on the command line (``jsonld``).
        suffix: File suffix, with the dot.
        media_type: IANA media type.
        write: Function from the credential's root node to the file's bytes.

    """

    name: str
    suffix: str
    media_type: str
    write: Callable[[Node], bytes]


def jsonld_bytes(credential: Node, *, indent: int | None = 2) -> bytes:
    """Return the EDC JSON-LD document as UTF-8 (non-ASCII kept as is).

    Args:
        credential: Root node.
        indent: Pretty-print indentation; ``None`` for compact JSON, the form
            a JAdES seal signs byte for byte.

    """
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(
        to_jsonld(credential), ensure_ascii=False, indent=indent, separators=separators
    )

    return text.encode("utf-8")


def _rdf(fmt: str) -> Callable[[Node], bytes]:
    def write(credential: Node) -> bytes:
        return to_graph(credential).serialize(format=fmt, encoding="utf-8")

    return write


WRITERS: dict[str, Writer] = {
    "jsonld": Writer("jsonld", ".jsonld", "application/ld+json", jsonld_bytes),
    "ttl": Writer("ttl", ".ttl", "text/turtle", _rdf("turtle")),
    "nt": Writer("nt", ".nt", "application/n-triples", _rdf("nt11")),
}


def register_writer(writer: Writer) -> None:
    """Add or replace an output format of the main job."""
    WRITERS[writer.name] = writer
