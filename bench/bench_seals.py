"""Seal and verification throughput, each beside the bare library call it wraps.

Run: ``.venv/bin/python bench/bench_seals.py [--seconds 1.0]``

JAdES rows: ``seal_jades`` (issuer check, compact serialisation, header,
joserfc signature) against ``joserfc.jws.serialize_json`` alone with a ready
header and payload; ``verify_jades`` (all layers: format, binding, signature,
path validation with pyhanko-certvalidator, issuer, qualification) against
``joserfc.jws.deserialize_json`` alone. Credentials of 20 KB and 200 KB are
the EC's micro-credential sample with its images resized. One process, one
thread; the test PKI and TSA of ``aurora_edc.testing``.

XAdES rows: ``seal_xades`` (hardened parse, issuer check, signxml with
exc-c14n, serialisation) against signxml's ``XAdESSigner`` alone (plain
parse, its defaults, serialisation); ``verify_xades`` (all layers) against
``XAdESVerifier.verify`` with the certificate pinned. Documents of 20 KB and
200 KB are the EC's small ELM 1.2 credential padded with organisations.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.jwk import ECKey, RSAKey
from lxml import etree
from signxml.xades.xades import (
    XAdESSignatureConfiguration,
    XAdESSigner,
    XAdESVerifier,
)

from aurora_edc import seal_jades, seal_xades, verify_jades, verify_xades
from aurora_edc._jades import _jose_key, jades_header, jades_registry
from aurora_edc.testing import IssuedCertificate, TestPKI, TimestampAuthority

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AURORA_EDC_SHARED", ROOT.parent / "shared"))
SAMPLE = SHARED / "elm/v3/samples/Sample-MC-Annex1-unsigned.jsonld"
SIZES = {"20 KB": 20_000, "200 KB": 200_000}

Row = tuple[str, str, str, float, float]


def rate(action: Callable[[], object], seconds: float) -> float:
    """Return calls per second of ``action`` over about ``seconds``."""
    action()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        action()
        count += 1

    return count / elapsed


def credential_of_size(size: int) -> dict[str, Any]:
    """The EC sample with its issuer id set, padded or cut to ``size`` bytes."""
    credential: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    credential["issuer"]["eIDASIdentifier"] = {
        "id": "urn:epass:legalIdentifier:seal",
        "type": "LegalIdentifier",
        "notation": "VATBE-0123456789",
    }
    image = credential["displayParameter"]["individualDisplay"]["displayDetail"]
    image = image["image"]
    image["content"] = ""
    credential.pop("evidence", None)
    base = len(json.dumps(credential, separators=(",", ":")).encode())
    filler = base64.b64encode(os.urandom(size))[: max(0, size - base)]
    image["content"] = filler.decode()

    return credential


def jades_rows(pki: TestPKI, seconds: float) -> list[Row]:
    """Measure JAdES seal/verify and bare joserfc sign/verify, per key and size."""
    rows: list[Row] = []
    for kind in ("rsa2048", "p256"):
        seal = pki.issue_seal(key=kind)  # type: ignore[arg-type]
        for label, size in SIZES.items():
            rows += _jades_case(pki, seal, label, credential_of_size(size), seconds)

    return rows


def _jades_case(
    pki: TestPKI,
    seal: IssuedCertificate,
    label: str,
    credential: dict[str, Any],
    seconds: float,
) -> list[Row]:
    key = seal.seal_key()
    sealed = seal_jades(credential, key)
    document = json.loads(sealed)
    payload = document["payload"].encode()
    header = jades_header(key, pki.now)
    private = _jose_key(key)
    public = (ECKey if key.algorithm.startswith("ES") else RSAKey).import_key(
        seal.certificate.public_key()  # type: ignore[arg-type]
    )
    registry = jades_registry()
    name = f"JAdES {key.algorithm}"
    assert verify_jades(sealed, trust=[pki.root]).passed

    def bare_sign() -> object:
        return jws.serialize_json(
            [{"protected": header}], payload, private, registry=registry
        )

    def bare_verify() -> object:
        return jws.deserialize_json(document, public, registry=registry)

    sealed_rate = rate(lambda: seal_jades(credential, key), seconds)
    verified_rate = rate(lambda: verify_jades(sealed, trust=[pki.root]), seconds)

    return [
        (name, label, "seal B-B / joserfc sign", sealed_rate, rate(bare_sign, seconds)),
        (
            name,
            label,
            "verify / joserfc verify",
            verified_rate,
            rate(bare_verify, seconds),
        ),
    ]


def jades_timestamp_rows(pki: TestPKI, seconds: float) -> list[Row]:
    """Measure B-T sealing and verification with the local HTTP TSA."""
    seal = pki.issue_seal(key="p256")
    key = seal.seal_key()
    credential = credential_of_size(SIZES["20 KB"])
    with TimestampAuthority(pki) as tsa:
        sealed = seal_jades(credential, key, tsa_url=tsa.url)
        sealing = rate(lambda: seal_jades(credential, key, tsa_url=tsa.url), seconds)
    verifying = rate(lambda: verify_jades(sealed, trust=[pki.root]), seconds)

    return [
        ("JAdES ES256", "20 KB", "seal B-T (local TSA)", sealing, float("nan")),
        ("JAdES ES256", "20 KB", "verify B-T", verifying, float("nan")),
    ]


XADES_SAMPLE = SHARED / "elm/v2/samples/EDC_WileECoyote_Simple.xml"
XADES_ORG_ID = "VATBE-0123456789"


def xades_document(size: int) -> bytes:
    """The EC's small ELM 1.2 credential, padded with organisations to ~size."""
    data = XADES_SAMPLE.read_bytes().replace(b"WB-000001", XADES_ORG_ID.encode())
    start = data.index(b'<organization id="urn:epass:org:1">')
    end = data.index(b"</organization>", start) + len(b"</organization>")
    organisation = data[start:end]
    copies = max(0, (size - len(data)) // len(organisation))
    extra = b"".join(
        organisation.replace(b"urn:epass:org:1", f"urn:epass:org:x{n}".encode())
        for n in range(copies)
    )

    return data[:end] + extra + data[end:]


def _bare_xades_sign(document: bytes, seal: IssuedCertificate, method: str) -> bytes:
    """signxml alone: parse, XAdESSigner (its C14N 1.1 default), serialise."""
    root = etree.fromstring(document)
    proof = root.find("{http://data.europa.eu/snb}proof")
    ds = "http://www.w3.org/2000/09/xmldsig#"
    etree.SubElement(proof, f"{{{ds}}}Signature", Id="placeholder", nsmap={"ds": ds})
    signed = XAdESSigner(signature_algorithm=method).sign(
        root, key=seal.private_key, cert=[seal.certificate]
    )

    return bytes(etree.tostring(signed))


def xades_rows(pki: TestPKI, seconds: float) -> list[Row]:
    """Measure XAdES seal/verify and bare signxml sign/verify, per key and size."""
    rows: list[Row] = []
    for kind, method in (("rsa2048", "rsa-sha256"), ("p256", "ecdsa-sha256")):
        seal = pki.issue_seal(organization_identifier=XADES_ORG_ID, key=kind)  # type: ignore[arg-type]
        for label, size in SIZES.items():
            document = xades_document(size)
            rows += _xades_case(pki, seal, method, label, document, seconds)

    return rows


def _xades_case(
    pki: TestPKI,
    seal: IssuedCertificate,
    method: str,
    label: str,
    document: bytes,
    seconds: float,
) -> list[Row]:
    key = seal.seal_key()
    name = f"XAdES {key.algorithm}"
    sealed = seal_xades(document, key)
    bare = _bare_xades_sign(document, seal, method)
    config = XAdESSignatureConfiguration(verification_time=pki.now)
    assert verify_xades(sealed, trust=[pki.root]).passed

    def bare_verify() -> object:
        return XAdESVerifier().verify(
            bare, x509_cert=seal.certificate, expect_config=config
        )

    sealing = rate(lambda: seal_xades(document, key), seconds)
    signing = rate(lambda: _bare_xades_sign(document, seal, method), seconds)
    verifying = rate(lambda: verify_xades(sealed, trust=[pki.root]), seconds)

    return [
        (name, label, "seal B-B / signxml XAdESSigner", sealing, signing),
        (
            name,
            label,
            "verify / signxml XAdESVerifier",
            verifying,
            rate(bare_verify, seconds),
        ),
    ]


def xades_timestamp_rows(pki: TestPKI, seconds: float) -> list[Row]:
    """Measure XAdES B-T sealing and verification with the local HTTP TSA."""
    key = pki.issue_seal(organization_identifier=XADES_ORG_ID, key="p256").seal_key()
    document = xades_document(SIZES["20 KB"])
    with TimestampAuthority(pki) as tsa:
        sealed = seal_xades(document, key, tsa_url=tsa.url)
        sealing = rate(lambda: seal_xades(document, key, tsa_url=tsa.url), seconds)
    verifying = rate(lambda: verify_xades(sealed, trust=[pki.root]), seconds)

    return [
        ("XAdES ES256", "20 KB", "seal B-T (local TSA)", sealing, float("nan")),
        ("XAdES ES256", "20 KB", "verify B-T", verifying, float("nan")),
    ]


def xades_sample_rows(pki: TestPKI, seconds: float) -> list[Row]:
    """Measure verification of the EC's sealed XML files (B-LT), no anchors."""
    rows: list[Row] = []
    for name in (
        "EDC_DiplomaSupplement_AA_signed.xml",
        "AnaAndromeda_CivilEngineering_signed.xml",
    ):
        data = (SHARED / "elm/v2/samples" / name).read_bytes()
        label = f"{name.split('_')[0]} {len(data) // 1000} KB"
        verifying = rate(lambda data=data: verify_xades(data), seconds)  # type: ignore[misc]
        rows.append(
            ("XAdES RS256 (EC, B-LT)", label, "verify", verifying, float("nan"))
        )

    return rows


SECTIONS: list[Callable[[TestPKI, float], list[Row]]] = [
    jades_rows,
    jades_timestamp_rows,
    xades_rows,
    xades_timestamp_rows,
    xades_sample_rows,
]
"""Benchmark sections, each returning rows; other formats append theirs."""


def machine() -> str:
    """Describe the machine: cores, CPU model, Python."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break

    return f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    pki = TestPKI()

    print(machine())
    print("| format | credential | operation | aurora/s | bare library/s |")
    print("|---|---|---|---|---|")
    for section in SECTIONS:
        for name, size, operation, ours, bare in section(pki, args.seconds):
            bare_text = "-" if bare != bare else f"{bare:,.0f}"
            print(f"| {name} | {size} | {operation} | {ours:,.0f} | {bare_text} |")


if __name__ == "__main__":
    main()
