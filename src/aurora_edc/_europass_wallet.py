"""Client of the Europass wallet's deposit API (EDC wallet 2.0.6).

Implements the credential-deposit contract of the European Commission's EDC
wallet (``CredentialCrudResource`` in the open-source release 2.0.6):

* ``POST {base}/v1/wallets/{userId}/credentials``, or
  ``POST {base}/v1/wallets/email/{email}/credentials`` (a temporary wallet keyed
  by e-mail, where the wallet enables it);
* a ``multipart/form-data`` body whose part ``_credential`` is the sealed EDC;
* query ``sendEmail`` (the wallet e-mails the learner; default true) and
  ``locale``;
* answers: 201 created; 400 "not a valid Europass Digital Credential" (bad
  seal, SHACL failure, no id); 404 no such wallet; 409 "A credential with the
  same ID already exists".

Retries are bounded: connection errors, timeouts, 429 and 5xx answers are
tried again with exponential back-off (honouring ``Retry-After``), up to
``max_attempts`` requests. Only 201 counts as delivered; a 409 counts as
already delivered, which makes a re-sent credential harmless; any other 2xx is
an error to investigate. Each request has an overall deadline, enforced by
cutting its connection, and at most 64 KiB of any answer is read. The token is
checked when configured and never appears in a message, log line or journal.
No live Europass endpoint has been tested.
"""

from __future__ import annotations

import enum
import json
import logging
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from ._documents import CredentialDocument, read_credential_document
from ._exceptions import HandoffError, InputError, PayloadTooLargeError, shorten

__all__ = [
    "DepositOutcome",
    "DepositStatus",
    "EuropassWalletClient",
    "EuropassWalletConfig",
    "WalletRecipient",
]

logger = logging.getLogger(__name__)

_MAX_ATTEMPTS_CEILING = 10
_MESSAGE_LIMIT = 200
_BODY_LIMIT = 64 * 1024
_DEADLINE_FACTOR = 2.0
_REDACTED = "[token]"
# RFC 9110 token characters (header names, auth schemes); tokens themselves
# may use any visible ASCII character, never a space, CR or LF.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
_USER_ID = re.compile(r"[A-Za-z0-9_~@+-][A-Za-z0-9._~@+-]{0,254}")
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_RETRIED_STATUSES = frozenset({429})


@dataclass(frozen=True)
class EuropassWalletConfig:
    """How to reach a Europass wallet's deposit API.

    Attributes:
        base_url: API root, before ``/v1/wallets``; required, no default, so
            that nothing is ever sent to a guessed host.
        token: Access token, sent in ``auth_header``; never logged or shown.
            Visible ASCII only (no space, CR or LF), checked here so that a
            malformed token fails before any request.
        auth_header: Header that carries the token (``Authorization``).
        auth_scheme: Prefix of the token in that header (``Bearer``); empty
            to send the bare token (an API-key header).
        timeout: Seconds to wait for each read of the answer (a deposit runs
            seal and SHACL checks on the server, so it is slow).
        connect_timeout: Seconds to wait for the connection.
        max_attempts: Requests per credential, first try included (1 to 10).
        backoff_initial: Seconds before the second try; doubled each time.
        backoff_max: Longest wait between tries, also caps ``Retry-After``.
        jitter: Wait a random 50-100 % of each delay, so that parallel runs do
            not retry in step; turn off for reproducible timing.
        send_email: Ask the wallet to e-mail the learner (its default).
        locale: Language of that e-mail (``en``, ``fr`` ...); wallet default
            when None.
        verify_tls: Check the server's certificate; only a local test wallet
            may turn this off.
        deadline: Longest one request may take, answer included, in seconds;
            None for ``connect_timeout + 2 * timeout``. ``timeout`` bounds each
            read, so a server that drips one byte at a time is only stopped by
            this deadline.
    """

    base_url: str
    token: str | None = field(default=None, repr=False)
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    timeout: float = 60.0
    connect_timeout: float = 10.0
    max_attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    jitter: bool = True
    send_email: bool = True
    locale: str | None = None
    verify_tls: bool = True
    deadline: float | None = None

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")):
            raise InputError(
                f"base_url: expected an http(s) URL, found {shorten(self.base_url)}"
            )
        if not _HEADER_NAME.fullmatch(self.auth_header):
            raise InputError(
                "auth_header: expected an HTTP header name, found "
                f"{shorten(self.auth_header)}"
            )
        if self.auth_scheme and not _HEADER_NAME.fullmatch(self.auth_scheme):
            raise InputError(
                f"auth_scheme: expected a word such as Bearer, found "
                f"{shorten(self.auth_scheme)}"
            )
        _check_token(self.token)
        if not 1 <= self.max_attempts <= _MAX_ATTEMPTS_CEILING:
            raise InputError(
                f"max_attempts: expected 1 to {_MAX_ATTEMPTS_CEILING}, "
                f"found {self.max_attempts}"
            )

    @property
    def request_deadline(self) -> float:
        """Seconds one request may take in all (see ``deadline``)."""
        if self.deadline is not None:
            return self.deadline

        return self.connect_timeout + _DEADLINE_FACTOR * self.timeout


def _check_token(token: str | None) -> None:
    # The message never quotes the token: it says where and what is wrong.
    if token is None or _VISIBLE_ASCII.fullmatch(token):
        return
    bad = next((i for i, char in enumerate(token) if not "\x21" <= char <= "\x7e"), 0)
    raise InputError(
        "token: expected visible ASCII characters only (no space, CR, LF or "
        f"non-ASCII); found a character outside that set at position {bad} of "
        f"{len(token)} (the token is not shown)"
    )


@dataclass(frozen=True)
class WalletRecipient:
    """Whose wallet receives a credential: a wallet user id or an e-mail.

    Attributes:
        user_id: The wallet's user id (``/v1/wallets/{userId}``): letters,
            digits and ``._~@+-``, not starting with a dot, at most 255.
        email: The learner's e-mail (``/v1/wallets/email/{email}``), ASCII
            ``local@domain`` syntax.

    Raises:
        InputError: Both or neither given, or a value outside that syntax
            (``..`` would climb out of the deposit route).
    """

    user_id: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.email is None):
            raise InputError("recipient: give exactly one of user_id and email")
        if self.user_id is not None and not _USER_ID.fullmatch(self.user_id):
            raise InputError(
                "recipient user_id: expected letters, digits and ._~@+- not "
                f"starting with a dot, found {shorten(self.user_id)}"
            )
        if self.email is not None and not (
            len(self.email) <= 254 and _EMAIL.fullmatch(self.email)
        ):
            raise InputError(
                f"recipient email: expected local@domain, found {shorten(self.email)}"
            )

    @property
    def key(self) -> str:
        """Stable text form, ``user:<id>`` or ``email:<address>``."""
        return f"user:{self.user_id}" if self.user_id else f"email:{self.email}"

    @classmethod
    def from_key(cls, key: str) -> WalletRecipient:
        """Parse the text form made by :attr:`key`.

        Args:
            key: ``user:<id>`` or ``email:<address>``.

        Returns:
            The recipient.

        Raises:
            InputError: Any other text.
        """
        kind, _, value = key.partition(":")
        if kind == "user" and value:
            return cls(user_id=value)
        if kind == "email" and value:
            return cls(email=value)
        raise InputError(
            f"recipient: expected user:<id> or email:<address>, found {key!r}"
        )

    def path(self) -> str:
        """The deposit route below the API root."""
        if self.user_id is not None:
            return f"/v1/wallets/{quote(self.user_id, safe='')}/credentials"

        return f"/v1/wallets/email/{quote(str(self.email), safe='')}/credentials"


class DepositStatus(enum.StrEnum):
    """How a deposit ended."""

    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already-delivered"


@dataclass(frozen=True)
class DepositOutcome:
    """A credential the wallet holds after :meth:`EuropassWalletClient.deposit`.

    Attributes:
        credential_id: The credential's id.
        recipient: Whose wallet.
        status: Delivered now, or already there (409).
        http_status: The final answer's status code.
        attempts: Requests sent, retries included.
    """

    credential_id: str
    recipient: WalletRecipient
    status: DepositStatus
    http_status: int
    attempts: int


class EuropassWalletClient:
    """Deposit sealed EDCs into Europass wallets over HTTP.

    Args:
        config: Where and how to connect.
        transport: An httpx transport, for a caller that routes requests
            itself (proxy, mTLS); the default opens real connections.

    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        config: EuropassWalletConfig,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        # No kept-alive connections: each request opens its own, which the
        # deadline watchdog can cut without harming the next request.
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            headers=self._headers(config),
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
            verify=config.verify_tls,
            transport=transport,
        )

    def __enter__(self) -> EuropassWalletClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def deposit(
        self, sealed: bytes | CredentialDocument, recipient: WalletRecipient
    ) -> DepositOutcome:
        """Deposit one sealed EDC into a learner's wallet.

        Args:
            sealed: The sealed file's bytes, or the opened document; it is
                sent byte for byte.
            recipient: Whose wallet.

        Returns:
            The outcome: 201 is :attr:`DepositStatus.DELIVERED`, 409 (same id
            already there) :attr:`DepositStatus.ALREADY_DELIVERED`.

        Raises:
            InputError: ``sealed`` is not a sealed EDC.
            PayloadTooLargeError: The wallet answered 413.
            HandoffError: 400 (not a valid EDC), 404 (no wallet), another 4xx,
                a 2xx other than 201 (not confirmed), a request that cannot be
                formed, or tries exhausted on 429, 5xx, connection errors and
                deadlines; ``status`` holds the last HTTP status, None without.
        """
        document = self._document(sealed)
        attempt = 0
        while True:
            attempt += 1
            answer, failure = self._send(document, recipient)
            if answer is not None and not _transient(answer.status_code):
                return self._settle(document, recipient, answer, attempt)
            if attempt >= self.config.max_attempts:
                raise self._exhausted(document, answer, failure, attempt)
            delay = self._delay(attempt, answer)
            logger.warning(
                "deposit of %s: %s, retry %d/%d in %.1f s",
                document.credential_id,
                failure or f"HTTP {answer.status_code if answer else '?'}",
                attempt + 1,
                self.config.max_attempts,
                delay,
            )
            time.sleep(delay)

    @staticmethod
    def _headers(config: EuropassWalletConfig) -> dict[str, str]:
        # identity: a compressed answer could expand far beyond the read limit.
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        if config.token:
            prefix = f"{config.auth_scheme} " if config.auth_scheme else ""
            headers[config.auth_header] = prefix + config.token

        return headers

    @staticmethod
    def _document(sealed: bytes | CredentialDocument) -> CredentialDocument:
        document = (
            sealed
            if isinstance(sealed, CredentialDocument)
            else read_credential_document(sealed)
        )
        if not document.sealed:
            raise InputError(
                f"credential {document.credential_id}: the wallet takes sealed "
                "credentials only (CREDENTIAL_UNSIGNED)",
                source=document.source,
            )

        return document

    def _send(
        self, document: CredentialDocument, recipient: WalletRecipient
    ) -> tuple[_Answer | None, str | None]:
        params: dict[str, str] = {"sendEmail": str(self.config.send_email).lower()}
        if self.config.locale:
            params["locale"] = self.config.locale
        files = {
            "_credential": ("credential.jsonld", document.raw, "application/ld+json")
        }
        watchdog = _Watchdog(self.config.request_deadline)
        try:
            with (
                watchdog,
                self._http.stream(
                    "POST",
                    recipient.path(),
                    params=params,
                    files=files,
                    extensions={"trace": watchdog.trace},
                ) as response,
            ):
                answer = _read_answer(response, watchdog)
        except httpx.LocalProtocolError:
            # Not chained: its text quotes the offending header, maybe the token.
            raise HandoffError(
                f"deposit of {document.credential_id}: the request could not be "
                "formed (LocalProtocolError); check the wallet URL, the auth "
                "header and the token"
            ) from None
        except (httpx.TransportError, _Overdue) as exc:
            if watchdog.fired or isinstance(exc, _Overdue):
                return None, f"no complete answer within {watchdog.seconds:.0f} s"
            return None, self._redact(f"{type(exc).__name__}: {shorten(str(exc), 80)}")
        logger.debug(
            "deposit of %s: HTTP %d", document.credential_id, answer.status_code
        )

        return answer, None

    def _redact(self, text: str) -> str:
        # Defence in depth: a server or library may echo the token back.
        token = self.config.token
        if token:
            text = text.replace(token, _REDACTED)

        return text

    def _settle(
        self,
        document: CredentialDocument,
        recipient: WalletRecipient,
        answer: _Answer,
        attempt: int,
    ) -> DepositOutcome:
        code = answer.status_code
        if code == 201:
            status = DepositStatus.DELIVERED
        elif code == 409:
            logger.info("credential %s already in the wallet", document.credential_id)
            status = DepositStatus.ALREADY_DELIVERED
        else:
            raise self._refused(document, recipient, answer)

        return DepositOutcome(document.credential_id, recipient, status, code, attempt)

    def _refused(
        self,
        document: CredentialDocument,
        recipient: WalletRecipient,
        answer: _Answer,
    ) -> HandoffError:
        code = answer.status_code
        said = self._redact(_server_message(answer))
        what = {
            400: "the wallet refused it as not a valid Europass Digital Credential",
            401: "the wallet refused the credentials of this client",
            403: "the wallet refused the credentials of this client",
            404: f"no wallet for {recipient.key}",
        }.get(code, f"unexpected HTTP {code}")
        if 200 <= code < 300:
            what = (
                f"the wallet answered {code}, not 201 Created: delivery not "
                "confirmed, investigate before sending again"
            )
        message = f"deposit of {document.credential_id}: {what} (HTTP {code}: {said})"
        if code == 413:
            size = len(document.raw)
            return PayloadTooLargeError(
                f"deposit of {document.credential_id}: the wallet refused {size} bytes "
                f"as too large (HTTP 413: {said})",
                size=size,
                limit=None,
            )

        return HandoffError(message, status=code)

    def _exhausted(
        self,
        document: CredentialDocument,
        answer: _Answer | None,
        failure: str | None,
        attempt: int,
    ) -> HandoffError:
        if answer is not None and failure is None:
            said = self._redact(_server_message(answer))
            last = f"HTTP {answer.status_code}: {said}"
        else:
            last = failure or "no answer"

        return HandoffError(
            f"deposit of {document.credential_id}: gave up after {attempt} attempts; "
            f"last: {last}",
            status=answer.status_code if answer is not None else None,
        )

    def _delay(self, attempt: int, answer: _Answer | None) -> float:
        config = self.config
        delay = min(config.backoff_max, config.backoff_initial * 2.0 ** (attempt - 1))
        if config.jitter:
            delay *= random.uniform(0.5, 1.0)
        retry_after = _retry_after(answer)
        if retry_after is not None:
            delay = max(delay, min(retry_after, config.backoff_max))

        return delay


@dataclass(frozen=True)
class _Answer:
    """The part of a wallet's answer the client uses; the body is bounded."""

    status_code: int
    reason_phrase: str
    retry_after: str | None
    body: bytes


class _Overdue(TimeoutError):
    """The request's overall deadline passed while its answer was read."""


class _Watchdog:
    """Cuts a request's connection once its overall deadline has passed.

    httpx bounds each read, not the whole request; a timer thread shuts the
    socket down, which ends a blocked read at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._end = time.monotonic() + seconds
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """Keep the socket of the connection httpcore opens for this request."""
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        found = stream.get_extra_info("socket") if stream is not None else None
        with self._lock:
            self._socket = found if isinstance(found, socket.socket) else None
            if self.fired:
                self._shutdown()

    def check(self) -> None:
        """Raise :class:`_Overdue` once the deadline has passed."""
        if self.fired or time.monotonic() > self._end:
            self.fired = True
            raise _Overdue

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("deadline: the socket was already closed")


def _read_answer(response: httpx.Response, watchdog: _Watchdog) -> _Answer:
    # Read at most _BODY_LIMIT bytes; the rest is dropped with the connection.
    body = bytearray()
    for chunk in response.iter_raw():
        watchdog.check()
        body += chunk[: _BODY_LIMIT - len(body)]
        if len(body) >= _BODY_LIMIT:
            break

    return _Answer(
        response.status_code,
        response.reason_phrase,
        response.headers.get("Retry-After"),
        bytes(body),
    )


def _transient(code: int) -> bool:
    return code >= 500 or code in _RETRIED_STATUSES


def _retry_after(answer: _Answer | None) -> float | None:
    value = answer.retry_after if answer is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _server_message(answer: _Answer) -> str:
    # The EC services answer a JSON error object; other proxies send text.
    text = answer.body.decode("utf-8", "replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "code"):
            if isinstance(body.get(key), str):
                body = body[key]
                break
    said = body if isinstance(body, str) else str(body)

    return shorten(said.strip() or answer.reason_phrase, _MESSAGE_LIMIT)
