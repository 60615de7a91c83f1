"""Hardened parsing of XML input: ELM 1.2 credentials, XAdES seals, LOQ, AMS.

Every XML document that aurora-edc reads goes through :func:`parse_xml`. The
XML 1.0 features that let a document reach outside itself or grow without bound
are refused, following the OWASP XXE guidance and the defusedxml rule set:

``doctype``
    Any document type declaration (``<!DOCTYPE``) is refused. Without a DTD
    there is no entity declaration, so no external entity (XXE, ``file:`` or
    ``http:``), no entity expansion ("billion laughs", quadratic blow-up) and
    no external DTD can exist. No ELM, LOQ or AMS document uses a DTD.
``external-resource``
    Nothing is ever loaded from a file or the network while parsing.
``max-bytes``, ``max-depth``, ``max-elements``, ``max-attributes``,
``max-attribute-length``, ``max-text-length``
    The limits of :class:`~aurora_edc._limits.XMLLimits`, enforced while the
    document is read in chunks, so an oversized document is never built.
``parser-limit``
    A ceiling of libxml2 itself (depth 256, text node of 10 MB, entity
    amplification), which the parser never lifts.

A document built in memory (the ELM 1.2 writer's tree) is held to the same
rules by :func:`check_tree` before it is checked or sealed as it is, so that
what is written can be read back: besides the limits, an entity reference
node (``entity``), text outside the document element (``outside-root``) and a
repeated ``xml:id`` (``xml-id``) are refused, as parsing the written bytes
would refuse them.

A refusal raises :class:`~aurora_edc.UnsafeXMLError` naming the rule and, where
known, the line; malformed XML raises :class:`~aurora_edc.InputError` with the
line. The result keeps ``sourceline`` on every element.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

from lxml import etree

from ._exceptions import InputError, UnsafeXMLError, shorten
from ._files import open_regular_file
from ._limits import DEFAULT_XML_LIMITS, XMLLimits

__all__ = ["check_tree", "parse_xml"]

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024

# libxml2 error types that mean one of its own safety ceilings was hit.
_LIBXML2_LIMITS = frozenset({"ERR_RESOURCE_LIMIT", "ERR_ENTITY_LOOP"})

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def parse_xml(
    source: Path | bytes,
    *,
    limits: XMLLimits = DEFAULT_XML_LIMITS,
    source_name: str | None = None,
) -> etree._ElementTree:
    """Parse an XML document safely, within explicit limits.

    Args:
        source: A file path, or the document's bytes.
        limits: The size and shape limits to enforce.
        source_name: Label used in error messages; defaults to the path, or
            ``<bytes>``.

    Returns:
        The parsed document; elements keep their ``sourceline``.

    Raises:
        UnsafeXMLError: The document breaks a safety rule (see the module
            docstring); ``rule`` names it.
        InputError: The file cannot be read, or is not well-formed XML.

    """
    name = source_name or (str(source) if isinstance(source, Path) else "<bytes>")
    guard = _Guard(limits, name)

    return guard.parse(_chunks(source, limits, name))


def check_tree(
    document: etree._ElementTree | etree._Element,
    *,
    limits: XMLLimits = DEFAULT_XML_LIMITS,
    source_name: str = "<tree>",
) -> None:
    """Refuse a document built in memory that the hardened parser would refuse.

    The same rules as :func:`parse_xml` (see the module docstring), except
    ``max-bytes``, which applies to written bytes. The limits are checked by
    XPath in libxml2, cheap bounds first (a tenth of a millisecond for a
    credential).

    Args:
        document: The tree, or its root element.
        limits: The size and shape limits to enforce.
        source_name: Label used in error messages.

    Raises:
        UnsafeXMLError: The document breaks a rule; ``rule`` names it.

    """
    root = document.getroot() if isinstance(document, etree._ElementTree) else document
    guard = _Guard(limits, source_name)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        guard._doctype(None)
    for node in (root, *root.itersiblings(), *root.itersiblings(preceding=True)):
        if node.tail and node.tail.strip():
            guard._refuse(
                "outside-root",
                "text outside the document element (rule 'outside-root'): "
                f"expected none, found {shorten(node.tail)}",
                None,
            )
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:
        guard._refuse(
            "entity",
            f"entity reference {shorten(str(entity))} refused (rule 'entity'): "
            "written out, it names an entity no DTD declares",
            None,
        )
    _check_tree_limits(root, limits, guard)
    _check_xml_ids(root, guard)


def _check_tree_limits(root: etree._Element, limits: XMLLimits, guard: _Guard) -> None:
    # Cheap bounds first (a count, a fixed path, the written length); a
    # search for the offending node only when a bound does not settle it.
    elements = int(_COUNT_ELEMENTS(root))
    if elements > limits.max_elements:
        guard._refuse(
            "max-elements",
            f"limit exceeded (rule 'max-elements'): expected at most "
            f"{limits.max_elements} elements, found {elements}",
            None,
        )
    too_deep = _depth_path(limits.max_depth)(root)
    if isinstance(too_deep, list) and too_deep:
        guard._refuse(
            "max-depth",
            _breach_at("max-depth", too_deep[0], limits.max_depth, "levels of nesting"),
            None,
        )
    searches = []
    if int(_COUNT_ATTRIBUTES(root)) > limits.max_attributes:
        searches.append(
            ("max-attributes", _MANY_ATTRIBUTES, limits.max_attributes, "attributes")
        )
    written = len(etree.tostring(root, encoding="UTF-8"))
    if written > limits.max_attribute_length:
        searches.append(
            (
                "max-attribute-length",
                _LONG_ATTRIBUTE,
                limits.max_attribute_length,
                "characters in an attribute",
            )
        )
    if written > limits.max_text_length:
        searches.append(
            (
                "max-text-length",
                _LONG_TEXT,
                limits.max_text_length,
                "characters of text",
            )
        )
    for rule, query, limit, what in searches:
        found = query(root, n=limit)
        if isinstance(found, list) and found:
            guard._refuse(rule, _breach_at(rule, found[0], limit, what), None)


def _breach_at(rule: str, node: Any, limit: int, what: str) -> str:
    # Attribute values and text come back as strings that know their element.
    owner = node.getparent() if isinstance(node, str) else node  # type: ignore[attr-defined]
    where = shorten(owner.tag) if owner is not None else "the document"

    return f"limit exceeded (rule {rule!r}) at {where}: expected at most {limit} {what}"


@functools.lru_cache(maxsize=8)
def _depth_path(max_depth: int) -> etree.XPath:
    """A path from an element to the elements nested deeper than ``max_depth``.

    The element itself is level 1. The path stops as soon as a level is empty,
    so it costs what the tree's real depth costs, not the limit.
    """
    return etree.XPath("(" + "/".join(["*"] * max_depth) + ")[1]")


_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")
_COUNT_ATTRIBUTES = etree.XPath("count(descendant-or-self::*/@*)")
_MANY_ATTRIBUTES = etree.XPath("(descendant-or-self::*[count(@*) > $n])[1]")
_LONG_ATTRIBUTE = etree.XPath("(descendant-or-self::*/@*[string-length(.) > $n])[1]")
_LONG_TEXT = etree.XPath("(descendant::text()[string-length(.) > $n])[1]")


def _check_xml_ids(root: etree._Element, guard: _Guard) -> None:
    seen: set[str] = set()
    for value in _XML_IDS(root):
        text = str(value)
        if not _is_ncname(text):
            guard._refuse(
                "xml-id",
                f"xml:id {shorten(text)} is not an XML name without a colon "
                "(rule 'xml-id'; xml:id 1.0, clause 4)",
                None,
            )
        if text in seen:
            guard._refuse(
                "xml-id",
                f"xml:id {shorten(text)} repeated (rule 'xml-id'): "
                "expected each xml:id once",
                None,
            )
        seen.add(text)


_XML_IDS = etree.XPath("descendant-or-self::*/@xml:id")


def _is_ncname(text: str) -> bool:
    """Whether ``text`` is an NCName (Namespaces in XML 1.0), as lxml judges tags."""
    if not text or ":" in text:
        return False
    try:
        etree.QName(text)
    except ValueError:
        return False

    return True


def _chunks(source: Path | bytes, limits: XMLLimits, name: str) -> Iterator[bytes]:
    if isinstance(source, Path):
        return _file_chunks(source, limits, name)
    if not isinstance(source, bytes | bytearray | memoryview):
        raise TypeError(f"expected a Path or bytes, found {type(source).__name__}")
    data = bytes(source)
    _check_size(len(data), limits, name)

    return (data[start : start + _CHUNK] for start in range(0, len(data), _CHUNK))


def _file_chunks(path: Path, limits: XMLLimits, name: str) -> Iterator[bytes]:
    # Refuse on the declared size first, so an oversized file is never read.
    try:
        _check_size(os.stat(path).st_size, limits, name)
    except OSError as exc:
        raise InputError(f"cannot read XML file: {exc.strerror}", source=name) from exc

    # Count again while reading: a growing file has no trustworthy size.
    with open_regular_file(path, source=name) as handle:
        total = 0
        while chunk := handle.read(_CHUNK):
            total += len(chunk)
            _check_size(total, limits, name)
            yield chunk


def _check_size(size: int, limits: XMLLimits, name: str) -> None:
    if size > limits.max_bytes:
        raise UnsafeXMLError(
            f"document too large (rule 'max-bytes'): expected at most "
            f"{limits.max_bytes} bytes, found {size}",
            rule="max-bytes",
            source=name,
        )


class _RefuseResolver(etree.Resolver):
    """Refuse every external resource (entity, DTD) libxml2 asks for."""

    def resolve(
        self, system_url: str | None, public_id: str | None, context: object
    ) -> NoReturn:
        raise UnsafeXMLError(
            f"external resource refused (rule 'external-resource'): "
            f"{shorten(system_url)}",
            rule="external-resource",
        )


class _Guard:
    """Feed one document to libxml2 in chunks and enforce the limits."""

    def __init__(self, limits: XMLLimits, name: str) -> None:
        self.limits = limits
        self.name = name
        self.elements = 0
        self.depth = 0

    def parse(self, chunks: Iterable[bytes]) -> etree._ElementTree:
        parser = _new_parser()
        first = True
        for chunk in chunks:
            if first:
                self._refuse_declared_doctype(chunk)
                first = False
            with self._translating():
                parser.feed(chunk)
            self._check(parser.read_events())

        with self._translating():
            root = parser.close()
        log.debug("parsed %s: %d elements", self.name, self.elements)

        return root.getroottree()

    def _refuse_declared_doctype(self, chunk: bytes) -> None:
        # Catch the DOCTYPE in the prolog before libxml2 reads it at all; the
        # check on the first element covers encodings this scan cannot read.
        if chunk[:2] in _UTF16_BOMS:
            chunk = chunk.decode("utf-16", "replace").encode()
        found = _prolog_doctype(chunk)
        if found is not None:
            self._doctype(chunk.count(b"\n", 0, found) + 1)

    def _doctype(self, line: int | None) -> NoReturn:
        self._refuse(
            "doctype",
            "DOCTYPE declaration refused (rule 'doctype'): no DTD, entity "
            "declaration or external DTD is accepted in ELM, LOQ or AMS XML",
            line,
        )

    def _check(self, events: Iterable[tuple[str, Any]]) -> None:
        # One tight loop with local names: this runs once per element, so it
        # only detects a breach and leaves the message to _breach.
        limits = self.limits
        max_text = limits.max_text_length
        max_attribute = limits.max_attribute_length
        max_attributes = limits.max_attributes
        depth, elements = self.depth, self.elements
        for event, element in events:
            if event == "end":
                depth -= 1
                text = element.text
                last = element[-1] if len(element) else None
                tail = last.tail if last is not None else None
                if (text and len(text) > max_text) or (tail and len(tail) > max_text):
                    self._breach(element, depth + 1, elements)
                continue

            depth += 1
            elements += 1
            if elements == 1 and element.getroottree().docinfo.doctype:
                self._doctype(None)
            # Count before reading: lxml looks up each value by walking the
            # attribute list, so values() costs O(n^2) in the attribute count.
            if len(element.attrib) > max_attributes:
                self._breach(element, depth, elements)
            values = element.values()
            previous = element.getprevious()
            tail = previous.tail if previous is not None else None
            if (
                depth > limits.max_depth
                or elements > limits.max_elements
                or (values and max(map(len, values)) > max_attribute)
                or (tail and len(tail) > max_text)
            ):
                self._breach(element, depth, elements)
        self.depth, self.elements = depth, elements

    def _breach(self, element: Any, depth: int, elements: int) -> NoReturn:
        limits = self.limits
        self._over("max-depth", "nesting depth", limits.max_depth, depth, element)
        self._over("max-elements", "elements", limits.max_elements, elements, element)
        attributes = element.attrib
        self._over(
            "max-attributes",
            "attributes",
            limits.max_attributes,
            len(attributes),
            element,
        )
        for key, value in attributes.items():
            self._over(
                "max-attribute-length",
                f"characters in attribute {key}",
                limits.max_attribute_length,
                len(value),
                element,
            )
        texts = [("text", element, element.text)]
        texts += [("tail", child, child.tail) for child in element[-1:]]
        previous = element.getprevious()
        texts += [("tail", previous, previous.tail)] if previous is not None else []
        for kind, node, text in texts:
            self._over(
                "max-text-length",
                f"characters of {kind}",
                limits.max_text_length,
                len(text or ""),
                node,
            )
        raise AssertionError("a limit was breached but none is found exceeded")

    def _over(self, rule: str, what: str, limit: int, found: int, element: Any) -> None:
        if found <= limit:
            return
        self._refuse(
            rule,
            f"limit exceeded (rule {rule!r}) at {shorten(element.tag)}: "
            f"expected at most {limit} {what}, found {found}",
            element.sourceline,
        )

    def _refuse(self, rule: str, message: str, line: int | None) -> NoReturn:
        log.info("refused XML input %s: %s", self.name, message)
        raise UnsafeXMLError(message, rule=rule, source=self.name, line=line)

    @contextlib.contextmanager
    def _translating(self) -> Iterator[None]:
        try:
            yield
        except etree.XMLSyntaxError as exc:
            self._syntax_error(exc)
        except UnsafeXMLError as exc:
            # Raised by the resolver, which does not know the source.
            exc.source = exc.source or self.name
            raise

    def _syntax_error(self, exc: etree.XMLSyntaxError) -> NoReturn:
        # A feed parser may report a follow-up error ("Start tag expected") in
        # place of the cause; the log of this parse holds the cause first.
        causes = [e for e in exc.error_log if e.level_name in ("ERROR", "FATAL")]
        message = causes[0].message if causes else str(exc.msg)
        line = (causes[0].line if causes else exc.lineno) or None
        if causes and causes[0].type_name in _LIBXML2_LIMITS:
            self._refuse(
                "parser-limit", f"libxml2 limit (rule 'parser-limit'): {message}", line
            )

        raise InputError(
            f"not well-formed XML: {message}", source=self.name, line=line
        ) from exc


def _prolog_doctype(chunk: bytes) -> int | None:
    """Return the offset of a DOCTYPE before the first element, if any.

    Comments and processing instructions are skipped, so their text cannot
    trigger a refusal; the scan is linear in the chunk.
    """
    position = chunk.find(b"<")
    while position != -1:
        if chunk.startswith(b"<!DOCTYPE", position):
            return position
        if chunk.startswith(b"<!--", position):
            end = chunk.find(b"-->", position + 4)
        elif chunk.startswith(b"<?", position):
            end = chunk.find(b"?>", position + 2)
        else:
            return None
        if end == -1:
            return None
        position = chunk.find(b"<", end)

    return None


def _new_parser() -> etree.XMLPullParser:
    # The thread's error log collects the entries of this parse only.
    etree.clear_error_log()
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
    )
    parser.resolvers.add(_RefuseResolver())

    return parser
