"""From a SHACL validation report to aurora-edc findings (W3C SHACL §3.6).

Each ``sh:ValidationResult`` of a report (SHACL §3.6.2: focus node, result
path, value, source shape, source constraint component, severity, messages)
becomes one :class:`~aurora_edc.Finding`. Fields keep full IRIs, so JSON
reports stay unambiguous; :func:`compact_iri` shortens them for people, with
the prefixes of the EDC context and shapes. Property paths are written in
SPARQL path syntax (SHACL §2.3.1), and a blank property shape is named by the
node shape that holds it.

:func:`root_findings` adds the one rule the shapes cannot state: the EDC shapes
select their focus nodes by class (SHACL §2.1.3 Targets), so a graph without a
node typed ``elm:EuropeanDigitalCredential`` has no focus node and conforms to
every profile whatever it holds (an empty file, ``{}``, an unrelated triple).
A credential document holds exactly one such node (EDC application profile:
the credential is the root of the document); a graph built by the caller may
merge several credentials to validate them at once, and needs at least one.
"""

from __future__ import annotations

from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ._report import Finding, Severity

__all__ = [
    "EDC_CLASS",
    "compact_iri",
    "finding_order",
    "findings_from_report",
    "locate",
    "root_findings",
]

EDC_CLASS = URIRef("http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential")

_SEVERITIES: dict[Node | None, Severity] = {
    SH.Violation: Severity.VIOLATION,
    SH.Warning: Severity.WARNING,
    SH.Info: Severity.INFO,
}
_RANK = {Severity.VIOLATION: 0, Severity.WARNING: 1, Severity.INFO: 2}
_MAX_VALUE = 120
_MAX_DETAIL_DEPTH = 3


def findings_from_report(report: Graph, shapes: Graph) -> list[Finding]:
    """Return one finding per top-level ``sh:result`` of a validation report.

    Nested results (``sh:detail``, e.g. why a ``sh:node`` failed) are folded
    into the message of the result that holds them.

    Args:
        report: The SHACL validation report graph.
        shapes: The shapes graph, to name blank property shapes.

    Returns:
        The findings, in the report's order.

    """
    findings = []
    for validation in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(validation, SH.result):
            findings.append(_finding(report, shapes, result))

    return findings


def root_findings(graph: Graph, *, single: bool = True) -> list[Finding]:
    """Return Violations unless the graph holds the EDC nodes it should.

    Args:
        graph: The credential graph.
        single: Whether the graph is one credential document (exactly one
            node typed ``elm:EuropeanDigitalCredential``), rather than a graph
            that may merge several credentials (at least one).

    Returns:
        One finding when there is no EDC node; with ``single``, one finding
        per node when there are several; else nothing.

    """
    roots = sorted({str(node) for node in graph.subjects(RDF.type, EDC_CLASS)})
    if len(roots) == 1 or (roots and not single):
        return []
    expected = (
        "expected exactly one node typed elm:EuropeanDigitalCredential"
        if single
        else "expected a node typed elm:EuropeanDigitalCredential"
    )
    if not roots:
        return [
            Finding(
                message=f"{expected} (the credential), found none in "
                f"{len(graph)} triples{_types_present(graph)}; no EDC shape "
                "applies to a graph without one",
                check="structure",
                constraint="credential-root",
            )
        ]

    return [
        Finding(
            message=f"{expected}, found {len(roots)}: a credential file holds one "
            "credential",
            check="structure",
            focus=root,
            constraint="credential-root",
        )
        for root in roots
    ]


def _types_present(graph: Graph) -> str:
    types = sorted({compact_iri(str(kind)) for kind in graph.objects(None, RDF.type)})
    if not types:
        return ""
    shown = ", ".join(types[:5]) + (", ..." if len(types) > 5 else "")

    return f" (types present: {shown})"


def _finding(report: Graph, shapes: Graph, result: Node) -> Finding:
    def one(predicate: URIRef) -> Node | None:
        return report.value(result, predicate)

    path = one(SH.resultPath)
    shape = one(SH.sourceShape)
    value = one(SH.value)
    component = one(SH.sourceConstraintComponent)

    return Finding(
        message=_message(report, result, 0),
        severity=_SEVERITIES.get(one(SH.resultSeverity), Severity.VIOLATION),
        check="shacl",
        focus=_text(one(SH.focusNode)),
        path=_path_text(report, path) if path is not None else None,
        constraint=str(component) if component is not None else None,
        shape=_shape_text(shapes, shape) if shape is not None else None,
        value=_text(value) if value is not None else None,
    )


def _message(report: Graph, result: Node, depth: int) -> str:
    texts = [str(text) for text in report.objects(result, SH.resultMessage)]
    message = texts[0] if texts else "constraint not satisfied"
    details = []
    if depth < _MAX_DETAIL_DEPTH:
        details = [
            _message(report, detail, depth + 1)
            for detail in report.objects(result, SH.detail)
        ]
    if not details:
        return message

    message = message.replace(" See details for more information.", "")

    return f"{message} ({'; '.join(sorted(details))})"


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return _cut(node.n3())

    return str(node)


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _path_text(graph: Graph, path: Node, depth: int = 0) -> str:
    """Render a SHACL property path (SHACL §2.3.1) in SPARQL path syntax."""
    if not isinstance(path, BNode) or depth > 8:
        return str(path)
    if graph.value(path, RDF.first) is not None:
        steps = [_path_text(graph, step, depth + 1) for step in Collection(graph, path)]
        return "/".join(steps)
    for predicate, template in _PATH_FORMS.items():
        inner = graph.value(path, predicate)
        if inner is None:
            continue
        if predicate == SH.alternativePath:
            options = [
                _path_text(graph, step, depth + 1) for step in Collection(graph, inner)
            ]
            return "(" + "|".join(options) + ")"
        return template.format(_path_text(graph, inner, depth + 1))

    return f"_:{path}"


_PATH_FORMS = {
    SH.inversePath: "^{}",
    SH.alternativePath: "({})",
    SH.zeroOrMorePath: "{}*",
    SH.oneOrMorePath: "{}+",
    SH.zeroOrOnePath: "{}?",
}


def _shape_text(shapes: Graph, shape: Node) -> str:
    if not isinstance(shape, BNode):
        return str(shape)

    # A blank property shape is named by the node shape that holds it.
    parent = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    if isinstance(parent, URIRef) and path is not None:
        return f"{parent} > {_path_text(shapes, path)}"

    return f"_:{shape}"


def finding_order(finding: Finding) -> tuple[int, str, str, str, str]:
    """Return a sort key: severity (Violations first), focus, path, constraint."""
    return (
        _RANK[finding.severity],
        finding.focus or "",
        finding.path or "",
        finding.constraint or "",
        finding.check,
    )


def locate(finding: Finding) -> str:
    """Return ``"focus path: "`` in short names, or ``""``, to prefix a message."""
    parts = [compact_iri(part) for part in (finding.focus, finding.path) if part]

    return f"{' '.join(parts)}: " if parts else ""


_AP = "http://data.europa.eu/snb/model/ap/"
_PREFIXES = (
    ("sh", str(SH)),
    ("cred", "https://www.w3.org/2018/credentials#"),
    ("elm", "http://data.europa.eu/snb/model/elm/"),
    ("edc", _AP + "edc-generic-no-cv/"),
    *(
        (name, f"{_AP}{name}/")
        for name in (
            "edc-generic-full",
            "edc-accredited",
            "edc-diploma-supplement",
            "edc-issued-by-mandate",
            "edc-converted",
        )
    ),
    ("dc", "http://purl.org/dc/terms/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("rov", "http://www.w3.org/ns/regorg#"),
    ("org", "http://www.w3.org/ns/org#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("person", "http://www.w3.org/ns/person#"),
    ("clv", "http://data.europa.eu/m8g/"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
)


def compact_iri(text: str) -> str:
    """Shorten an IRI with the EDC prefixes (``cred:issued``) for display.

    Args:
        text: An IRI, or any text; text in no known namespace is returned as is.

    Returns:
        ``prefix:local`` when the IRI starts with a known namespace.

    """
    for prefix, namespace in _PREFIXES:
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"

    return text
