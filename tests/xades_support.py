"""Helpers shared by the XAdES tests: documents, keys, and forged seals."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from aurora_edc._keys import SealPrivateKey
from aurora_edc._xades import DS, XADES

ORG_ID = "VATBE-0123456789"
NS = {"ds": DS, "xades": XADES, "s": "http://data.europa.eu/snb"}


def sample(name: str, shared: Path) -> bytes:
    """Return the bytes of an EC ELM 1.2 sample."""
    return (shared / "elm" / "v2" / "samples" / name).read_bytes()


def unsealed_credential(shared: Path, org_id: str = ORG_ID) -> bytes:
    """Return the EC's small generic credential, its issuer registered as ``org_id``."""
    data = sample("EDC_WileECoyote_Simple.xml", shared)

    return data.replace(
        b"<registration>WB-000001</registration>",
        f"<registration>{org_id}</registration>".encode(),
    )


def embedded_roots(data: bytes) -> list[x509.Certificate]:
    """Return the self-signed certificates a sealed file carries (incl. tokens)."""
    root = etree.fromstring(data)
    found: list[x509.Certificate] = []
    for element in root.iter(f"{{{XADES}}}EncapsulatedX509Certificate"):
        found.append(x509.load_der_x509_certificate(_b64(element.text)))
    for element in root.iter(f"{{{XADES}}}EncapsulatedTimeStamp"):
        signed = cms.ContentInfo.load(_b64(element.text))["content"]
        for choice in signed["certificates"]:
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))

    unique = {c.fingerprint(hashes.SHA256()): c for c in found}
    return [c for c in unique.values() if c.subject == c.issuer]


def _b64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()))


def signature(root: etree._Element) -> etree._Element:
    """Return the document's (first) ds:Signature."""
    return next(root.iter(f"{{{DS}}}Signature"))


def document_octets(root: etree._Element) -> bytes:
    """Return exc-c14n of the document without its signatures (what Ref 1 digests)."""
    copy = etree.fromstring(etree.tostring(root))
    for element in list(copy.iter(f"{{{DS}}}Signature")):
        parent = element.getparent()
        assert parent is not None
        previous = element.getprevious()
        if element.tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)

    return etree.tostring(copy, method="c14n", exclusive=True)


def redigest(root: etree._Element, index: int, algorithm: str = "sha256") -> None:
    """Recompute reference ``index``'s digest (SHA-2 URIs or ``sha1``)."""
    uris = {
        "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
        "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    }
    reference = signature(root).findall("ds:SignedInfo/ds:Reference", NS)[index]
    uri = reference.get("URI") or ""
    if uri == "":
        octets = document_octets(root)
    else:
        target = root.xpath("//*[@Id=$v]", v=uri[1:])[0]
        octets = etree.tostring(target, method="c14n", exclusive=True)
    reference.find("ds:DigestMethod", NS).set("Algorithm", uris[algorithm])
    digest = hashlib.new(algorithm, octets).digest()
    reference.find("ds:DigestValue", NS).text = base64.b64encode(digest).decode()


def resign(
    data: bytes,
    key: SealPrivateKey,
    mutate: Callable[[etree._Element], None] = lambda root: None,
) -> bytes:
    """Apply ``mutate`` to a sealed document, then sign its SignedInfo anew.

    The forged seal has a valid SignatureValue, so a verifier can refuse it
    only for what ``mutate`` changed.
    """
    root = etree.fromstring(data)
    mutate(root)
    sig = signature(root)
    signed_info = sig.find("ds:SignedInfo", NS)
    octets = etree.tostring(signed_info, method="c14n", exclusive=True)
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(octets, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(octets, ec.ECDSA(hashes.SHA256())))
        size = (key.curve.key_size + 7) // 8
        value = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    sig.find("ds:SignatureValue", NS).text = base64.b64encode(value).decode()

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
