"""Findings from XML Schema validation errors: where, which rule, expected, found.

libxml2 reports each violation of a validation rule of W3C XML Schema 1.0 Part 1
(the ``cvc-*`` rules of §3) as a log entry: a message naming elements in
``{namespace}local`` notation, the line, and a node path such as
``/*/cred:validFrom``. This module turns each entry into a
:class:`~aurora_edc.Finding` that locates the element at fault with a readable
XPath written in the document's own prefixes (an element of the default
namespace appears by its local name), names the rule (``cvc-complex-type.2.4``),
and says what was expected and what was found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from ._exceptions import shorten
from ._report import Finding, Severity

__all__ = ["findings_from_log"]

# Beyond this many errors a document is reported with a count of the rest:
# locating each error walks the tree.
_MAX_FINDINGS = 1000

_MESSAGE = re.compile(
    r"^Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: "
    r"(?P<detail>.*?)\.?$",
    re.S,
)
_UNEXPECTED = re.compile(
    r"^This element is not expected(?:\. Expected is (?P<one>one of )?"
    r"\( (?P<expected>.*) \))?$",
    re.S,
)
_MISSING = re.compile(
    r"^Missing child element\(s\)\. Expected is (?P<one>one of )?"
    r"\( (?P<expected>.*) \)$",
    re.S,
)
_CLARK = re.compile(r"\{(?P<uri>[^{}]*)\}(?P<local>[^\s,'(){}]+)")
_STEP = re.compile(
    r"^(?:(?P<prefix>[^:\[\]]+):)?(?P<name>[^:\[\]]+)(?:\[(?P<index>\d+)\])?$"
)

# libxml2 error types whose XML Schema rule is not spelt in their name.
_RULES = {
    "SCHEMAV_ELEMENT_CONTENT": "cvc-complex-type.2.4",
    "SCHEMAV_CVC_IDC": "cvc-identity-constraint",
    "SCHEMAV_CVC_AU": "cvc-au",
    "SCHEMAV_NOROOT": "cvc-elt.1",
}

_VALUE_RULES = ("cvc-datatype", "cvc-type", "cvc-attribute", "cvc-elt.5")


def findings_from_log(
    entries: Sequence[etree._LogEntry], tree: etree._ElementTree
) -> list[Finding]:
    """Turn libxml2 schema validation errors into located findings.

    Args:
        entries: The validator's error log, in document order.
        tree: The document that was validated.

    Returns:
        One finding per entry, up to 1,000, then one Info finding counting the
        errors left out.

    """
    found = [_finding(entry, tree) for entry in entries[:_MAX_FINDINGS]]
    if len(entries) > _MAX_FINDINGS:
        found.append(
            Finding(
                message=f"{len(entries) - _MAX_FINDINGS} further XML Schema "
                f"errors not listed",
                severity=Severity.INFO,
                check="xsd",
            )
        )

    return found


def _finding(entry: etree._LogEntry, tree: etree._ElementTree) -> Finding:
    match = _MESSAGE.match(entry.message)
    element = _locate(tree, entry.path)
    if match:
        element = _named_below(element, match["element"], entry.line)
    names = _Names(element)
    rule = _rule(entry.type_name)
    raw = match["attribute"] if match else None
    attribute = names.rewrite(raw) if raw else None
    message = (
        _describe(match, names, element) if match else names.rewrite(entry.message)
    )
    warning = entry.level_name == "WARNING"

    return Finding(
        message=message,
        severity=Severity.WARNING if warning else Severity.VIOLATION,
        check="xsd",
        focus=_xpath(element),
        path=f"@{attribute}" if attribute else None,
        constraint=rule,
        value=_value(element, raw, rule),
        line=entry.line or element.sourceline,
    )


def _describe(match: re.Match[str], names: _Names, element: etree._Element) -> str:
    found = names.rewrite(match["element"])
    detail = match["detail"]
    unexpected = _UNEXPECTED.match(detail)
    if unexpected:
        parent = element.getparent()
        within = f" in {_name(parent)}" if parent is not None else ""
        expected = _expected(unexpected, names)
        return f"Unexpected child {found}{within}: " + (
            f"expected {expected}" if expected else "no further child is allowed"
        )
    missing = _MISSING.match(detail)
    if missing:
        return f"Missing child in {found}: expected {_expected(missing, names)}"
    if match["attribute"]:
        found = f"{found}/@{names.rewrite(match['attribute'])}"

    return f"{found}: {names.rewrite(detail)}"


def _expected(match: re.Match[str], names: _Names) -> str:
    if not match["expected"]:
        return ""
    listed = names.rewrite(match["expected"])

    return f"one of {listed}" if match["one"] else listed


def _value(element: etree._Element, attribute: str | None, rule: str) -> str | None:
    if not rule.startswith(_VALUE_RULES) and not rule.endswith("-valid"):
        return None
    value = element.get(attribute) if attribute else element.text
    if value is None or not value.strip():
        return None

    return shorten(value.strip())


def _rule(type_name: str) -> str:
    """Name the XML Schema validation rule of a libxml2 error type."""
    if type_name in _RULES:
        return _RULES[type_name]
    if not type_name.startswith("SCHEMAV_CVC_"):
        return f"libxml2:{type_name}"
    tokens = type_name.removeprefix("SCHEMAV_CVC_").lower().split("_")
    words = "-".join(token for token in tokens if not token.isdigit())
    clause = ".".join(token for token in tokens if token.isdigit())

    return f"cvc-{words}.{clause}" if clause else f"cvc-{words}"


class _Names:
    """Write ``{namespace}local`` names with the prefixes in scope at an element."""

    def __init__(self, element: etree._Element) -> None:
        self.prefixes: dict[str, str | None] = {}
        for prefix, uri in element.nsmap.items():
            if uri not in self.prefixes or prefix is None:
                self.prefixes[uri] = prefix

    def rewrite(self, text: str) -> str:
        return _CLARK.sub(self._name, text)

    def _name(self, match: re.Match[str]) -> str:
        uri, local = match["uri"], match["local"]
        if uri not in self.prefixes:
            return match[0]
        prefix = self.prefixes[uri]

        return f"{prefix}:{local}" if prefix else local


def _locate(tree: etree._ElementTree, path: str | None) -> etree._Element:
    """Find the element a libxml2 node path (``/*/ds:Signature[2]``) names."""
    node = tree.getroot()
    for step in (path or "").split("/")[2:]:
        match = _STEP.match(step)
        if match is None or step.startswith("@"):
            break
        child = _child(node, match)
        if child is None:
            break
        node = child

    return node


def _named_below(element: etree._Element, tag: str, line: int) -> etree._Element:
    """Return the element the message names, when libxml2 pointed at its scope.

    Identity-constraint errors (``keyref``) carry the path of the element that
    declares the constraint, and the line of the element at fault.
    """
    if element.tag == tag or not line:
        return element
    for candidate in element.iter(tag):
        if candidate.sourceline == line:
            return candidate
        if (candidate.sourceline or 0) > line:
            break

    return element


def _child(node: etree._Element, step: re.Match[str]) -> etree._Element | None:
    index = int(step["index"] or 1)
    if step["name"] == "*":
        # libxml2 counts every element sibling for a name it cannot prefix.
        children = node.iterchildren(etree.Element)
    else:
        uri = node.nsmap.get(step["prefix"]) if step["prefix"] else None
        tag = f"{{{uri}}}{step['name']}" if uri else step["name"]
        children = node.iterchildren(tag)
    for position, child in enumerate(children, start=1):
        if position == index:
            return child

    return None


def _xpath(element: etree._Element) -> str:
    steps = []
    node: etree._Element | None = element
    while node is not None:
        steps.append(_step(node))
        node = node.getparent()

    return "/" + "/".join(reversed(steps))


def _step(node: etree._Element) -> str:
    name = _name(node)
    tag = str(node.tag)
    before = sum(1 for _ in node.itersiblings(tag, preceding=True))
    after = next(node.itersiblings(tag), None)

    return f"{name}[{before + 1}]" if before or after is not None else name


def _name(node: etree._Element) -> str:
    local = etree.QName(node).localname

    return f"{node.prefix}:{local}" if node.prefix else local
