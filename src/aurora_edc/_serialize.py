"""Serialise a credential's ELM v3 model to files: JSON-LD, Turtle, N-Triples, XML.

Each output format is a writer in :data:`WRITERS`, keyed by its format name
and file suffix, so the main job (``aurora-edc issue``) writes every format
through one table. ``xml`` is the ELM 1.2 ``europassCredential`` of
:mod:`aurora_edc._xml12`, checked against its XML schema.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import Graph
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node as RDFNode

from ._elm import Node, context_prefixes, to_graph, to_jsonld
from ._exceptions import UnsafeXMLError
from ._limits import DEFAULT_XML_LIMITS
from ._report import ValidationReport

__all__ = [
    "WRITERS",
    "Writer",
    "jsonld_bytes",
    "ntriples_bytes",
    "register_writer",
    "turtle_bytes",
]


@dataclass(frozen=True)
class Writer:
    """One output format.

    Attributes:
        name: Format name on the command line (``jsonld``).
        suffix: File suffix, with the dot.
        media_type: IANA media type.
        write: Function from the credential's root node to the file's bytes.
        check: Validation of the rendered document (e.g. against an XML
            schema), run by the main job when it validates; its Violations
            make the record invalid. It receives what ``render`` returns, or
            the bytes of ``write`` when there is no ``render``. ``None`` when
            the model's SHACL check suffices.
        render: Function from the root node to the document in memory (the
            lxml tree of ``xml``), which ``check`` and the seal take without
            parsing the bytes again; ``None`` when the bytes are the document.
        dump: The file's bytes of a rendered document; required with
            ``render``.

    """

    name: str
    suffix: str
    media_type: str
    write: Callable[[Node], bytes]
    check: Callable[[Node, Any], ValidationReport] | None = None
    render: Callable[[Node], Any] | None = None
    dump: Callable[[Any], bytes] | None = None

    def document(self, credential: Node) -> Any:
        """Return the credential rendered for ``check`` and the seal."""
        return (
            self.write(credential) if self.render is None else self.render(credential)
        )

    def to_bytes(self, credential: Node, document: Any) -> bytes:
        """Return the file's bytes of what :meth:`document` returned.

        ``document`` None (nothing rendered yet) writes the credential.
        """
        if document is None:
            return self.write(credential)
        if self.dump is None:
            assert isinstance(document, bytes)
            return document

        return self.dump(document)


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


class _StableTurtle(TurtleSerializer):
    """Turtle whose object lists come out in one order, whatever the hash seed."""

    def objectList(self, objects: Sequence[RDFNode]) -> None:
        super().objectList(sorted(objects, key=_term_key))


def _term_key(term: RDFNode) -> tuple[str, str, str, str]:
    language = getattr(term, "language", None) or ""
    datatype = str(getattr(term, "datatype", None) or "")

    return (type(term).__name__, str(term), language, datatype)


def turtle_bytes(credential: Node) -> bytes:
    """Return the credential as Turtle, byte-identical across runs."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in context_prefixes():
        graph.bind(prefix, namespace)
    out = io.BytesIO()
    _StableTurtle(to_graph(credential, graph)).serialize(out, encoding="utf-8")

    return out.getvalue()


def ntriples_bytes(credential: Node) -> bytes:
    """Return the credential as N-Triples, one triple a line, lines sorted."""
    text = to_graph(credential).serialize(format="nt11", encoding="utf-8")
    lines = sorted(line for line in text.splitlines() if line.strip())

    return b"\n".join(lines) + b"\n"


def _elm12_bytes(credential: Node) -> bytes:
    return _elm12_dump(_elm12_render(credential))


def _elm12_render(credential: Node) -> Any:
    from ._xml12 import elm12_tree  # lxml and the XSDs only when XML is asked for

    return elm12_tree(credential, pretty=True)


def _elm12_dump(document: Any) -> bytes:
    from ._xml12 import tree_bytes
    from ._xmlsafe import check_tree

    check_tree(document, source_name="<elm12>")
    data = tree_bytes(document)
    if len(data) > DEFAULT_XML_LIMITS.max_bytes:
        raise UnsafeXMLError(
            f"ELM 1.2 document of {len(data)} bytes (rule 'max-bytes'): "
            f"expected at most {DEFAULT_XML_LIMITS.max_bytes}",
            rule="max-bytes",
        )

    return data


def _elm12_check(credential: Node, document: Any) -> ValidationReport:
    from ._xml12 import elm12_report

    return elm12_report(credential, document, source_name=f"{credential.id} (xml)")


WRITERS: dict[str, Writer] = {
    "jsonld": Writer("jsonld", ".jsonld", "application/ld+json", jsonld_bytes),
    "ttl": Writer("ttl", ".ttl", "text/turtle", turtle_bytes),
    "nt": Writer("nt", ".nt", "application/n-triples", ntriples_bytes),
    "xml": Writer(
        "xml",
        ".xml",
        "application/xml",
        _elm12_bytes,
        _elm12_check,
        render=_elm12_render,
        dump=_elm12_dump,
    ),
}


def register_writer(writer: Writer) -> None:
    """Add or replace an output format of the main job."""
    WRITERS[writer.name] = writer
