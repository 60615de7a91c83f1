"""Trust anchors from an EU trusted-list snapshot (ETSI TS 119 612 v2).

A national trusted list (TL, root ``tsl:TrustServiceStatusList``, clause 5)
names trust service providers and, for each service, its type
(``ServiceTypeIdentifier``, clause 5.5.1), its digital identity (clause 5.5.3)
and its status with the time it started (clauses 5.5.4, 5.5.5), earlier
statuses being kept in ``ServiceHistory`` (clause 5.6). This module reads a
TL file offline and returns, as trust anchors, the certificates of the
services whose type and status the caller accepts: by default qualified CAs
(``CA/QC``) and qualified time-stamping authorities (``TSA/QTST``) that are
``granted``, or held one of the pre-eIDAS statuses that clause 5.5.4 keeps
for history (``accredited``, ``undersupervision``, ``recognisedatnationallevel``).

The list of the lists (LOTL, ``TSLType`` ``EUlistofthelists``) only points to
the national lists; nothing is fetched, so a LOTL is refused and the national
TL files must be given.

The TL's own enveloped XAdES signature (clause 5.7) is **not** verified by
default: the anchors are then only as trustworthy as the way the file was
obtained, and a WARNING is logged every time anchors are taken from a TL.
When the caller gives the TL signer's certificate (``signer``, as published
in the LOTL), the enveloped XML signature is verified with signxml against
that certificate alone and anchors are read from the signed content only; the
XAdES signed properties and the signer's own LOTL entry are not checked.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from lxml import etree

from ._exceptions import InputError, VerificationError, shorten
from ._xmlsafe import parse_xml

__all__ = [
    "DEFAULT_TL_SERVICE_TYPES",
    "DEFAULT_TL_STATUSES",
    "TrustedList",
    "TrustedListAnchor",
    "read_trusted_list",
]

log = logging.getLogger(__name__)

_NS = "http://uri.etsi.org/02231/v2#"
_T = f"{{{_NS}}}"
_NSMAP = {"tsl": _NS}
_ROOT = f"{_T}TrustServiceStatusList"
_DS = "{http://www.w3.org/2000/09/xmldsig#}"
_LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
_STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"

DEFAULT_TL_SERVICE_TYPES: frozenset[str] = frozenset(
    {
        "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
        "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST",
    }
)
"""Service types taken by default: qualified CAs and qualified TSAs."""

DEFAULT_TL_STATUSES: frozenset[str] = frozenset(
    {
        _STATUS + "granted",
        _STATUS + "accredited",
        _STATUS + "undersupervision",
        _STATUS + "recognisedatnationallevel",
    }
)
"""Statuses taken by default: ``granted`` and the pre-eIDAS positive ones."""


@dataclass(frozen=True)
class TrustedListAnchor:
    """One certificate of an accepted TL service.

    Attributes:
        certificate: The service's X.509 certificate (its digital identity).
        service_name: The service's name (English when given, else the first).
        service_type: The ``ServiceTypeIdentifier`` URI.
        status: The status URI that made the service acceptable.
        provider: The trust service provider's name.

    """

    certificate: x509.Certificate
    service_name: str
    service_type: str
    status: str
    provider: str


@dataclass(frozen=True)
class TrustedList:
    """What was read from one TL snapshot.

    Attributes:
        source: File name or ``<bytes>``.
        territory: ``SchemeTerritory`` (ISO 3166 alpha-2, ``EL`` for Greece).
        sequence_number: ``TSLSequenceNumber``.
        issued: ``ListIssueDateTime``.
        next_update: ``NextUpdate``; None for a closed list.
        anchors: The accepted services' certificates, in document order.

    """

    source: str
    territory: str
    sequence_number: int
    issued: datetime
    next_update: datetime | None
    anchors: tuple[TrustedListAnchor, ...]

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The anchors' certificates, for ``verify_jades``/``verify_xades``."""
        return tuple(anchor.certificate for anchor in self.anchors)


def read_trusted_list(
    source: Path | bytes,
    *,
    services: Collection[str] = DEFAULT_TL_SERVICE_TYPES,
    statuses: Collection[str] = DEFAULT_TL_STATUSES,
    at: datetime | None = None,
    signer: x509.Certificate | None = None,
) -> TrustedList:
    """Read trust anchors from a national TL snapshot (ETSI TS 119 612).

    Without ``signer`` the TL's own signature is not verified (see the
    module docstring) and a WARNING says so each time. A WARNING is also
    logged when ``NextUpdate`` is in the past.

    Args:
        source: The TL file, or its bytes; parsed with the hardened parser
            (no DTD, size and depth limits).
        services: ``ServiceTypeIdentifier`` URIs to accept.
        statuses: Status URIs to accept.
        at: Take the status valid at this time (from ``ServiceHistory``)
            instead of the current one; a naive time is read as UTC.
        signer: The TL signer's certificate; when given, the enveloped
            signature must verify with it, and anchors come from the signed
            content only.

    Returns:
        The list's identification and its accepted anchors.

    Raises:
        InputError: The file is unreadable, not a TL, a LOTL, or holds a
            malformed date, number or certificate.
        UnsafeXMLError: The XML breaks a safety rule (a DTD, a limit).
        VerificationError: ``signer`` is given and the TL's signature is
            missing or does not verify with it.

    """
    name = str(source) if isinstance(source, Path) else "<bytes>"
    root = parse_xml(source, source_name=name).getroot()
    _check_root(root, name)
    if signer is not None:
        root = _verified_root(root, signer, name)

    scheme = _required(root, "tsl:SchemeInformation", name)
    if _text(scheme, "tsl:TSLType") == _LOTL_TYPE:
        raise InputError(
            "this is the EU list of the lists (LOTL), which only points to the "
            "national trusted lists; nothing is fetched: give the national TL "
            "files themselves",
            source=name,
            line=root.sourceline,
        )

    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    trusted = TrustedList(
        source=name,
        territory=_text(scheme, "tsl:SchemeTerritory") or "",
        sequence_number=_integer(scheme, "tsl:TSLSequenceNumber", name),
        issued=_date(_required(scheme, "tsl:ListIssueDateTime", name), name),
        next_update=_next_update(scheme, name),
        anchors=tuple(_anchors(root, set(services), set(statuses), at, name)),
    )
    _warn(trusted, signed=signer is not None)

    return trusted


def _check_root(root: etree._Element, name: str) -> None:
    if root.tag != _ROOT:
        raise InputError(
            f"not an ETSI TS 119 612 trusted list: expected root "
            f"{{{_NS}}}TrustServiceStatusList, found {shorten(root.tag)}",
            source=name,
            line=root.sourceline,
        )


def _verified_root(
    root: etree._Element, signer: x509.Certificate, name: str
) -> etree._Element:
    """Verify the enveloped signature with ``signer``; return the signed list."""
    from signxml.exceptions import SignXMLException
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    signature = root.find(f"{_DS}Signature")
    references = [] if signature is None else signature.findall(f".//{_DS}Reference")
    if signature is None or not 1 <= len(references) <= 2:
        raise VerificationError(
            f"{name}: expected one enveloped ds:Signature child of the list with "
            f"one or two references, found {len(references)} reference(s)"
        )

    config = SignatureConfiguration(location="./", expect_references=len(references))
    try:
        outcome = XMLVerifier().verify(root, x509_cert=signer, expect_config=config)
    except (SignXMLException, ValueError) as exc:
        raise VerificationError(
            f"{name}: trusted-list signature does not verify with the given "
            f"signer {signer.subject.rfc4514_string()}: {exc}"
        ) from exc

    # Only the reference that covers the whole list is read from.
    results = outcome if isinstance(outcome, list) else [outcome]
    for result in results:
        signed = result.signed_xml
        if signed is not None and signed.tag == _ROOT:
            return signed

    raise VerificationError(f"{name}: the signature does not cover the whole list")


def _warn(trusted: TrustedList, *, signed: bool) -> None:
    """Log the two ways this result is weaker than a full TL check."""
    if trusted.next_update is not None and trusted.next_update < datetime.now(UTC):
        log.warning(
            "%s: trusted list %s #%d is stale: NextUpdate %s has passed",
            trusted.source,
            trusted.territory,
            trusted.sequence_number,
            trusted.next_update.isoformat(),
        )
    if signed:
        log.debug("%s: trusted-list signature verified", trusted.source)
        return
    log.warning(
        "%s: %d trust anchor(s) taken from trusted list %s #%d whose own "
        "signature was NOT verified",
        trusted.source,
        len(trusted.anchors),
        trusted.territory,
        trusted.sequence_number,
    )


def _anchors(
    root: etree._Element,
    services: set[str],
    statuses: set[str],
    at: datetime | None,
    name: str,
) -> list[TrustedListAnchor]:
    """Collect the certificates of every accepted service."""
    anchors: list[TrustedListAnchor] = []
    for provider in root.iterfind(
        "tsl:TrustServiceProviderList/tsl:TrustServiceProvider", _NSMAP
    ):
        provider_name = _name(provider.find("tsl:TSPInformation/tsl:TSPName", _NSMAP))
        for service in provider.iterfind("tsl:TSPServices/tsl:TSPService", _NSMAP):
            info = _required(service, "tsl:ServiceInformation", name)
            service_type = _text(info, "tsl:ServiceTypeIdentifier")
            status = _status(service, info, at, name)
            if service_type not in services or status not in statuses:
                log.debug("%s: service %s skipped (%s)", name, service_type, status)
                continue
            anchors.extend(
                TrustedListAnchor(
                    certificate=certificate,
                    service_name=_name(info.find("tsl:ServiceName", _NSMAP)),
                    service_type=service_type,
                    status=status,
                    provider=provider_name,
                )
                for certificate in _certificates(info, name)
            )

    return anchors


def _status(
    service: etree._Element,
    info: etree._Element,
    at: datetime | None,
    name: str,
) -> str | None:
    """Return the current status, or the one that had started latest at ``at``."""
    if at is None:
        return _text(info, "tsl:ServiceStatus")

    entries = [info, *service.iterfind("tsl:ServiceHistory/*", _NSMAP)]
    started = [
        (_date(_required(entry, "tsl:StatusStartingTime", name), name), entry)
        for entry in entries
    ]
    valid = [(start, entry) for start, entry in started if start <= at]
    if not valid:
        return None
    _, entry = max(valid, key=lambda pair: pair[0])

    return _text(entry, "tsl:ServiceStatus")


def _certificates(info: etree._Element, name: str) -> list[x509.Certificate]:
    """Decode each ``X509Certificate`` of the service's digital identity."""
    found: list[x509.Certificate] = []
    path = "tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate"
    for element in info.iterfind(path, _NSMAP):
        text = "".join((element.text or "").split())
        try:
            found.append(
                x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
            )
        except (binascii.Error, ValueError) as exc:
            raise InputError(
                f"X509Certificate: expected base64 DER certificate, found "
                f"{shorten(text)} ({exc})",
                source=name,
                line=element.sourceline,
            ) from exc

    return found


def _name(element: etree._Element | None) -> str:
    """Return the English name of a multilingual name list, else the first."""
    if element is None:
        return ""
    names = element.findall("tsl:Name", _NSMAP)
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    english = [n for n in names if (n.get(lang) or "").lower().startswith("en")]
    chosen = english or names

    return (chosen[0].text or "").strip() if chosen else ""


def _next_update(scheme: etree._Element, name: str) -> datetime | None:
    element = scheme.find("tsl:NextUpdate/tsl:dateTime", _NSMAP)

    return None if element is None else _date(element, name)


def _required(parent: etree._Element, path: str, name: str) -> etree._Element:
    element = parent.find(path, _NSMAP)
    if element is None:
        raise InputError(
            f"{path.replace('tsl:', '')} missing under {etree.QName(parent).localname}",
            source=name,
            line=parent.sourceline,
        )

    return element


def _text(parent: etree._Element, path: str) -> str | None:
    element = parent.find(path, _NSMAP)

    return None if element is None or element.text is None else element.text.strip()


def _integer(parent: etree._Element, path: str, name: str) -> int:
    element = _required(parent, path, name)
    try:
        return int((element.text or "").strip())
    except ValueError as exc:
        raise InputError(
            f"{etree.QName(element).localname}: expected an integer, found "
            f"{shorten(element.text)}",
            source=name,
            line=element.sourceline,
        ) from exc


def _date(element: etree._Element, name: str) -> datetime:
    """Read an xsd:dateTime; a time without zone is read as UTC."""
    text = (element.text or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"{etree.QName(element).localname}: expected an xsd:dateTime, found "
            f"{shorten(text)}",
            source=name,
            line=element.sourceline,
        ) from exc

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
