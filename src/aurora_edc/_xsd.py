"""Offline validation against the official XML schemas of ELM 1.0/1.2, LOQ and AMS.

Implements W3C XML Schema 1.0 Part 1 validation (the ``cvc-*`` rules of
§3 "Schema Component Details") of the documents the European Commission
defines in XML:

* ELM 1.0 and 1.2 credentials (root ``europassCredential``, namespace
  ``http://data.europa.eu/snb``): ``genericschema.xsd`` (1.0),
  ``genericschema_1.2.xsd``, ``diplomasupplementschema_1.2.xsd`` and
  ``accreditationschema_1.2.xsd``. The three 1.2 files are byte-identical; the
  choice among them follows the document's ``xsi:schemaLocation`` or, failing
  that, its credential type, and is reported as the report's profile.
* ELM 1.2 credentials sealed on behalf of an issuer (root
  ``vp:verifiablePresentation``): ``mandatedschema_{generic,dp,accred}_1.2.xsd``.
* ELM v3 learning opportunities and qualifications (root ``Courses``,
  ``loq.xsd``) and accreditations (root ``Accreditations``, ``ams.xsd``).

Every schema document and every import, including the XAdES 1.4.1 schema's
imports by ``http://`` URL, is read from the artefact catalogue, hash-checked;
an import the catalogue does not name raises
:class:`~aurora_edc.ArtefactNotFoundError`, and nothing is ever fetched. Relative
imports resolve against the importing file's place in the catalogue's layout.
Each schema is compiled once per process and catalogue.

libxml2 (through lxml) gives the verdict and the error detail: it loads every
schema in under 0.1 s and validates the samples in milliseconds, and its errors
carry the line of the element at fault. xmlschema, measured on the same files,
needs 0.5 to 2.3 s per schema and reports content-model errors on the parent
element's line, so it is not used here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from ._catalogue import ArtefactCatalogue, default_catalogue
from ._exceptions import (
    ArtefactError,
    InputError,
    UnknownSchemaError,
    XSDConformanceError,
)
from ._report import Finding, ValidationReport
from ._xmlsafe import check_tree, parse_xml
from ._xsd_findings import findings_from_log

if TYPE_CHECKING:
    from lxml.etree._docloader import _InputDocument

__all__ = [
    "XMLInput",
    "detect_schema",
    "is_valid_xml",
    "iter_xml_findings",
    "schema_names",
    "schema_url",
    "validate_xml",
    "xml_report",
    "xml_schema",
]

log = logging.getLogger(__name__)

XMLInput = Path | bytes | etree._ElementTree | etree._Element
"""A document to validate: a file, its bytes, or an already parsed tree."""

_SNB = "http://data.europa.eu/snb"
_CREDENTIAL = f"{{{_SNB}}}europassCredential"
_PRESENTATION = f"{{{_SNB}/vp}}verifiablePresentation"
_COURSES = "{http://data.europa.eu/snb/model/ap/loq-constraints/}Courses"
_ACCREDITATIONS = "{http://data.europa.eu/snb/model/ap/ams-constraints/}Accreditations"
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

_CREDENTIAL_XSD = "http://publications.europa.eu/resource/schema/credential/"
_PRESENTATION_XSD = "http://publications.europa.eu/resource/schema/presentation/"
_ELM_V3_XSD = (
    "https://raw.githubusercontent.com/european-commission-empl/"
    "European-Learning-Model/9d7c5d2/xsd/"
)

# Europass credential type of a diploma supplement (ELM credential types list).
_DIPLOMA_SUPPLEMENT = "http://data.europa.eu/snb/credential/6dff8a0f87"

# Base URL scheme under which schema documents are parsed, so that relative
# imports resolve to paths of the catalogue's layout.
_SCHEME = "artefact:/"


@dataclass(frozen=True)
class _Schema:
    """One official entry schema: its name, canonical URL and document element."""

    name: str
    url: str
    root: str


_SCHEMAS = (
    _Schema(
        "generic-1.0",
        "http://data.europa.eu/snb/resource/distribution/v1/xsd/schema/"
        "genericschema.xsd",
        _CREDENTIAL,
    ),
    _Schema("generic-1.2", _CREDENTIAL_XSD + "genericschema_1.2.xsd", _CREDENTIAL),
    _Schema(
        "diploma-supplement-1.2",
        _CREDENTIAL_XSD + "diplomasupplementschema_1.2.xsd",
        _CREDENTIAL,
    ),
    _Schema(
        "accreditation-1.2",
        _CREDENTIAL_XSD + "accreditationschema_1.2.xsd",
        _CREDENTIAL,
    ),
    _Schema(
        "mandated-generic-1.2",
        _PRESENTATION_XSD + "mandatedschema_generic_1.2.xsd",
        _PRESENTATION,
    ),
    _Schema(
        "mandated-dp-1.2",
        _PRESENTATION_XSD + "mandatedschema_dp_1.2.xsd",
        _PRESENTATION,
    ),
    _Schema(
        "mandated-accred-1.2",
        _PRESENTATION_XSD + "mandatedschema_accred_1.2.xsd",
        _PRESENTATION,
    ),
    _Schema("loq", _ELM_V3_XSD + "loq/loq.xsd", _COURSES),
    _Schema("ams", _ELM_V3_XSD + "ams/ams.xsd", _ACCREDITATIONS),
)
_BY_NAME = {schema.name: schema for schema in _SCHEMAS}
_BY_FILE = {schema.url.rsplit("/", 1)[1]: schema for schema in _SCHEMAS}


def schema_names() -> tuple[str, ...]:
    """Return the names accepted by ``schema=``, in a stable order."""
    return tuple(_BY_NAME)


def schema_url(name: str) -> str:
    """Return the canonical URL of a schema, as ``xsi:schemaLocation`` names it.

    Args:
        name: One of :func:`schema_names`.

    Returns:
        The URL under which the artefact catalogue knows the schema.

    Raises:
        UnknownSchemaError: No schema has that name.

    """
    return _schema(name).url


def detect_schema(document: XMLInput) -> str:
    """Recognise which official schema a document follows.

    The document element decides the family (credential, sealed presentation,
    LOQ, AMS); within a family, a schema named by ``xsi:schemaLocation`` wins,
    else the credential type decides (diploma supplement or generic). An ELM
    credential that names no schema is taken as ELM 1.2.

    Args:
        document: A file, its bytes, or a parsed tree.

    Returns:
        A schema name from :func:`schema_names`.

    Raises:
        InputError: The document is unusable XML, or no official schema has
            its document element.
        UnsafeXMLError: The hardened parser refused the document.

    """
    return _detect(_tree(document, None), _label(document, None))


def xml_schema(
    name: str, *, catalogue: ArtefactCatalogue | None = None
) -> etree.XMLSchema:
    """Return an official schema, compiled once per process and catalogue.

    The XML writers use it to validate what they produce. lxml validators are
    not meant for concurrent use: share the result between threads only
    behind a lock.

    Args:
        name: One of :func:`schema_names`.
        catalogue: Where the schema files come from; the default catalogue
            when ``None``.

    Returns:
        The compiled lxml schema.

    Raises:
        UnknownSchemaError: No schema has that name.
        ArtefactNotFoundError: A schema file or import is not in the catalogue
            or its mirror.
        ArtefactIntegrityError: A schema file does not match its pinned hash.
        ArtefactError: The official schema does not compile.

    """
    return _compiled(_schema(name), catalogue or default_catalogue()).schema


def iter_xml_findings(
    source: XMLInput, *, schema: str | None = None, source_name: str | None = None
) -> Iterator[Finding]:
    """Yield each XML Schema error of a document, in document order.

    Args:
        source: A file, its bytes, or a parsed tree.
        schema: A schema name to use instead of the detected one.
        source_name: Label of the document in messages.

    Yields:
        One :class:`Finding` (``check="xsd"``) per error: the XPath and line of
        the element at fault, the ``cvc-*`` rule, what was expected and found.

    Raises:
        InputError: The document is unusable, or has no known schema.
        UnsafeXMLError: The hardened parser refused the document.
        ArtefactError: The schema cannot be loaded (see :func:`xml_schema`).

    """
    tree = _tree(source, source_name)
    yield from _findings(tree, schema or _detect(tree, _label(source, source_name)))


def xml_report(
    source: XMLInput, *, schema: str | None = None, source_name: str | None = None
) -> ValidationReport:
    """Validate a document against its official schema and report every error.

    Args:
        source: A file, its bytes, or a parsed tree.
        schema: A schema name to use instead of the detected one.
        source_name: Label of the document in the report; defaults to the path.

    Returns:
        The report; its profile is the schema name used.

    Raises:
        InputError: The document is unusable, or has no known schema.
        UnsafeXMLError: The hardened parser refused the document.
        ArtefactError: The schema cannot be loaded (see :func:`xml_schema`).

    """
    label = _label(source, source_name)
    tree = _tree(source, source_name)
    name = schema or _detect(tree, label)
    findings = tuple(_findings(tree, name))
    log.info("%s against %s: %d finding(s)", label, name, len(findings))

    return ValidationReport(source=label, profile=name, findings=findings)


def is_valid_xml(source: XMLInput, *, schema: str | None = None) -> bool:
    """Return whether a document is valid against its official schema.

    Args:
        source: A file, its bytes, or a parsed tree.
        schema: A schema name to use instead of the detected one.

    Returns:
        ``True`` when the schema reports no error.

    Raises:
        InputError: The document is unusable, or has no known schema.
        UnsafeXMLError: The hardened parser refused the document.
        ArtefactError: The schema cannot be loaded (see :func:`xml_schema`).

    """
    tree = _tree(source, None)
    name = schema or _detect(tree, _label(source, None))
    compiled = _compiled(_schema(name), default_catalogue())
    with compiled.lock:
        valid = compiled.schema.validate(tree)

    return bool(valid)


def validate_xml(
    source: XMLInput, *, schema: str | None = None, source_name: str | None = None
) -> None:
    """Validate a document against its official schema, raising on any error.

    Args:
        source: A file, its bytes, or a parsed tree.
        schema: A schema name to use instead of the detected one.
        source_name: Label of the document in messages.

    Raises:
        XSDConformanceError: The schema reports errors; ``results`` holds them
            as findings.
        InputError: The document is unusable, or has no known schema.
        UnsafeXMLError: The hardened parser refused the document.
        ArtefactError: The schema cannot be loaded (see :func:`xml_schema`).

    """
    report = xml_report(source, schema=schema, source_name=source_name)
    if report.conforms:
        return
    first = report.violations[0]
    raise XSDConformanceError(
        f"{report.source} does not conform to {report.profile}: "
        f"{len(report.violations)} error(s); first at line {first.line} "
        f"{first.focus}: {first.message}",
        report.findings,
    )


def _schema(name: str) -> _Schema:
    found = _BY_NAME.get(name)
    if found is None:
        raise UnknownSchemaError(
            f"no XML schema named {name!r}; expected one of {', '.join(schema_names())}"
        )

    return found


def _tree(source: XMLInput, source_name: str | None) -> etree._ElementTree:
    if isinstance(source, etree._ElementTree | etree._Element):
        # A tree built in memory meets the rules its written bytes would.
        check_tree(source, source_name=source_name or "<tree>")
        return (
            source if isinstance(source, etree._ElementTree) else source.getroottree()
        )

    return parse_xml(source, source_name=source_name)


def _label(source: XMLInput, source_name: str | None) -> str:
    if source_name:
        return source_name
    if isinstance(source, Path):
        return str(source)
    if isinstance(source, bytes):
        return "<bytes>"
    tree = source if isinstance(source, etree._ElementTree) else source.getroottree()

    return tree.docinfo.URL or "<tree>"


def _detect(tree: etree._ElementTree, label: str) -> str:
    root = tree.getroot()
    tag = str(root.tag)
    family = [schema for schema in _SCHEMAS if schema.root == tag]
    if not family:
        known = ", ".join(sorted({schema.root for schema in _SCHEMAS}))
        raise InputError(
            f"no official XML schema has the document element {tag}; "
            f"expected one of {known}",
            source=label,
            line=root.sourceline,
        )

    named = _named_by_location(root)
    if named is not None and named.root == tag:
        log.debug("%s: schema %s named by xsi:schemaLocation", label, named.name)
        return named.name
    if named is not None:
        log.warning(
            "%s: xsi:schemaLocation names %s, whose document element is not %s; "
            "choosing the schema from the document instead",
            label,
            named.url,
            tag,
        )
    chosen = _by_profile(root, family)
    log.info("%s: no known schema in xsi:schemaLocation; chose %s", label, chosen)

    return chosen


def _named_by_location(root: etree._Element) -> _Schema | None:
    pairs = (root.get(f"{_XSI}schemaLocation") or "").split()
    locations = [*pairs[1::2], root.get(f"{_XSI}noNamespaceSchemaLocation") or ""]
    for location in locations:
        found = _BY_FILE.get(location.rsplit("/", 1)[-1])
        if found is not None:
            return found

    return None


def _by_profile(root: etree._Element, family: list[_Schema]) -> str:
    if len(family) == 1:
        return family[0].name

    # The credential type: the document element's own, or that of the
    # credential a presentation wraps.
    credential = root if root.tag == _CREDENTIAL else root.find(_CREDENTIAL)
    kind = credential.find(f"{{{_SNB}}}type") if credential is not None else None
    supplement = kind is not None and kind.get("uri") == _DIPLOMA_SUPPLEMENT
    if root.tag == _PRESENTATION:
        return "mandated-dp-1.2" if supplement else "mandated-generic-1.2"

    return "diploma-supplement-1.2" if supplement else "generic-1.2"


def _findings(tree: etree._ElementTree, name: str) -> list[Finding]:
    compiled = _compiled(_schema(name), default_catalogue())
    with compiled.lock:
        if compiled.schema.validate(tree):
            return []
        entries = list(compiled.schema.error_log)

    return findings_from_log(entries, tree)


@dataclass(frozen=True)
class _Compiled:
    """A compiled schema, the lock that serialises its use, its catalogue."""

    schema: etree.XMLSchema
    lock: threading.Lock
    catalogue: ArtefactCatalogue


_CACHE: dict[tuple[str, int], _Compiled] = {}
_CACHE_LOCK = threading.Lock()


def _compiled(schema: _Schema, catalogue: ArtefactCatalogue) -> _Compiled:
    # Keyed by the catalogue's identity; the entry keeps the catalogue alive,
    # so that identity is never reused while cached.
    key = (schema.name, id(catalogue))
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is None:
            compiled = _compile(schema, catalogue)
            found = _CACHE[key] = _Compiled(compiled, threading.Lock(), catalogue)

    return found


def _compile(schema: _Schema, catalogue: ArtefactCatalogue) -> etree.XMLSchema:
    resolver = _CatalogueResolver(catalogue)
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
    )
    parser.resolvers.add(resolver)
    entry = catalogue.entry(schema.url)
    document = etree.fromstring(
        catalogue.read_bytes(entry.url), parser, base_url=_SCHEME + entry.path
    )

    try:
        compiled = etree.XMLSchema(document)
    except etree.XMLSchemaParseError as exc:
        # lxml hides a resolver's exception behind its own parse error.
        if resolver.failure is not None:
            raise resolver.failure from exc
        raise ArtefactError(
            f"official schema {schema.url} does not compile: {exc}"
        ) from exc
    log.debug("compiled %s from %s", schema.name, entry.path)

    return compiled


class _CatalogueResolver(etree.Resolver):
    """Resolve schema imports from the artefact catalogue, never the network."""

    def __init__(self, catalogue: ArtefactCatalogue) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.failure: ArtefactError | None = None

    def resolve(
        self, system_url: str | None, public_id: str | None, context: object
    ) -> _InputDocument:
        url = system_url or ""
        key = url[len(_SCHEME) :] if url.startswith(_SCHEME) else url
        try:
            entry = self.catalogue.entry(key)
            data = self.catalogue.read_bytes(entry.url)
        except ArtefactError as exc:
            self.failure = self.failure or exc
            raise
        log.debug("resolved %s offline to %s", url, entry.path)

        return self.resolve_string(data, context, base_url=_SCHEME + entry.path)
