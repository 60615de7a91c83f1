"""signxml adapted to XAdES baseline seals on ELM 1.2 (ETSI EN 319 132-1).

Two small subclasses around signxml 5.x, each fixing one documented gap:

- :class:`XAdESSealSigner`: with exclusive canonicalisation (the EC's and
  DSS's choice) ``XAdESSigner`` digests the SignedProperties and KeyInfo
  references with exc-c14n but writes no ``ds:Transforms`` for them, so
  verifiers fall back to C14N 1.0/1.1 and the digests fail (XML-DSig 1.1,
  clause 4.4.3.2: the default is inclusive C14N 1.0). The subclass adds the
  Transform. Its ``SigningTime`` is the moment the caller gives, not "now".
- :class:`XAdESWhitelistVerifier`: signxml skips Transforms it does not know
  (``except ValueError: continue``), so a filter2/XPath transform is silently
  ignored. The subclass accepts exactly the two expressions that mean "the
  document without its signature" (XML-DSig XPath Filter 2.0 ``subtract
  /descendant::ds:Signature``; XPath 1.0 ``not(ancestor-or-self::ds:Signature)``)
  and refuses every other XPath or XSLT transform. It also records each
  layer's outcome instead of stopping at the first failure, and leaves
  certificate time validity and signing-certificate binding to the ETSI
  layers that know the proven time.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import cryptography.exceptions
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
from signxml.util import _remove_sig
from signxml.verifier import VerifyResult
from signxml.xades.xades import XAdESDataObjectFormat, XAdESSigner, XAdESVerifier

from ._xades import C14N_EXCLUSIVE, DS, FILTER2, XADES

__all__ = [
    "XPATH_EXCLUDE_SIGNATURE",
    "ReferenceOutcome",
    "TransformError",
    "XAdESSealSigner",
    "XAdESWhitelistVerifier",
    "check_transforms",
]

logger = logging.getLogger(__name__)

XPATH_EXCLUDE_SIGNATURE = "not(ancestor-or-self::ds:Signature)"
"""The XPath 1.0 transform expression the EC's older seals use."""

FILTER2_EXCLUDE_SIGNATURE = "/descendant::ds:Signature"
"""The XPath Filter 2.0 ``subtract`` expression of the EC's (DSS) seals."""

_XPATH_ALGORITHM = "http://www.w3.org/TR/1999/REC-xpath-19991116"
_ENVELOPED = SignatureConstructionMethod.enveloped.value
_C14N = frozenset(method.value for method in CanonicalizationMethod)
# signxml's helper keeps the removed element's tail text; it is untyped.
_REMOVE_SIGNATURE: Any = _remove_sig


class TransformError(InvalidInput):
    """A ds:Transform outside the whitelist (signxml's InvalidInput)."""


def _normalise(text: str | None) -> str:
    """Collapse whitespace runs, as the expression comparison requires."""
    return " ".join((text or "").split())


def _excludes_signature(transform: etree._Element) -> bool:
    """Whether a filter2/XPath transform is one of the two allowed forms.

    The ``ds`` prefix must be bound to the XML-DSig namespace where the
    expression is written; otherwise the same text names other elements.
    """
    algorithm = transform.get("Algorithm")
    if algorithm == FILTER2:
        paths = list(transform)
        expected, text = FILTER2_EXCLUDE_SIGNATURE, None
        if len(paths) == 1 and paths[0].tag == f"{{{FILTER2}}}XPath":
            if paths[0].get("Filter") != "subtract":
                return False
            text = paths[0].text
    elif algorithm == _XPATH_ALGORITHM:
        paths = list(transform)
        expected, text = XPATH_EXCLUDE_SIGNATURE, None
        if len(paths) == 1 and paths[0].tag == f"{{{DS}}}XPath":
            text = paths[0].text
    else:
        return False
    if text is None or paths[0].nsmap.get("ds") != DS:
        return False

    return _normalise(text) == expected


def check_transforms(transforms: list[etree._Element], *, whole_document: bool) -> None:
    """Check a reference's transforms against the whitelist.

    Allowed: at most one transform that removes the signature
    (enveloped-signature, or one of the two XPath forms, only on the
    ``URI=""`` reference), then at most one canonicalisation, in that order.

    Args:
        transforms: The ``ds:Transform`` elements, in order.
        whole_document: Whether the reference is ``URI=""``.

    Raises:
        TransformError: Naming the first transform refused and why.

    """
    seen_c14n = False
    for position, transform in enumerate(transforms):
        algorithm = transform.get("Algorithm") or ""
        if algorithm in _C14N:
            if seen_c14n:
                raise TransformError(f"transform {position}: a second canonicalisation")
            seen_c14n = True
            continue
        excluding = algorithm == _ENVELOPED or _excludes_signature(transform)
        if not excluding:
            raise TransformError(
                f"transform {position} ({algorithm}): only enveloped-signature, "
                f"filter2 subtract {FILTER2_EXCLUDE_SIGNATURE!r} or XPath "
                f"{XPATH_EXCLUDE_SIGNATURE!r} and canonicalisation are accepted"
            )
        if position != 0 or not whole_document:
            raise TransformError(
                f"transform {position} ({algorithm}): signature exclusion is "
                'accepted only as the first transform of the URI="" reference'
            )


def _subtract_signatures(payload: etree._Element) -> None:
    """Remove every ds:Signature under ``payload``, keeping their tails."""
    for signature in list(payload.iter(f"{{{DS}}}Signature")):
        if signature is not payload:
            _REMOVE_SIGNATURE(signature, idempotent=True)


class XAdESSealSigner(XAdESSigner):
    """signxml's XAdES signer with exc-c14n Transforms and a given SigningTime.

    Args:
        signing_time: Written as ``xades:SigningTime`` (UTC, seconds).
        signature_method: XML-DSig signature algorithm.
        description: ``DataObjectFormat/Description`` of the document.

    """

    def __init__(
        self,
        *,
        signing_time: datetime,
        signature_method: SignatureMethod,
        description: str,
    ) -> None:
        super().__init__(
            data_object_format=XAdESDataObjectFormat(
                Description=description, MimeType="text/xml"
            ),
            signature_algorithm=signature_method,
            c14n_algorithm=CanonicalizationMethod(C14N_EXCLUSIVE),
        )
        self._signing_time = signing_time.astimezone(UTC)
        self._owned: etree._Element | None = None

    def _add_reference_to_signed_info(
        self, sig_root: etree._Element, node_to_reference: etree._Element, **attrs: Any
    ) -> None:
        base: Any = super()
        base._add_reference_to_signed_info(sig_root, node_to_reference, **attrs)

        # The reference just appended was digested with self.c14n_alg; say so.
        reference = sig_root.find(f"{{{DS}}}SignedInfo")[-1]  # type: ignore[index]
        transforms = etree.Element(f"{{{DS}}}Transforms")
        etree.SubElement(
            transforms, f"{{{DS}}}Transform", Algorithm=self.c14n_alg.value
        )
        reference.insert(0, transforms)

    def sign_owned(self, root: etree._Element, **options: Any) -> etree._Element:
        """Sign a document root the caller owns, in place; return it signed.

        signxml takes two copies of the input, one to hold the signature and
        one to digest; the caller's private copy can serve as the first.
        """
        self._owned = root
        try:
            signed = self.sign(root, **options)
        finally:
            self._owned = None
        assert isinstance(signed, etree._Element)

        return signed

    def get_root(self, data: Any) -> etree._Element:
        """Return a private copy of the document to sign.

        signxml copies a tree by writing and parsing it again, because a copy
        of an inner element may lose namespaces declared above it. A document
        root has nothing above it, so a deep copy is the same tree, made
        without a parse (and the root given to :meth:`sign_owned` is used once
        as it is); anything else goes to signxml.
        """
        if isinstance(data, etree._Element) and data.getparent() is None:
            owned = self._owned
            if owned is not None and owned is data:
                self._owned = None
                return owned
            return copy.deepcopy(data)
        base: Any = super()

        return base.get_root(data)  # type: ignore[no-any-return]

    def add_signing_time(
        self,
        signed_signature_properties: etree._Element,
        sig_root: etree._Element,
        signing_settings: Any,
    ) -> None:
        """Write ``xades:SigningTime`` from the configured moment."""
        element = etree.SubElement(
            signed_signature_properties,
            f"{{{XADES}}}SigningTime",
            nsmap=self.namespaces,
        )
        element.text = self._signing_time.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ReferenceOutcome:
    """What signxml found for one ``ds:Reference``.

    Attributes:
        index: Position in SignedInfo.
        uri: The ``URI`` attribute.
        error: Why the digest did not match; None when it did.
        signed_data: The transformed octets that were digested.

    """

    index: int
    uri: str
    error: str | None = None
    signed_data: bytes = b""


@dataclass
class _Outcome:
    """Per-layer outcomes collected during one signxml verification."""

    signature_error: str | None = None
    references: list[ReferenceOutcome] = field(default_factory=list)


class XAdESWhitelistVerifier(XAdESVerifier):
    """signxml's XAdES verifier with the transform whitelist, layer by layer.

    ``outcome`` holds, after :meth:`verify`, the signature-value error (if
    any) and one :class:`ReferenceOutcome` per reference; digest and
    signature failures are recorded there rather than raised, so every
    reference is checked. Format errors still raise signxml's InvalidInput.
    """

    outcome: _Outcome

    def verify(self, data: Any, **kwargs: Any) -> Any:
        self.outcome = _Outcome()

        return super().verify(data, **kwargs)

    def _apply_transforms(
        self,
        payload: Any,
        *,
        transforms_node: etree._Element | None,
        signature: etree._Element,
    ) -> Any:
        transforms = [] if transforms_node is None else list(transforms_node)
        check_transforms(transforms, whole_document=payload.getparent() is None)
        if any(_excludes_signature(t) for t in transforms):
            _subtract_signatures(payload)

        base: Any = super()

        return base._apply_transforms(
            payload, transforms_node=transforms_node, signature=signature
        )

    def _verify_reference(
        self,
        reference: etree._Element,
        index: int,
        root: etree._Element,
        uri_resolver: Any,
        c14n_algorithm: Any,
        signature: etree._Element,
        signature_key_used: Any,
    ) -> VerifyResult:
        record = ReferenceOutcome(index, reference.get("URI") or "")
        self.outcome.references.append(record)
        try:
            base: Any = super()
            result: VerifyResult = base._verify_reference(
                reference,
                index,
                root,
                uri_resolver,
                c14n_algorithm,
                signature,
                signature_key_used,
            )
        except InvalidDigest as exc:
            record.error = str(exc)
            return VerifyResult(b"", None, signature, b"")
        record.signed_data = result.signed_data

        return result

    def _verify_signature_with_pubkey(self, **kwargs: Any) -> Any:
        try:
            return super()._verify_signature_with_pubkey(**kwargs)
        except (cryptography.exceptions.InvalidSignature, InvalidSignature) as exc:
            self.outcome.signature_error = str(exc) or "signature value does not match"
            certificate = kwargs["signing_certificate"]

            return kwargs["signed_info_c14n"], certificate.public_key()

    def _check_cert_validity(self, cert: Any, cert_source: Any) -> None:
        """Leave validity periods to the path check at the proven time."""

    def _verify_cert_digests(self, verify_result: Any) -> None:
        """Leave SigningCertificateV2 to the ISC layer (IssuerSerialV2, SHA-512)."""
