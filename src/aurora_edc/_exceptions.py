"""Exceptions of aurora-edc.

Every error that aurora-edc raises derives from :class:`AuroraEDCError`, and each
subclass also derives from the builtin exception that matches its meaning, so
callers can catch either. Errors of the libraries underneath (lxml, xmlschema,
pyshacl, rdflib, signxml, cryptography, joserfc) are translated at the boundary
with ``raise ... from exc``; their originals stay reachable as ``__cause__``.

The tree::

    AuroraEDCError
    ├── ArtefactError                    an official artefact cannot be used
    │   ├── ArtefactNotFoundError        (LookupError) not in mirror, cache or catalogue
    │   │   ├── UnknownProfileError      (LookupError) no SHACL profile by that name
    │   │   └── UnknownSchemaError       (LookupError) no XML schema by that name
    │   └── ArtefactIntegrityError       (ValueError) SHA-256 differs from the pin
    ├── RecordError                      (ValueError) a record breaks a rule
    │   └── UnknownCodeError             (LookupError) a code is not in its code list
    ├── InputError                       (ValueError) an input document is unusable
    │   ├── UnsafeXMLError               XML refused: DTD, entity, limits
    │   └── AlreadySealedError           sealed where an unsealed one is needed
    ├── ConformanceError                 (ValueError) a document does not conform
    │   ├── SHACLConformanceError        SHACL results with severity Violation
    │   └── XSDConformanceError          XML Schema errors
    ├── SealError                        (ValueError) a seal cannot be made
    │   ├── KeyMaterialError             key or certificate unusable or too weak
    │   ├── IssuerMismatchError          credential issuer differs from certificate
    │   └── TimestampAuthorityError      (ConnectionError) the TSA failed or refused
    ├── VerificationError                (ValueError) a seal cannot be checked at all
    └── HandoffError                     (ConnectionError) a wallet route failed
        └── PayloadTooLargeError         (ValueError) a credential exceeds a size limit

Errors that concern one place in one input carry that place: the record id and
the field path for records, the XPath and source line for XML, the focus node
and shape for SHACL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import ClassVar

__all__ = [
    "AlreadySealedError",
    "ArtefactError",
    "ArtefactIntegrityError",
    "ArtefactNotFoundError",
    "AuroraEDCError",
    "ConformanceError",
    "HandoffError",
    "InputError",
    "IssuerMismatchError",
    "KeyMaterialError",
    "PayloadTooLargeError",
    "RecordError",
    "SHACLConformanceError",
    "SealError",
    "TimestampAuthorityError",
    "UnknownCodeError",
    "UnknownProfileError",
    "UnknownSchemaError",
    "UnsafeXMLError",
    "VerificationError",
    "XSDConformanceError",
    "shorten",
]

_MAX_SHOWN = 120


def shorten(value: object, limit: int = _MAX_SHOWN) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters for error messages.

    The text is built piece by piece and building stops once ``limit`` is
    passed, so a huge value (a YAML document whose aliases expand to gigabytes,
    a long base64 string) costs no more than a small one. Strings, bytes,
    numbers and the builtin containers (``dict``, ``list``, ``tuple``, ``set``,
    ``frozenset``) are rendered so; other objects use their own ``repr``.

    Args:
        value: Anything to show in a message.
        limit: Longest text returned; longer text ends in ``...``.

    Returns:
        A printable, bounded representation: ``repr(value)`` itself when that
        fits in ``limit`` characters, else its first ``limit - 3`` characters
        followed by ``...``.

    """
    text = _BoundedRepr(limit).render(value)
    if len(text) <= limit:
        return text

    return text[: limit - 3] + "..."


class _Full(Exception):
    """Raised inside :class:`_BoundedRepr` once enough text is built."""


class _BoundedRepr:
    """Build a prefix of ``repr(value)`` that stops just past ``limit`` chars."""

    _CLOSE: ClassVar[dict[type, str]] = {list: "[...]", tuple: "(...)", dict: "{...}"}

    def __init__(self, limit: int) -> None:
        self._room = max(limit, 0) + 1
        self._pieces: list[str] = []
        self._active: set[int] = set()

    def render(self, value: object) -> str:
        with contextlib.suppress(_Full):
            self._value(value)

        return "".join(self._pieces)

    def _emit(self, text: str) -> None:
        self._pieces.append(text)
        self._room -= len(text)
        if self._room <= 0:
            raise _Full

    def _value(self, value: object) -> None:
        kind = type(value)
        if kind is str or kind is bytes:
            self._emit(_text_prefix(value, self._room))  # type: ignore[arg-type]
        elif kind is int:
            self._emit(_int_repr(value))  # type: ignore[arg-type]
        elif kind in (list, tuple, dict, set, frozenset):
            self._container(value)
        else:
            self._emit(repr(value))

    def _container(self, value: object) -> None:
        # A container met again inside itself prints as builtin repr does.
        if id(value) in self._active:
            self._emit(self._CLOSE[type(value)])
            return

        self._active.add(id(value))
        if isinstance(value, dict):
            self._items(value, "{", "}")
        elif isinstance(value, list):
            self._sequence(value, "[", "]")
        elif isinstance(value, tuple):
            self._sequence(value, "(", ",)" if len(value) == 1 else ")")
        elif isinstance(value, set | frozenset):
            name = type(value).__name__
            if not value:
                self._emit(f"{name}()")
            elif isinstance(value, frozenset):
                self._sequence(value, "frozenset({", "})")
            else:
                self._sequence(value, "{", "}")
        self._active.discard(id(value))

    def _sequence(self, items: Iterable[object], start: str, end: str) -> None:
        self._emit(start)
        for index, item in enumerate(items):
            if index:
                self._emit(", ")
            self._value(item)
        self._emit(end)

    def _items(self, mapping: dict[object, object], start: str, end: str) -> None:
        self._emit(start)
        for index, (key, item) in enumerate(mapping.items()):
            if index:
                self._emit(", ")
            self._value(key)
            self._emit(": ")
            self._value(item)
        self._emit(end)


def _text_prefix(value: str | bytes, room: int) -> str:
    """Return ``repr(value)``, or a prefix of it longer than ``room``."""
    if len(value) <= room:
        return repr(value)

    # repr() picks its quote from the whole text (a double quote when the text
    # holds a single quote and no double one): end the slice with the quotes
    # that make repr() pick the same one, then drop them again.
    if isinstance(value, str):
        if "'" in value and '"' not in value:
            return repr(value[:room] + "'")[:-2]
        return repr(value[:room] + "'\"")[:-4]
    if b"'" in value and b'"' not in value:
        return repr(value[:room] + b"'")[:-2]

    return repr(value[:room] + b"'\"")[:-4]


def _int_repr(value: int) -> str:
    try:
        return repr(value)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return f"<int of {value.bit_length()} bits>"


class AuroraEDCError(Exception):
    """Root of every error that aurora-edc raises."""


class ArtefactError(AuroraEDCError):
    """An official artefact (shape, context, schema, code list) is unusable."""


class ArtefactNotFoundError(ArtefactError, LookupError):
    """An artefact is in neither the mirror, the cache nor the catalogue."""


class UnknownProfileError(ArtefactNotFoundError):
    """No SHACL profile (shape files and their imports) has the name asked for."""


class UnknownSchemaError(ArtefactNotFoundError):
    """No official XML schema (ELM 1.0/1.2, LOQ, AMS) has the name asked for."""


class ArtefactIntegrityError(ArtefactError, ValueError):
    """An artefact's bytes do not match the SHA-256 pinned in the catalogue."""


class RecordError(AuroraEDCError, ValueError):
    """A record breaks a rule of the record model.

    Attributes:
        record_id: Identifier of the record (award or specification id), or the
            source position such as ``roster.csv:12`` when no id is known.
        path: Field path inside the record, such as ``learner.date_of_birth``.
        rule: What the field must satisfy.
        source: Where the record was read (``roster.csv:12``), when known.

    """

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        path: str | None = None,
        rule: str | None = None,
        source: str | None = None,
    ) -> None:
        self.record_id = record_id
        self.path = path
        self.rule = rule
        self.source = source
        super().__init__(message)

    def __str__(self) -> str:
        where = [part for part in (self.record_id, self.path) if part]
        prefix = f"{' '.join(where)}: " if where else ""

        return prefix + str(self.args[0])


class UnknownCodeError(RecordError, LookupError):
    """A controlled-vocabulary value is not a concept of its code list."""


class InputError(AuroraEDCError, ValueError):
    """An input document cannot be read: bad syntax, wrong kind, too large.

    Attributes:
        source: File name or other label of the input.
        line: Source line of the fault, when known.

    """

    def __init__(
        self, message: str, *, source: str | None = None, line: int | None = None
    ) -> None:
        self.source = source
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        if self.source is None:
            return str(self.args[0])
        at = f"{self.source}:{self.line}" if self.line else self.source

        return f"{at}: {self.args[0]}"


class UnsafeXMLError(InputError):
    """XML refused by the hardened parser: DTD, entity, or a size limit.

    Attributes:
        rule: The safety rule that refused the input, such as ``doctype`` or
            ``max-depth`` (see :mod:`aurora_edc._xmlsafe`).

    """

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.rule = rule
        super().__init__(message, source=source, line=line)


class AlreadySealedError(InputError):
    """A sealed credential was given where only an unsealed one can be used.

    The Europass issuer refuses a sealed upload (``CREDENTIALS_ALREADY_SIGNED``),
    and nothing inside a seal can change without breaking it.
    """


class ConformanceError(AuroraEDCError, ValueError):
    """A document does not conform to a profile or schema.

    Attributes:
        results: The individual findings (SHACL results or XSD errors).

    """

    def __init__(self, message: str, results: Sequence[object] = ()) -> None:
        self.results = tuple(results)
        super().__init__(message)


class SHACLConformanceError(ConformanceError):
    """SHACL validation found results of severity Violation."""


class XSDConformanceError(ConformanceError):
    """XML Schema validation found errors."""


class SealError(AuroraEDCError, ValueError):
    """A seal cannot be made."""


class KeyMaterialError(SealError):
    """A key or certificate is unusable, or weaker than the policy allows."""


class IssuerMismatchError(SealError):
    """The credential's issuer identifier differs from the seal certificate's."""


class TimestampAuthorityError(SealError, ConnectionError):
    """A time-stamping authority was unreachable, refused, or answered wrongly."""


class VerificationError(AuroraEDCError, ValueError):
    """A sealed document cannot be verified at all (not a failed verification)."""


class HandoffError(AuroraEDCError, ConnectionError):
    """A wallet route (Europass deposit, OpenID4VCI) failed.

    Attributes:
        status: HTTP status code, when the failure came from a response.

    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class PayloadTooLargeError(HandoffError, ValueError):
    """A credential is larger than a configured handoff limit.

    Attributes:
        size: Size of the refused payload in bytes.
        limit: The limit it exceeded, in bytes; None when a server refused it
            (HTTP 413) without saying its limit.

    """

    def __init__(self, message: str, *, size: int, limit: int | None) -> None:
        self.size = size
        self.limit = limit
        super().__init__(message, status=None)
