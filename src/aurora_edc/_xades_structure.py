"""The structure of an enveloped XAdES seal on ELM 1.2 (ETSI EN 319 132-1).

Reads one ``ds:Signature`` into :class:`XAdESParts` and enforces the format
rules that keep verification meaningful, each refusal a FORMAT_FAILURE
(ETSI EN 319 102-1, clause 5.2.2, format checking):

- exactly one ``ds:Signature`` in the document, the child of the root's
  ``proof`` (no moved, duplicated or second signature: signature wrapping);
- references: one ``URI=""`` (the whole document), one typed
  ``http://uri.etsi.org/01903#SignedProperties`` that resolves to this
  signature's own SignedProperties, at most one more to this signature's
  KeyInfo; every referenced Id unique in the document; at most one
  ``ds:Transforms`` per reference, transforms from the whitelist only;
- the baseline B-B signed properties (clause 6.3): ``SigningTime``,
  ``SigningCertificateV2`` (or the legacy ``SigningCertificate``) and a
  ``DataObjectFormat`` with one MimeType for the document reference; the
  signing certificate in ``ds:KeyInfo``.

The baseline level is then read by structure (clause 6): B-T with a
``SignatureTimeStamp``, B-LT with ``CertificateValues`` and
``RevocationValues`` too, B-LTA with an ``ArchiveTimeStamp``.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from ._etsi import BaselineLevel
from ._xades import DS, XADES, XADES141, element_path, proof_element
from ._xades_signxml import TransformError, check_transforms

__all__ = [
    "SIGNED_PROPERTIES_TYPE",
    "CertReference",
    "FormatError",
    "Reference",
    "Stamp",
    "XAdESParts",
    "read_structure",
]

SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
# Attributes signxml resolves '#Id' URIs against (any namespace), as its
# _resolve_reference does; "//@*[.=$v]" then a name filter is 3x faster
# than a local-name() predicate on large documents.
_ID_NAMES = frozenset({"Id", "ID", "id"})
_C14N_DEFAULT = CanonicalizationMethod.CANONICAL_XML_1_0.value


class FormatError(ValueError):
    """A structural rule is broken; the message locates it."""


@dataclass(frozen=True)
class Reference:
    """One ``ds:Reference`` of SignedInfo.

    Attributes:
        index: Position in SignedInfo.
        uri: The ``URI`` attribute.
        role: ``data`` (the whole document), ``signed-properties`` or
            ``key-info``.
        digest_method: The DigestMethod URI.

    """

    index: int
    uri: str
    role: str
    digest_method: str


@dataclass(frozen=True)
class CertReference:
    """One ``xades:Cert`` of SigningCertificate(V2).

    Attributes:
        digest_method: CertDigest's DigestMethod URI.
        digest: CertDigest's value.
        issuer_serial_v2: DER of IssuerSerialV2, when present.
        serial: X509SerialNumber of a legacy IssuerSerial, when present.

    """

    digest_method: str
    digest: bytes
    issuer_serial_v2: bytes | None = None
    serial: int | None = None


@dataclass(frozen=True)
class Stamp:
    """One timestamp property (SignatureTimeStamp, AllDataObjectsTimeStamp).

    Attributes:
        kind: The property's local name.
        c14n: Canonicalisation URI for its input (C14N 1.0 when absent).
        token: The EncapsulatedTimeStamp, DER; None for an XMLTimeStamp.
        line: Source line of the property.

    """

    kind: str
    c14n: str
    token: bytes | None
    line: int | None


@dataclass(frozen=True)
class XAdESParts:
    """What verification needs from one enveloped XAdES signature.

    Attributes:
        signature: The ds:Signature element (in the parsed document).
        references: The references, in SignedInfo order.
        signature_method: The SignatureMethod URI.
        signing_time: The claimed SigningTime.
        key_info_certificates: Certificates in ds:KeyInfo/X509Data.
        signing_certificate_refs: The SigningCertificate(V2) entries.
        legacy_signing_certificate: SigningCertificate (v1) rather than V2.
        signature_stamps: SignatureTimeStamp properties.
        content_stamps: AllDataObjectsTimeStamp properties.
        certificate_values: CertificateValues certificates.
        ocsp_values: EncapsulatedOCSPValue contents.
        crl_values: EncapsulatedCRLValue contents (DER, or tolerated PEM).
        archive_stamps: Number of ArchiveTimeStamp properties (not verified).
        level: The baseline level by structure.

    """

    signature: etree._Element
    references: tuple[Reference, ...]
    signature_method: str
    signing_time: datetime
    key_info_certificates: tuple[x509.Certificate, ...]
    signing_certificate_refs: tuple[CertReference, ...]
    legacy_signing_certificate: bool
    signature_stamps: tuple[Stamp, ...]
    content_stamps: tuple[Stamp, ...]
    certificate_values: tuple[x509.Certificate, ...]
    ocsp_values: tuple[bytes, ...]
    crl_values: tuple[bytes, ...]
    archive_stamps: int
    level: BaselineLevel


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def _xades(name: str) -> str:
    return f"{{{XADES}}}{name}"


def _one(parent: etree._Element, tag: str, what: str) -> etree._Element:
    """Return the single child ``tag`` of ``parent`` or raise FormatError."""
    found = parent.findall(tag)
    if len(found) != 1:
        raise FormatError(
            f"{element_path(parent)} (line {parent.sourceline}): expected one "
            f"{what}, found {len(found)}"
        )

    return found[0]


def _b64(element: etree._Element, what: str) -> bytes:
    """Decode the base64 text of ``element``."""
    try:
        return b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"{what} (line {element.sourceline}): not base64") from exc


def read_structure(root: etree._Element) -> XAdESParts:
    """Read and check the structure of the document's XAdES seal.

    Args:
        root: The parsed ELM 1.2 document.

    Returns:
        The signature's parts and baseline level.

    Raises:
        FormatError: A format rule is broken (message locates it).

    """
    signature = _locate_signature(root)
    signed_info = _one(signature, _ds("SignedInfo"), "ds:SignedInfo")
    qualifying = _qualifying_properties(signature)
    signed = _one(qualifying, _xades("SignedProperties"), "xades:SignedProperties")
    references = tuple(_references(root, signature, signed_info, signed))
    signed_sig = _one(
        signed, _xades("SignedSignatureProperties"), "xades:SignedSignatureProperties"
    )
    _check_data_object_format(signed, signed_info, references)
    unsigned = qualifying.find(
        f"{_xades('UnsignedProperties')}/{_xades('UnsignedSignatureProperties')}"
    )
    parts = _Builder(signature, signed_info, signed, signed_sig, unsigned, references)

    return parts.build()


def _locate_signature(root: etree._Element) -> etree._Element:
    """Return the only ds:Signature, which must sit in the root's proof."""
    signatures = list(root.iter(_ds("Signature")))
    if len(signatures) != 1:
        lines = ", ".join(str(s.sourceline) for s in signatures[:5])
        raise FormatError(
            f"expected exactly one ds:Signature in the document, found "
            f"{len(signatures)} (lines {lines or '-'})"
        )
    signature = signatures[0]
    proof = proof_element(root)
    if proof is None or signature.getparent() is not proof:
        raise FormatError(
            f"{element_path(signature)} (line {signature.sourceline}): the seal "
            f"must be the child of the root's proof element"
        )
    if not signature.get("Id"):
        raise FormatError(f"ds:Signature (line {signature.sourceline}): no Id")

    return signature


def _qualifying_properties(signature: etree._Element) -> etree._Element:
    """Return this signature's QualifyingProperties, targeting it."""
    found = signature.findall(f"{_ds('Object')}/{_xades('QualifyingProperties')}")
    if len(found) != 1:
        raise FormatError(
            f"ds:Signature (line {signature.sourceline}): expected one "
            f"ds:Object/xades:QualifyingProperties, found {len(found)}"
        )
    target = found[0].get("Target")
    if target != f"#{signature.get('Id')}":
        raise FormatError(
            f"xades:QualifyingProperties (line {found[0].sourceline}): Target "
            f"{target!r}, expected '#{signature.get('Id')}'"
        )

    return found[0]


def _references(
    root: etree._Element,
    signature: etree._Element,
    signed_info: etree._Element,
    signed: etree._Element,
) -> Iterator[Reference]:
    """Classify and check each reference; exactly one data and one SP."""
    roles: list[str] = []
    for index, element in enumerate(signed_info.findall(_ds("Reference"))):
        uri = element.get("URI")
        where = f"ds:Reference #{index} (line {element.sourceline})"
        if uri is None:
            raise FormatError(f"{where}: no URI attribute")
        role = _role(root, signature, signed, element, uri, where)
        _check_reference_transforms(element, uri == "", where)
        method = _one(element, _ds("DigestMethod"), "ds:DigestMethod").get("Algorithm")
        _known(DigestAlgorithm, method, where)
        roles.append(role)
        yield Reference(index, uri, role, method or "")
    for role in ("data", "signed-properties"):
        if roles.count(role) != 1:
            raise FormatError(
                f"ds:SignedInfo: expected one {role} reference, "
                f"found {roles.count(role)}"
            )
    if roles.count("key-info") > 1:
        raise FormatError("ds:SignedInfo: more than one reference to ds:KeyInfo")


def _role(
    root: etree._Element,
    signature: etree._Element,
    signed: etree._Element,
    element: etree._Element,
    uri: str,
    where: str,
) -> str:
    """Say what a reference points at; refuse anything else."""
    if uri == "":
        return "data"
    if not uri.startswith("#"):
        raise FormatError(f"{where}: URI {uri!r}, expected '' or a same-document '#Id'")
    matches = _elements_with_id(root, uri[1:])
    if len(matches) != 1:
        raise FormatError(
            f"{where}: URI {uri!r} matches {len(matches)} elements, expected 1"
        )
    target = matches[0]
    if element.get("Type") == SIGNED_PROPERTIES_TYPE:
        if target is not signed:
            raise FormatError(
                f"{where}: {uri!r} is not this signature's SignedProperties"
            )
        return "signed-properties"
    if target is signature.find(_ds("KeyInfo")):
        return "key-info"
    raise FormatError(
        f"{where}: URI {uri!r} points at {element_path(target)}; only the document "
        f"(''), SignedProperties and KeyInfo may be referenced"
    )


def _elements_with_id(root: etree._Element, value: str) -> list[etree._Element]:
    """Return the elements with an Id/ID/id attribute equal to ``value``."""
    found = root.xpath("//@*[.=$v]", v=value)
    assert isinstance(found, list)
    elements = []
    for attribute in found:
        assert isinstance(attribute, etree._ElementUnicodeResult)
        parent = attribute.getparent()
        name = attribute.attrname
        if parent is not None and name and etree.QName(name).localname in _ID_NAMES:
            elements.append(parent)

    return elements


def _check_reference_transforms(
    element: etree._Element, whole: bool, where: str
) -> None:
    """At most one ds:Transforms; every transform whitelisted."""
    groups = element.findall(_ds("Transforms"))
    if len(groups) > 1:
        raise FormatError(f"{where}: {len(groups)} ds:Transforms, expected at most 1")
    transforms = list(groups[0]) if groups else []
    try:
        check_transforms(transforms, whole_document=whole)
    except TransformError as exc:
        raise FormatError(f"{where}: {exc}") from exc


def _known(
    enum: type[DigestAlgorithm] | type[SignatureMethod] | type[CanonicalizationMethod],
    uri: str | None,
    where: str,
) -> None:
    """Refuse an algorithm URI that signxml does not know."""
    try:
        enum(uri)
    except ValueError as exc:
        raise FormatError(f"{where}: unknown algorithm {uri!r}") from exc


def _check_data_object_format(
    signed: etree._Element,
    signed_info: etree._Element,
    references: tuple[Reference, ...],
) -> None:
    """B-B: a DataObjectFormat with one MimeType for the document reference."""
    data = next(r for r in references if r.role == "data")
    reference_id = signed_info.findall(_ds("Reference"))[data.index].get("Id")
    formats = signed.findall(
        f"{_xades('SignedDataObjectProperties')}/{_xades('DataObjectFormat')}"
    )
    for item in formats:
        if reference_id and item.get("ObjectReference") == f"#{reference_id}":
            _one(item, _xades("MimeType"), "xades:MimeType")
            return
    raise FormatError(
        "xades:SignedDataObjectProperties: no DataObjectFormat for the document "
        f"reference (Id {reference_id!r}); required by XAdES-BASELINE-B"
    )


class _Builder:
    """Read the properties of a checked signature into XAdESParts."""

    def __init__(
        self,
        signature: etree._Element,
        signed_info: etree._Element,
        signed: etree._Element,
        signed_sig: etree._Element,
        unsigned: etree._Element | None,
        references: tuple[Reference, ...],
    ) -> None:
        self.signature = signature
        self.signed_info = signed_info
        self.signed = signed
        self.signed_sig = signed_sig
        self.unsigned = unsigned
        self.references = references

    def build(self) -> XAdESParts:
        method = _one(self.signed_info, _ds("SignatureMethod"), "ds:SignatureMethod")
        _known(SignatureMethod, method.get("Algorithm"), "ds:SignatureMethod")
        c14n = _one(self.signed_info, _ds("CanonicalizationMethod"), "c14n method")
        _known(CanonicalizationMethod, c14n.get("Algorithm"), "ds:SignedInfo")
        refs, legacy = self._signing_certificate()
        signature_stamps = self._stamps(self.unsigned, "SignatureTimeStamp")
        values = self._values()

        return XAdESParts(
            signature=self.signature,
            references=self.references,
            signature_method=method.get("Algorithm") or "",
            signing_time=self._signing_time(),
            key_info_certificates=self._key_info(),
            signing_certificate_refs=refs,
            legacy_signing_certificate=legacy,
            signature_stamps=signature_stamps,
            content_stamps=self._stamps(
                self.signed.find(_xades("SignedDataObjectProperties")),
                "AllDataObjectsTimeStamp",
            ),
            certificate_values=values[0],
            ocsp_values=values[1],
            crl_values=values[2],
            archive_stamps=self._count(f"{{{XADES141}}}ArchiveTimeStamp"),
            level=self._level(bool(signature_stamps)),
        )

    def _signing_time(self) -> datetime:
        element = _one(self.signed_sig, _xades("SigningTime"), "xades:SigningTime")
        text = (element.text or "").strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FormatError(
                f"xades:SigningTime {text!r}: not an xs:dateTime"
            ) from exc
        if moment.tzinfo is None:
            raise FormatError(f"xades:SigningTime {text!r}: no time zone")

        return moment

    def _key_info(self) -> tuple[x509.Certificate, ...]:
        key_info = _one(self.signature, _ds("KeyInfo"), "ds:KeyInfo")
        found = key_info.findall(f"{_ds('X509Data')}/{_ds('X509Certificate')}")
        if not found:
            raise FormatError(
                "ds:KeyInfo: no X509Certificate (B-B needs the signing one)"
            )

        return tuple(self._certificate(e, "ds:X509Certificate") for e in found)

    def _certificate(self, element: etree._Element, what: str) -> x509.Certificate:
        try:
            return x509.load_der_x509_certificate(_b64(element, what))
        except ValueError as exc:
            raise FormatError(f"{what} (line {element.sourceline}): {exc}") from exc

    def _signing_certificate(self) -> tuple[tuple[CertReference, ...], bool]:
        v2 = self.signed_sig.findall(_xades("SigningCertificateV2"))
        v1 = self.signed_sig.findall(_xades("SigningCertificate"))
        if len(v2) + len(v1) != 1:
            raise FormatError(
                "xades:SignedSignatureProperties: expected one SigningCertificateV2 "
                f"(or legacy SigningCertificate), found {len(v2)} + {len(v1)}"
            )
        holder = (v2 or v1)[0]
        refs = tuple(self._cert_ref(c) for c in holder.findall(_xades("Cert")))
        if not refs:
            raise FormatError("xades:SigningCertificateV2: no xades:Cert")

        return refs, bool(v1)

    def _cert_ref(self, cert: etree._Element) -> CertReference:
        digest = _one(cert, _xades("CertDigest"), "xades:CertDigest")
        method = _one(digest, _ds("DigestMethod"), "ds:DigestMethod").get("Algorithm")
        _known(DigestAlgorithm, method, "xades:CertDigest")
        value = _b64(_one(digest, _ds("DigestValue"), "ds:DigestValue"), "CertDigest")
        v2 = cert.find(_xades("IssuerSerialV2"))
        serial = cert.findtext(f"{_xades('IssuerSerial')}/{_ds('X509SerialNumber')}")

        return CertReference(
            digest_method=method or "",
            digest=value,
            issuer_serial_v2=None if v2 is None else _b64(v2, "IssuerSerialV2"),
            serial=int(serial) if serial and serial.strip().isdigit() else None,
        )

    def _stamps(self, parent: etree._Element | None, kind: str) -> tuple[Stamp, ...]:
        if parent is None:
            return ()
        stamps = []
        for element in parent.findall(_xades(kind)):
            method = element.find(_ds("CanonicalizationMethod"))
            c14n = _C14N_DEFAULT if method is None else method.get("Algorithm") or ""
            _known(CanonicalizationMethod, c14n, f"xades:{kind}")
            tokens = element.findall(_xades("EncapsulatedTimeStamp"))
            if len(tokens) > 1:
                raise FormatError(
                    f"xades:{kind} (line {element.sourceline}): "
                    f"{len(tokens)} tokens, expected 1"
                )
            token = _b64(tokens[0], f"xades:{kind}") if tokens else None
            stamps.append(Stamp(kind, c14n, token, element.sourceline))

        return tuple(stamps)

    def _values(
        self,
    ) -> tuple[tuple[x509.Certificate, ...], tuple[bytes, ...], tuple[bytes, ...]]:
        if self.unsigned is None:
            return (), (), ()
        certs = tuple(
            self._certificate(e, "xades:EncapsulatedX509Certificate")
            for e in self.unsigned.iter(_xades("EncapsulatedX509Certificate"))
        )
        ocsps = tuple(
            _b64(e, "xades:EncapsulatedOCSPValue")
            for e in self.unsigned.iter(_xades("EncapsulatedOCSPValue"))
        )
        crls = tuple(
            _b64(e, "xades:EncapsulatedCRLValue")
            for e in self.unsigned.iter(_xades("EncapsulatedCRLValue"))
        )

        return certs, ocsps, crls

    def _count(self, tag: str) -> int:
        return 0 if self.unsigned is None else len(self.unsigned.findall(tag))

    def _level(self, timestamped: bool) -> BaselineLevel:
        if not timestamped:
            return BaselineLevel.B_B
        has = self._count
        if not (has(_xades("CertificateValues")) and has(_xades("RevocationValues"))):
            return BaselineLevel.B_T
        if not has(f"{{{XADES141}}}ArchiveTimeStamp"):
            return BaselineLevel.B_LT

        return BaselineLevel.B_LTA
