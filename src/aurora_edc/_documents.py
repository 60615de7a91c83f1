"""The file shapes an EDC travels in on its way to a wallet.

The Europass EDC services (release 2.0.6) exchange a European Digital
Credential in three JSON shapes, which this module tells apart and opens:

* the unsigned EDC JSON-LD document (``@context``, ``type``, ``id`` ...);
* the issuer's "uploadable" wrapper ``{"credential": <EDC>, "deliveryDetails":
  {...}}``, whose delivery address the EC DTO names ``walletAddress`` and the
  eduNEXT exporter ``deliveryAddress``;
* the sealed EDC, a JAdES signature (ETSI TS 119 182-1) in the JWS JSON
  serialisation (RFC 7515 clause 7.2, general or flattened) whose payload is the
  EDC as JSON text, unencoded when the protected header says ``"b64": false``
  (RFC 7797).

Opening a sealed file does not verify its seal; it only reads the payload.
Only regular files are read, and no more than the size limit
(:func:`read_regular_file`).
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._exceptions import InputError, shorten
from ._files import read_regular_file

__all__ = [
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "CredentialDocument",
    "DocumentKind",
    "is_sealed",
    "read_credential_document",
    "subject_email",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
"""Largest document read (32 MiB): a sealed EDC with its LTA data is ~150 kB."""

DELIVERY_FIELDS = ("walletAddress", "deliveryAddress")
"""Delivery-address keys: the EC issuer DTO's, then eduNEXT's."""


class DocumentKind(enum.StrEnum):
    """Which of the three Europass file shapes a document has."""

    UNSIGNED = "unsigned"
    UPLOADABLE = "uploadable"
    SEALED = "sealed"


@dataclass(frozen=True)
class CredentialDocument:
    """One EDC file, opened.

    Attributes:
        kind: The file shape.
        credential: The EDC itself (for a sealed file, its parsed payload).
        raw: The exact bytes read; a sealed file is deposited unchanged.
        source: File name or label, for messages.
        delivery_address: The wrapper's delivery address, if any.
        delivery_field: Which key held it (``walletAddress`` or
            ``deliveryAddress``).
    """

    kind: DocumentKind
    credential: dict[str, Any]
    raw: bytes = field(repr=False)
    source: str | None = None
    delivery_address: str | None = None
    delivery_field: str | None = None

    @property
    def credential_id(self) -> str:
        """The credential's ``id`` (checked to be a non-empty string on read)."""
        return str(self.credential["id"])

    @property
    def sealed(self) -> bool:
        """Whether the document is a sealed (JAdES) file."""
        return self.kind is DocumentKind.SEALED


def is_sealed(document: Mapping[str, Any]) -> bool:
    """Tell whether a parsed JSON document is a JWS JSON serialisation.

    Args:
        document: A parsed JSON object.

    Returns:
        True for ``{"payload", "signatures"}`` (general) or ``{"payload",
        "protected", "signature"}`` (flattened).
    """
    if not isinstance(document.get("payload"), str):
        return False

    return "signatures" in document or "signature" in document


def read_credential_document(
    data: bytes | str | Path | Mapping[str, Any],
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> CredentialDocument:
    """Open an unsigned, uploadable or sealed EDC document.

    Args:
        data: A path, the file's bytes or text, or an already parsed object.
        source: Label for messages (defaults to the path when given one).
        max_bytes: Larger inputs are refused before parsing.

    Returns:
        The opened document.

    Raises:
        InputError: Unreadable, too large, not JSON, not one of the three
            shapes, or a credential without a string ``id``.
    """
    raw, label = _read_bytes(data, source, max_bytes)
    parsed = data if isinstance(data, Mapping) else _parse_json(raw, label)
    if not isinstance(parsed, Mapping):
        raise InputError("expected a JSON object", source=label)
    document = _classify(dict(parsed), raw, label)
    logger.debug("read %s credential %s", document.kind.value, document.credential_id)

    return document


def subject_email(credential: Mapping[str, Any]) -> str | None:
    """Return the first e-mail address of the credential subject.

    The Europass issuer deposits to the wallet of this address when the upload
    names no wallet address.

    Args:
        credential: An EDC.

    Returns:
        The address without ``mailto:``, or None when the subject has none.
    """
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    for item in subjects:
        if not isinstance(item, Mapping):
            continue
        for point in _as_list(item.get("contactPoint")):
            for mailbox in _as_list(point.get("emailAddress")):
                mail_id = mailbox.get("id")
                if isinstance(mail_id, str) and mail_id.startswith("mailto:"):
                    return mail_id.removeprefix("mailto:")

    return None


def _as_list(value: object) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [value]

    return [item for item in items if isinstance(item, Mapping)]


def _read_bytes(
    data: bytes | str | Path | Mapping[str, Any], source: str | None, max_bytes: int
) -> tuple[bytes, str | None]:
    if isinstance(data, Path):
        label = source or str(data)
        return read_regular_file(data, max_bytes=max_bytes, source=label), label
    if isinstance(data, Mapping):
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        raw = data.encode() if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise InputError(f"{len(raw)} bytes, over the {max_bytes} limit", source=source)

    return raw, source


def _parse_json(raw: bytes, label: str | None) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", source=label, line=exc.lineno) from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"not usable JSON: {shorten(str(exc))}", source=label) from exc


def _classify(
    parsed: dict[str, Any], raw: bytes, label: str | None
) -> CredentialDocument:
    if is_sealed(parsed):
        credential = _sealed_payload(parsed, label)
        return _checked(CredentialDocument(DocumentKind.SEALED, credential, raw, label))
    if isinstance(parsed.get("credential"), Mapping):
        return _checked(_wrapper(parsed, raw, label))
    if "@context" in parsed or "type" in parsed:
        return _checked(CredentialDocument(DocumentKind.UNSIGNED, parsed, raw, label))
    keys = shorten(sorted(parsed)[:8])
    raise InputError(
        "expected an EDC, an uploadable wrapper {credential, deliveryDetails} or a "
        f"sealed JWS {{payload, signatures}}; found keys {keys}",
        source=label,
    )


def _wrapper(
    parsed: dict[str, Any], raw: bytes, label: str | None
) -> CredentialDocument:
    details = parsed.get("deliveryDetails") or {}
    if not isinstance(details, Mapping):
        raise InputError("deliveryDetails: expected an object", source=label)
    for key in DELIVERY_FIELDS:
        address = details.get(key)
        if isinstance(address, str) and address:
            return CredentialDocument(
                DocumentKind.UPLOADABLE,
                dict(parsed["credential"]),
                raw,
                label,
                delivery_address=address,
                delivery_field=key,
            )

    return CredentialDocument(
        DocumentKind.UPLOADABLE, dict(parsed["credential"]), raw, label
    )


def _sealed_payload(parsed: Mapping[str, Any], label: str | None) -> dict[str, Any]:
    payload = str(parsed["payload"])
    text = payload if _unencoded(parsed, label) else _b64url_text(payload, label)
    try:
        credential = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError("sealed payload: not a JSON credential", source=label) from exc
    if not isinstance(credential, dict):
        raise InputError("sealed payload: expected a JSON object", source=label)

    return credential


def _unencoded(parsed: Mapping[str, Any], label: str | None) -> bool:
    # RFC 7797: "b64": false in the protected header means a raw payload.
    signatures = parsed.get("signatures")
    first = signatures[0] if isinstance(signatures, list) and signatures else parsed
    protected = first.get("protected") if isinstance(first, Mapping) else None
    if not isinstance(protected, str):
        raise InputError("sealed: no protected header", source=label)
    try:
        header = json.loads(_b64url_text(protected, label))
    except json.JSONDecodeError as exc:
        raise InputError("sealed: protected header is not JSON", source=label) from exc

    return isinstance(header, dict) and header.get("b64") is False


def _b64url_text(value: str, label: str | None) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InputError("sealed: bad base64url", source=label) from exc


def _checked(document: CredentialDocument) -> CredentialDocument:
    credential_id = document.credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        raise InputError(
            "credential id: expected a non-empty string, found "
            f"{shorten(credential_id)} (the Europass wallet refuses a credential "
            "without id)",
            source=document.source,
        )

    return document
