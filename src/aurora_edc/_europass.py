"""Europass EDC issuer files: the upload wrapper and sealed files for deposit.

Implements the two file contracts of the European Commission's EDC services
(open-source release 2.0.6):

* the EDC Issuer's "unsigned uploadable" JSON, ``{"credential": <unsigned EDC>,
  "deliveryDetails": {"walletAddress": ...}}``, from which the issuer seals the
  credential and sends it to the learner. The issuer refuses an already sealed
  upload (HTTP 400 ``CREDENTIALS_ALREADY_SIGNED``), and so does
  :func:`wrap_for_upload`. The EC DTO names the address ``walletAddress``; the
  eduNEXT Open edX exporter writes ``deliveryAddress``. Both are read; the
  writer uses ``walletAddress`` unless told otherwise.
* the sealed EDC file (JAdES, ``.jsonld``) handed to the Europass wallet,
  written byte for byte as sealed, named after the credential id.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from ._documents import CredentialDocument, is_sealed, read_credential_document
from ._exceptions import AlreadySealedError, InputError

__all__ = [
    "DeliveryField",
    "deposit_file_name",
    "wrap_for_upload",
    "write_deposit_file",
    "write_upload_file",
]

logger = logging.getLogger(__name__)

DeliveryField = Literal["walletAddress", "deliveryAddress"]
"""Key of the delivery address: the EC issuer DTO's, or eduNEXT's."""

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def wrap_for_upload(
    credential: Mapping[str, Any] | CredentialDocument,
    *,
    address: str | None = None,
    address_field: DeliveryField = "walletAddress",
) -> dict[str, Any]:
    """Build the EDC Issuer's "uploadable" wrapper around an unsigned EDC.

    Args:
        credential: The unsigned EDC, or an opened unsigned or uploadable
            document (its delivery address is kept unless ``address`` is given).
        address: Learner's wallet address (an e-mail or a wallet id); without
            one, the issuer falls back to the subject's first e-mail.
        address_field: ``walletAddress`` (EC issuer 2.0.6 DTO) or
            ``deliveryAddress`` (what eduNEXT writes).

    Returns:
        ``{"credential": ..., "deliveryDetails": {address_field: address}}``,
        without ``deliveryDetails`` when there is no address.

    Raises:
        AlreadySealedError: The credential is sealed; the issuer would refuse it.
        InputError: The credential has no ``id``.
    """
    document = _as_document(credential)
    if document.sealed:
        raise AlreadySealedError(
            f"credential {document.credential_id} is already sealed; the EDC Issuer "
            "takes unsigned credentials only (400 CREDENTIALS_ALREADY_SIGNED)",
            source=document.source,
        )
    wrapper: dict[str, Any] = {"credential": document.credential}
    chosen = address or document.delivery_address
    if chosen:
        wrapper["deliveryDetails"] = {address_field: chosen}

    return wrapper


def write_upload_file(wrapper: Mapping[str, Any], path: Path) -> Path:
    """Write an uploadable wrapper as the ``.json`` file the issuer accepts.

    Args:
        wrapper: The result of :func:`wrap_for_upload`.
        path: Target file; the issuer's upload page accepts ``.json`` only.

    Returns:
        The path written.

    Raises:
        InputError: ``path`` does not end in ``.json``, or the wrapper holds a
            sealed document.
    """
    if path.suffix != ".json":
        raise InputError("the EDC Issuer accepts .json uploads only", source=str(path))
    inner = wrapper.get("credential")
    if not isinstance(inner, Mapping) or is_sealed(inner):
        raise InputError("wrapper: expected an unsigned credential", source=str(path))
    _atomic_write(path, json.dumps(wrapper, ensure_ascii=False, indent=2).encode())

    return path


def deposit_file_name(credential_id: str) -> str:
    """Derive a portable file name from a credential id.

    Args:
        credential_id: Such as ``urn:credential:1018d05f-...``.

    Returns:
        ``urn_credential_1018d05f-....jsonld``: characters outside
        ``[A-Za-z0-9._-]`` become ``_``.
    """
    stem = _UNSAFE_NAME.sub("_", credential_id).strip("._") or "credential"

    return stem[:200] + ".jsonld"


def write_deposit_file(sealed: bytes | CredentialDocument, directory: Path) -> Path:
    """Write a sealed EDC for deposit, byte for byte, named after its id.

    Writing the same bytes again is a no-op, so a re-run is harmless.

    Args:
        sealed: The sealed JAdES file's bytes, or the opened document.
        directory: Where deposit files are collected (created if missing).

    Returns:
        The file written (or already there with the same bytes).

    Raises:
        InputError: Not a sealed credential, or a different file for the same
            credential id is already in ``directory``.
    """
    if isinstance(sealed, CredentialDocument):
        document = sealed
    else:
        document = read_credential_document(sealed)
    if not document.sealed:
        raise InputError(
            f"credential {document.credential_id} is not sealed; the Europass wallet "
            "refuses unsealed credentials (CREDENTIAL_UNSIGNED)",
            source=document.source,
        )
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / deposit_file_name(document.credential_id)
    if target.exists():
        if target.read_bytes() == document.raw:
            return target
        raise InputError(
            f"a different sealed file for {document.credential_id} is already there",
            source=str(target),
        )
    _atomic_write(target, document.raw)
    logger.debug("wrote deposit file %s", target)

    return target


def _as_document(
    credential: Mapping[str, Any] | CredentialDocument,
) -> CredentialDocument:
    if isinstance(credential, CredentialDocument):
        return credential

    return read_credential_document(credential)


def _atomic_write(path: Path, data: bytes) -> None:
    # Write beside the target, flush to disk, then rename over it.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
