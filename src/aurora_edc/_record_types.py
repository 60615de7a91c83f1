"""Field types of the credential records and the rules each one enforces.

Annotated types used by :mod:`aurora_edc._records`: multilingual text
(BCP 47 language tag -> text), ``xsd:duration``, IRIs and web addresses,
e-mail addresses, and the controlled-vocabulary fields, which accept a concept
IRI or a short code and are stored as the official concept IRI (see
:mod:`aurora_edc._vocab`). Embedded files (logos, display images) are read
here too, with the limits a credential needs: a regular file inside the record
file's folder, of a known image or PDF type, at most :data:`MAX_MEDIA_BYTES`.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from ._aurora_vocab import builtin_vocabulary
from ._exceptions import InputError, UnknownCodeError
from ._files import read_regular_file
from ._vocab import Concept, open_concept, open_scheme_names, resolve_code

__all__ = [
    "DEFAULT_LANGUAGE",
    "EQF",
    "IRI",
    "ISCEDF",
    "MAX_MEDIA_BYTES",
    "SDG",
    "AccreditationType",
    "ActivityType",
    "AssessmentType",
    "Country",
    "CredentialType",
    "Duration",
    "Email",
    "FileType",
    "KeyCompetence",
    "LangText",
    "Language",
    "LanguageTag",
    "LearningSetting",
    "Mode",
    "OpportunityType",
    "WebURL",
    "as_list",
    "code_type",
    "is_iri",
    "is_language_tag",
    "load_media",
    "refuse_control_characters",
    "skill_concept",
]

DEFAULT_LANGUAGE = "en"
MAX_MEDIA_BYTES = 5 * 1024 * 1024
# The longest notional learning time we accept: 10 years of full-time study.
_MAX_HOURS = 10 * 1800

_LANG_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
# RFC 3987 excludes spaces, controls and <>"{}|\^` from IRIs; Turtle and
# N-Triples cannot write them either.
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+$")
_WEB = re.compile(r"^https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f]+$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?_~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Control characters, bidirectional overrides, lone surrogates (from JSON
# escapes such as \ud800: not Unicode text) and the two non-characters XML 1.0
# cannot hold (U+FFFE, U+FFFF).
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
_MAGIC = {
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "JPEG": (b"\xff\xd8\xff",),
    "GIF": (b"GIF87a", b"GIF89a"),
    "PDF": (b"%PDF-",),
    "SVG": (b"<svg", b"<?xml"),
}


def code_type(list_name: str) -> AfterValidator:
    """Return a validator resolving a code or IRI of ``list_name`` to its IRI."""

    def resolve(value: str) -> str:
        return resolve_code(list_name, value).iri

    return AfterValidator(resolve)


def _as_text(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)

    return value


def as_list(value: object) -> object:
    """Wrap a single value in a list (fields that take one or several)."""
    return value if isinstance(value, list) else [value]


def skill_concept(iri: str, label: dict[str, str]) -> Concept:
    """Return the concept of a skill IRI in any open scheme (ESCO, DigComp...).

    Raises:
        UnknownCodeError: The IRI belongs to no known skill scheme.
    """
    for scheme in open_scheme_names():
        if scheme.startswith(("esco", "digcomp")):
            try:
                return open_concept(scheme, iri, label)
            except UnknownCodeError:
                continue

    raise UnknownCodeError(
        f"{iri!r} is not an ESCO or DigComp concept IRI",
        rule="a skill of an open scheme",
    )


def refuse_control_characters(data: Any) -> Any:
    """Refuse control and bidirectional-override characters in any text field.

    Line breaks and tabs stay allowed. Such characters are invisible in a
    wallet and can make a name or title read differently from what it holds;
    U+FFFE and U+FFFF cannot be written in XML at all.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            texts = value if isinstance(value, list) else [value]
            for text in texts:
                if isinstance(text, str) and (found := _CONTROL.search(text)):
                    raise ValueError(
                        f"{key!r} contains the character U+{ord(found.group()):04X}"
                        " (control, bidirectional override, lone surrogate or "
                        "XML non-character)"
                    )

    return data


def _lang_map(value: object, info: ValidationInfo) -> object:
    """Accept ``"text"`` (default language) or ``{"en": "text"}``."""
    if isinstance(value, str):
        language = (info.context or {}).get("default_language", DEFAULT_LANGUAGE)
        return {language: value}

    return value


def _check_lang_map(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("needs text in at least one language")
    cleaned: dict[str, str] = {}
    for tag, text in value.items():
        if not _LANG_TAG.match(tag):
            raise ValueError(
                f"{tag!r} is not a BCP 47 language tag such as 'en' or 'de'"
            )
        if not text.strip():
            raise ValueError(f"text for language {tag!r} is empty")
        if found := _CONTROL.search(text):
            raise ValueError(
                f"text for {tag!r} contains the character "
                f"U+{ord(found.group()):04X} (control, bidirectional override, "
                "lone surrogate or XML non-character)"
            )
        key = tag.lower() if len(tag) <= 3 else tag
        if key in cleaned:
            raise ValueError(f"language {tag!r} is given twice")
        cleaned[key] = text.strip()

    return cleaned


def _check_duration(value: object) -> str:
    """Accept an xsd:duration (``PT60H``), hours as a number, or a timedelta."""
    if isinstance(value, timedelta):
        value = value.total_seconds() / 3600
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{value!r} is not a duration: give hours or 'PT60H'")
    if isinstance(value, str):
        if not _DURATION.match(value):
            raise ValueError(
                f"{value!r} is not an xsd:duration such as 'PT60H' or 'P1M'"
            )
        return value

    hours = float(value)
    if not math.isfinite(hours) or not 0 < hours <= _MAX_HOURS:
        raise ValueError(f"{value!r} hours is not between 0 and {_MAX_HOURS}")
    seconds = round(hours * 3600)
    if seconds < 60:
        raise ValueError(f"{value!r} hours is less than a minute")
    whole, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{whole}H" if whole else "")
    text += (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")

    return text


def is_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI that RDF syntaxes can write."""
    return bool(_IRI.match(value))


def is_language_tag(value: str) -> bool:
    """Whether ``value`` has the form of a BCP 47 language tag."""
    return bool(_LANG_TAG.match(value))


def _check_language_tag(value: str) -> str:
    if not is_language_tag(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as 'en'")

    return value


def _check_iri(value: str) -> str:
    if not _IRI.match(value):
        raise ValueError(f"{value!r} is not an absolute IRI")

    return value


def _check_web(value: str) -> str:
    if not _WEB.match(value):
        raise ValueError(f"{value!r} is not an http(s) address")

    return value


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")

    return value


def load_media(data: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Read an embedded file given by ``path`` into base64 ``content``.

    The path is relative to the record file and must stay inside its folder;
    the file must be a regular file of at most :data:`MAX_MEDIA_BYTES` whose
    first bytes match its declared type.

    Raises:
        ValueError: The path escapes the folder, the file is unreadable, too
            large, or not of its declared type.
    """
    given = Path(str(data["path"]))
    base = base_dir.resolve()
    source = (base / given).resolve()
    if given.is_absolute() or not source.is_relative_to(base):
        raise ValueError(
            f"{str(given)!r} is outside the record file's folder {str(base)!r}"
        )
    try:
        raw = read_regular_file(source, max_bytes=MAX_MEDIA_BYTES, source=str(source))
    except InputError as exc:
        raise ValueError(str(exc)) from exc

    kind = str(data.get("content_type") or source.suffix.lstrip(".") or "?")
    concept = resolve_code("file-type", kind)
    _check_magic(raw, concept.notation or kind, source)

    return {
        "path": data["path"],
        "content": base64.b64encode(raw).decode("ascii"),
        "content_type": concept.iri,
    }


def check_base64(content: str) -> None:
    """Refuse content that is not base64.

    Raises:
        ValueError: Not base64.
    """
    try:
        base64.b64decode(content, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"content is not base64: {exc}") from exc


def _check_magic(raw: bytes, kind: str, source: Path) -> None:
    signatures = _MAGIC.get(kind.upper())
    if signatures is None:
        return
    head = raw[:256].lstrip()
    if not head.startswith(signatures):
        raise ValueError(f"{str(source)!r} is not a {kind.upper()} file")


LangText = Annotated[
    dict[str, str],
    BeforeValidator(_lang_map),
    AfterValidator(_check_lang_map),
    Field(json_schema_extra={"description": "language tag -> text, or a plain string"}),
]
Duration = Annotated[str, BeforeValidator(_check_duration)]
LanguageTag = Annotated[str, AfterValidator(_check_language_tag)]
IRI = Annotated[str, AfterValidator(_check_iri)]
WebURL = Annotated[str, AfterValidator(_check_web)]
Email = Annotated[str, AfterValidator(_check_email)]
Country = Annotated[str, code_type("country")]
Language = Annotated[str, code_type("language")]
EQF = Annotated[str, BeforeValidator(_as_text), code_type("eqf")]
ISCEDF = Annotated[str, BeforeValidator(_as_text), code_type("isced-f")]
Mode = Annotated[str, code_type("mode")]
LearningSetting = Annotated[str, code_type("learning-setting")]
AssessmentType = Annotated[str, code_type("assessment-type")]
AccreditationType = Annotated[str, code_type("accreditation-type")]
CredentialType = Annotated[str, code_type("credential-type")]
OpportunityType = Annotated[str, code_type("learning-opportunity-type")]
ActivityType = Annotated[str, code_type("learning-activity-type")]
FileType = Annotated[str, code_type("file-type")]


def _aurora_code(name: str) -> AfterValidator:
    """Return a validator resolving a code of a built-in Aurora vocabulary."""

    def resolve(value: str) -> str:
        return builtin_vocabulary(name).resolve(value).iri

    return AfterValidator(resolve)


SDG = Annotated[str, BeforeValidator(_as_text), _aurora_code("sdg")]
KeyCompetence = Annotated[
    str, BeforeValidator(_as_text), _aurora_code("key-competence")
]
