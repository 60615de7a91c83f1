"""The RFC 3161 time-stamping authority of :mod:`aurora_edc.testing`.

Implements the server side of RFC 3161 for tests: a TimeStampReq (clause
2.4.1) is answered with a TimeStampResp (clause 2.4.2) whose token is a CMS
SignedData (RFC 5652) over a TSTInfo, signed with ESS signing-certificate-v2
(RFC 5035), served over HTTP (clause 3.4) on 127.0.0.1 from a daemon thread.
Import it from :mod:`aurora_edc.testing`.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ._timestamp import TimeStampResponse

if TYPE_CHECKING:
    from .testing import KeyKind, TestPKI

__all__ = ["TimestampAuthority"]

_MAX_REQUEST = 64_000


class TimestampAuthority:
    """An RFC 3161 TSA on 127.0.0.1, served from a background thread.

    Args:
        pki: The PKI that issues the TSA certificate.
        policy: TSA policy OID put into every token.
        clock: Returns the genTime to use (default: now, UTC); tests pass a
            fixed time to make a token prove a chosen moment.
        key: Key kind of the TSA.

    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        pki: TestPKI,
        *,
        policy: str = "1.3.6.1.4.1.61046.1.1",
        clock: Callable[[], datetime] | None = None,
        key: KeyKind = "p256",
    ) -> None:
        self.pki = pki
        self.issued = pki.issue_tsa(key=key)
        self.policy = policy
        self.clock = clock or (lambda: datetime.now(UTC))
        self._serials = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def certificate(self) -> x509.Certificate:
        """The TSA certificate."""
        return self.issued.certificate

    @property
    def url(self) -> str:
        """The URL to POST requests to; the server must be started."""
        if self._server is None:
            raise RuntimeError("the TSA is not running; use it as a context manager")
        host, port = self._server.server_address[:2]

        return f"http://{host!s}:{port}/tsa"

    def __enter__(self) -> TimestampAuthority:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start serving on 127.0.0.1 on an ephemeral port."""
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= _MAX_REQUEST:
                    self.send_error(413)
                    return
                body = authority.respond(self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="aurora-test-tsa", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def respond(self, request_der: bytes) -> bytes:
        """Answer one DER TimeStampReq with a DER TimeStampResp.

        Args:
            request_der: The request.

        Returns:
            A granted response, or a rejection for an unreadable request.

        """
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            nonce = request["nonce"].native
            _ = imprint["hashed_message"].native
        except (ValueError, TypeError):
            status = {"status": "rejection", "fail_info": {"bad_data_format"}}
            return bytes(TimeStampResponse({"status": status}).dump())
        token = self._token(imprint, nonce, bool(request["cert_req"].native))
        response = tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        )

        return bytes(response.dump())

    def token_for(self, data: bytes, *, hash_algorithm: str = "sha256") -> bytes:
        """Return a token over ``data`` directly, without HTTP.

        Args:
            data: The bytes to time-stamp.
            hash_algorithm: Imprint hash name (sha256, sha384, sha512, sha1).

        Returns:
            The TimeStampToken, DER.

        """
        digest = hashlib.new(hash_algorithm, data).digest()
        imprint = tsp.MessageImprint(
            {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": hash_algorithm}),
                "hashed_message": digest,
            }
        )

        return bytes(self._token(imprint, None, True).dump())

    def _token(
        self, imprint: tsp.MessageImprint, nonce: int | None, with_certs: bool
    ) -> cms.ContentInfo:
        """Build and sign a TimeStampToken (CMS SignedData over TSTInfo)."""
        with self._lock:
            serial = next(self._serials)
        fields: dict[str, Any] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": imprint,
            "serial_number": serial,
            "gen_time": self.clock().astimezone(UTC).replace(microsecond=0),
        }
        if nonce is not None:
            fields["nonce"] = nonce
        tst_info = tsp.TSTInfo(fields)
        encap = cms.EncapsulatedContentInfo(
            {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(tst_info.dump()),
            }
        )
        certificates = [self.certificate, self.pki.intermediate] if with_certs else []
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": encap,
                "certificates": [_asn1(c) for c in certificates],
                "signer_infos": [self._signer_info(tst_info.dump())],
            }
        )

        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})

    def _signer_info(self, tst_info_der: bytes) -> cms.SignerInfo:
        """Sign the attributes over the TSTInfo with the TSA key."""
        cert = _asn1(self.certificate)
        ess = tsp.SigningCertificateV2(
            {"certs": [{"cert_hash": hashlib.sha256(cert.dump()).digest()}]}
        )
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {
                    "type": "message_digest",
                    "values": [hashlib.sha256(tst_info_der).digest()],
                },
                {"type": "signing_certificate_v2", "values": [ess]},
            ]
        )
        key = self.issued.private_key
        data = attributes.dump()
        if isinstance(key, rsa.RSAPrivateKey):
            signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            algorithm = "sha256_rsa"
        else:
            signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
            algorithm = "sha256_ecdsa"
        sid = cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number}
        )

        return cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier({"issuer_and_serial_number": sid}),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attributes,
                "signature_algorithm": algos.SignedDigestAlgorithm(
                    {"algorithm": algorithm}
                ),
                "signature": signature,
            }
        )


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        certificate.public_bytes(serialization.Encoding.DER)
    )
