"""A local stand-in for the Europass wallet deposit API, for tests only.

It implements the contract of the EC EDC wallet 2.0.6 (``CredentialCrudResource``)
on 127.0.0.1 with an ephemeral port: ``POST /v1/wallets/{userId}/credentials``
and ``/v1/wallets/email/{email}/credentials``, multipart part ``_credential``,
query ``sendEmail`` and ``locale``; 201 created, 400 not a valid credential
(unsealed, not JSON, no id, or an id listed as invalid, standing for a seal or
SHACL check that fails), 404 unknown wallet, 409 same id already held,
401 without the expected token. Flaky mode answers 503 to the first requests.
A hold point blocks the answer to the n-th stored credential, so that a test can
kill its client after the wallet stored it and before the client heard back.
Scripted replies stand for misbehaving wallets: another status, an answer
dripped one byte at a time, or a huge body.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["Reply", "WalletState", "running_wallet", "sealed_variants"]


@dataclass
class Reply:
    """A scripted answer, sent instead of the wallet's own decision.

    ``drip`` sends the whole answer, status line included, one byte per
    ``drip`` seconds; ``filler`` appends that many bytes to the body, and
    ``sent`` counts the body bytes the client actually took.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drip: float = 0.0
    filler: int = 0
    sent: int = 0


@dataclass
class WalletState:
    """What the stub wallet holds and how it behaves."""

    users: set[str] = field(default_factory=lambda: {"learner-1"})
    email_wallets: bool = True
    token: str | None = None
    fail_first: int = 0
    hold_at: int | None = None
    invalid: set[str] = field(default_factory=set)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    stored: dict[tuple[str, str], bytes] = field(default_factory=dict)
    created: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(
        self,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str]]:
        """Decide the status and JSON body for one deposit request."""
        with self.lock:
            self.requests.append((path, query))
            if self.token and headers.get("authorization") != f"Bearer {self.token}":
                return 401, {"message": "Unauthorized"}
            if len(self.requests) <= self.fail_first:
                return 503, {"message": "Service Unavailable"}
            wallet = self._wallet(path)
            if wallet is None:
                return 404, {"message": "Wallet not found"}
            credential_id = _sealed_id(headers.get("content-type", ""), body)
            if credential_id is None or credential_id in self.invalid:
                return 400, {
                    "message": "The credential is not a valid Europass Digital "
                    "Credential: CREDENTIAL_UNSIGNED"
                }
            if (wallet, credential_id) in self.stored:
                return 409, {"message": "A credential with the same ID already exists"}
            self.stored[(wallet, credential_id)] = body
            self.created[credential_id] += 1
            hold = self.hold_at is not None and len(self.stored) == self.hold_at
        if hold:
            self.held.set()
            self.release.wait(30)
        return 201, {"uuid": credential_id}

    def _wallet(self, path: str) -> str | None:
        route = path.removeprefix("/api").strip("/")
        parts = [unquote(part) for part in route.split("/")]
        if (
            len(parts) == 5
            and parts[:3] == ["v1", "wallets", "email"]
            and self.email_wallets
        ):
            return "email:" + parts[3]
        if (
            len(parts) == 4
            and parts[:2] == ["v1", "wallets"]
            and parts[2] in self.users
        ):
            return "user:" + parts[2]
        return None


def _sealed_id(content_type: str, body: bytes) -> str | None:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") != "_credential":
            continue
        try:
            raw = part.get_payload(decode=True)
            document = json.loads(raw if isinstance(raw, bytes) else b"")
            payload = json.loads(document["payload"])
        except (ValueError, KeyError, TypeError):
            return None
        if not document.get("signatures") or not isinstance(payload.get("id"), str):
            return None
        return str(payload["id"])
    return None


class _Handler(BaseHTTPRequestHandler):
    state: WalletState

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {key.lower(): value for key, value in self.headers.items()}
        with self.state.lock:
            reply = self.state.replies.pop(0) if self.state.replies else None
        if reply is not None:
            self.state.requests.append((url.path, parse_qs(url.query)))
            self._scripted(reply)
            return
        status, answer = self.state.answer(url.path, parse_qs(url.query), headers, body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 503:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def _scripted(self, reply: Reply) -> None:
        head = f"HTTP/1.1 {reply.status} Scripted\r\n"
        length = len(reply.body) + reply.filler
        fields = {"Content-Length": str(length), **reply.headers}
        head += "".join(f"{key}: {value}\r\n" for key, value in fields.items())
        data = (head + "Connection: close\r\n\r\n").encode() + reply.body
        try:
            if reply.drip:
                for index in range(len(data)):
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                    time.sleep(reply.drip)
            else:
                self.wfile.write(data)
            reply.sent = len(reply.body)
            chunk = b"x" * 65536
            while reply.sent < length:
                self.wfile.write(chunk[: length - reply.sent])
                reply.sent += min(len(chunk), length - reply.sent)
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@contextmanager
def running_wallet(
    state: WalletState | None = None,
) -> Iterator[tuple[str, WalletState]]:
    """Run the stub wallet on 127.0.0.1 and yield its base URL and state."""
    state = state or WalletState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api", state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def sealed_variants(signed_sample: bytes, count: int) -> list[bytes]:
    """Copies of the EC sealed sample with distinct credential ids.

    The payload is raw JSON text (``b64: false``), so only the id changes; the
    seal no longer verifies, which the stub, like any transport test, ignores.
    """
    document = json.loads(signed_sample)
    original = json.loads(document["payload"])["id"]
    variants = []
    for number in range(count):
        copy = dict(document)
        copy["payload"] = document["payload"].replace(
            original, f"urn:credential:00000000-0000-4000-8000-{number:012d}"
        )
        variants.append(json.dumps(copy).encode())
    return variants
