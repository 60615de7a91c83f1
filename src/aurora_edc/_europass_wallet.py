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

Retries are bounded: connection errors, timeouts and 5xx answers are tried
again with exponential back-off (honouring ``Retry-After``), up to
``max_attempts`` requests. A 409 counts as delivered, which makes a re-sent
credential harmless. No live Europass endpoint has been tested.
"""

from __future__ import annotations

import enum
import logging
import random
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


@dataclass(frozen=True)
class EuropassWalletConfig:
    """How to reach a Europass wallet's deposit API.

    Attributes:
        base_url: API root, before ``/v1/wallets``; required, no default, so
            that nothing is ever sent to a guessed host.
        token: Access token, sent in ``auth_header``; never logged or shown.
        auth_header: Header that carries the token (``Authorization``).
        auth_scheme: Prefix of the token in that header (``Bearer``); empty
            to send the bare token (an API-key header).
        timeout: Seconds to wait for the answer (a deposit runs seal and SHACL
            checks on the server, so it is slow).
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

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")):
            raise InputError(
                f"base_url: expected an http(s) URL, found {self.base_url!r}"
            )
        if not 1 <= self.max_attempts <= _MAX_ATTEMPTS_CEILING:
            raise InputError(
                f"max_attempts: expected 1 to {_MAX_ATTEMPTS_CEILING}, "
                f"found {self.max_attempts}"
            )


@dataclass(frozen=True)
class WalletRecipient:
    """Whose wallet receives a credential: a wallet user id or an e-mail.

    Attributes:
        user_id: The wallet's user id (``/v1/wallets/{userId}``).
        email: The learner's e-mail (``/v1/wallets/email/{email}``).
    """

    user_id: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.email is None):
            raise InputError("recipient: give exactly one of user_id and email")

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

        return f"/v1/wallets/email/{quote(str(self.email), safe='@')}/credentials"


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
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            headers=self._headers(config),
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
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
            The outcome; a 409 (same id already there) is
            :attr:`DepositStatus.ALREADY_DELIVERED`.

        Raises:
            InputError: ``sealed`` is not a sealed EDC.
            PayloadTooLargeError: The wallet answered 413.
            HandoffError: 400 (not a valid EDC), 404 (no wallet), another 4xx,
                or tries exhausted on 5xx and connection errors; ``status``
                holds the last HTTP status, None for a connection failure.
        """
        document = self._document(sealed)
        attempt = 0
        while True:
            attempt += 1
            response, failure = self._send(document, recipient)
            if response is not None and response.status_code < 500:
                return self._settle(document, recipient, response, attempt)
            if attempt >= self.config.max_attempts:
                raise self._exhausted(document, response, failure, attempt)
            delay = self._delay(attempt, response)
            logger.warning(
                "deposit of %s: %s, retry %d/%d in %.1f s",
                document.credential_id,
                failure or f"HTTP {response.status_code if response else '?'}",
                attempt + 1,
                self.config.max_attempts,
                delay,
            )
            time.sleep(delay)

    @staticmethod
    def _headers(config: EuropassWalletConfig) -> dict[str, str]:
        headers = {"Accept": "application/json"}
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
    ) -> tuple[httpx.Response | None, str | None]:
        params: dict[str, str] = {"sendEmail": str(self.config.send_email).lower()}
        if self.config.locale:
            params["locale"] = self.config.locale
        files = {
            "_credential": ("credential.jsonld", document.raw, "application/ld+json")
        }
        try:
            response = self._http.post(recipient.path(), params=params, files=files)
        except httpx.TransportError as exc:
            return None, f"{type(exc).__name__}: {shorten(str(exc), 80)}"
        logger.debug(
            "deposit of %s: HTTP %d", document.credential_id, response.status_code
        )

        return response, None

    def _settle(
        self,
        document: CredentialDocument,
        recipient: WalletRecipient,
        response: httpx.Response,
        attempt: int,
    ) -> DepositOutcome:
        code = response.status_code
        if code in (200, 201):
            status = DepositStatus.DELIVERED
        elif code == 409:
            logger.info("credential %s already in the wallet", document.credential_id)
            status = DepositStatus.ALREADY_DELIVERED
        else:
            raise self._refused(document, recipient, response)

        return DepositOutcome(document.credential_id, recipient, status, code, attempt)

    def _refused(
        self,
        document: CredentialDocument,
        recipient: WalletRecipient,
        response: httpx.Response,
    ) -> HandoffError:
        code = response.status_code
        said = _server_message(response)
        what = {
            400: "the wallet refused it as not a valid Europass Digital Credential",
            401: "the wallet refused the credentials of this client",
            403: "the wallet refused the credentials of this client",
            404: f"no wallet for {recipient.key}",
        }.get(code, f"unexpected HTTP {code}")
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
        response: httpx.Response | None,
        failure: str | None,
        attempt: int,
    ) -> HandoffError:
        if response is not None and failure is None:
            last = f"HTTP {response.status_code}: {_server_message(response)}"
        else:
            last = failure or "no answer"

        return HandoffError(
            f"deposit of {document.credential_id}: gave up after {attempt} attempts; "
            f"last: {last}",
            status=response.status_code if response is not None else None,
        )

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        config = self.config
        delay = min(config.backoff_max, config.backoff_initial * 2.0 ** (attempt - 1))
        if config.jitter:
            delay *= random.uniform(0.5, 1.0)
        retry_after = _retry_after(response)
        if retry_after is not None:
            delay = max(delay, min(retry_after, config.backoff_max))

        return delay


def _retry_after(response: httpx.Response | None) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _server_message(response: httpx.Response) -> str:
    # The EC services answer a JSON error object; other proxies send text.
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "code"):
            if isinstance(body.get(key), str):
                body = body[key]
                break
    text = body if isinstance(body, str) else str(body)

    return shorten(text.strip() or response.reason_phrase, _MESSAGE_LIMIT)
