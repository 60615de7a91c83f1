"""What one credential loses in ELM 1.2 XML, and what a diploma supplement lacks.

Findings (severity Warning, ``check="elm12"``) that :func:`aurora_edc._xml12.
elm12_report` adds to the XML Schema findings of a written document:

* a text in a language that ``LanguageCharCodeEnumType`` of
  ``genericschema_1.2.xsd`` does not admit (29 two-letter codes), or a second
  text of one language (``en`` and ``en-GB``), is left out;
* ``AssessmentType/grade`` is one ``TextScoreType`` string: translations of a
  grade beyond the one written are left out;
* for a credential of Europass type "Diploma Supplement", each property that
  the EDC diploma-supplement profile (``EDC-diplomaSupplement.ttl``, ELM 3.2
  shapes on ``Person``, ``LearningAchievement`` and ``Qualification``)
  requires and the record does not give.

Loss that happens to every credential (the display image, group e-mail
addresses...) is documented once in ``docs/status.md``, not reported here.
"""

from __future__ import annotations

from collections.abc import Iterator

from ._elm import LangMap, Node
from ._exceptions import shorten
from ._report import Finding, Severity
from ._xml12_parts import lost_languages, nodes, note_text

__all__ = ["content_findings"]

_PROFILE = "http://data.europa.eu/snb/model/ap/edc-diploma-supplement"

# (class, property, what the diploma-supplement shapes call it)
_SUPPLEMENT_NEEDS = (
    ("Person", "fullName", "the learner's full name"),
    ("Person", "dateOfBirth", "the learner's date of birth"),
    ("LearningAchievement", "creditReceived", "the credits received (ECTS)"),
    ("LearningAchievement", "provenBy", "a graded assessment"),
    ("Qualification", "thematicArea", "an ISCED-F field"),
    ("Qualification", "language", "a language of instruction"),
    ("Qualification", "nqfLevel", "an NQF level"),
    ("Qualification", "maximumDuration", "a maximum duration"),
    ("Qualification", "mode", "a mode of learning"),
    ("Qualification", "learningOutcome", "at least one learning outcome"),
)


def content_findings(
    credential: Node, *, diploma_supplement: bool = False
) -> Iterator[Finding]:
    """Yield a Warning for each fact of ``credential`` its 1.2 document omits.

    Args:
        credential: The credential's root node.
        diploma_supplement: Also check what a diploma supplement needs.

    Yields:
        Findings with severity Warning and ``check="elm12"``.

    """
    for node in _unique_nodes(credential):
        yield from _languages(node)
        if "LearningAssessment" in node.types:
            yield from _grade(node)
    if diploma_supplement:
        yield from _supplement(credential)


def _unique_nodes(credential: Node) -> list[Node]:
    """The nodes of a credential, depth first, the first of each id only.

    Like :meth:`Node.walk`, but a node object met again is not walked again.
    """
    seen: set[str] = set()
    visited: set[int] = set()
    found = []
    stack = [credential]
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if node.id not in seen:
            seen.add(node.id)
            found.append(node)
        stack.extend(reversed(node.children()))

    return found


def _languages(node: Node) -> Iterator[Finding]:
    for prop, value in node.props.items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, LangMap):
                continue
            lost = lost_languages(item)
            if lost:
                yield _warning(
                    f"{prop}: text in {', '.join(lost)} left out; ELM 1.2 admits "
                    "one text in each of 29 languages (LanguageCharCodeEnumType)",
                    node,
                    prop,
                    shorten({tag: item.texts[tag] for tag in lost}),
                )


def _grade(node: Node) -> Iterator[Finding]:
    grade = note_text(node.get("grade"))
    if grade is None or len(grade.texts) < 2:
        return
    kept = "en" if "en" in grade.texts else next(iter(grade.texts))
    dropped = [tag for tag in grade.texts if tag != kept]
    yield _warning(
        f"grade: ELM 1.2 holds one grade text (TextScoreType); kept {kept!r}, "
        f"left out {', '.join(dropped)}",
        node,
        "grade",
        shorten(grade.texts),
    )


def _supplement(credential: Node) -> Iterator[Finding]:
    for node in _supplement_nodes(credential):
        if "LearningAchievementSpecification" in node.types:
            yield _warning(
                "specifiedBy: a diploma supplement is of a Qualification; this "
                "specification has no EQF level, so it is not one",
                node,
                "eqfLevel",
                None,
            )
        for kind, prop, meaning in _SUPPLEMENT_NEEDS:
            if kind in node.types and not nodes(node, prop) and node.get(prop) is None:
                yield _warning(
                    f"{kind}.{prop}: a diploma supplement needs {meaning} "
                    f"({_PROFILE}); the record gives none",
                    node,
                    prop,
                    None,
                )


def _supplement_nodes(credential: Node) -> list[Node]:
    person = credential.get("credentialSubject")
    if not isinstance(person, Node):
        return []
    found = [person]
    for claim in nodes(person, "hasClaim"):
        found.append(claim)
        found += nodes(claim, "specifiedBy")

    return found


def _warning(message: str, node: Node, prop: str, value: str | None) -> Finding:
    return Finding(
        message,
        severity=Severity.WARNING,
        check="elm12",
        focus=node.id,
        path=prop,
        value=value,
    )
