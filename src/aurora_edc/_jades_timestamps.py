"""JAdES time-stamps: content, signature and archive time-stamps.

Implements ETSI TS 119 182-1 for the time-stamp containers a JAdES seal may
carry and the data each token's imprint covers:

- ``adoTst`` (clause 5.2.8.2), in the protected header: the JWS Payload
  (unencoded when ``b64`` is false);
- ``sigTst`` (clause 5.3.4), in ``etsiU``: the base64url-encoded JWS
  Signature Value, as ASCII;
- ``arcTst`` (clause 5.3.6.3.1.1), in ``etsiU``: payload, ``.``, protected
  header, ``.``, signature, ``.``, then every earlier ``etsiU`` entry as
  found. The EC's sample follows this layout; TS 119 182-1 v1.1.1 had no
  dot after the signature and is accepted too.

Each token is verified with :func:`aurora_edc._timestamp.verify_timestamp`;
the best signature time is the earliest genTime of a trusted ``sigTst`` or
``arcTst``. A content time-stamp later than a signature time-stamp is a
TIMESTAMP_ORDER_FAILURE (ETSI EN 319 102-1 clause 5.6.2.4).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from cryptography import x509

from ._certpath import RevocationData
from ._etsi import CheckResult, Indication, SubIndication
from ._jades_parse import JAdESDocument, decode_value
from ._timestamp import verify_timestamp

__all__ = ["MAX_TST_TOKENS", "check_timestamps"]

MAX_TST_TOKENS = 4
"""Most tokens read from one tstContainer (a seal's TSA issues one)."""

_Inputs = Callable[[], list[bytes]]


def _tokens(container: Any) -> list[bytes]:
    """DER tokens of a tstContainer (TS 119 182-1 clause 5.2.8.1)."""
    tokens = container.get("tstTokens") if isinstance(container, dict) else None
    if not isinstance(tokens, list) or not tokens:
        raise ValueError("expected a non-empty tstTokens array")
    if len(tokens) > MAX_TST_TOKENS:
        raise ValueError(
            f"{len(tokens)} tstTokens, expected at most {MAX_TST_TOKENS} per container"
        )
    if any(t.get("type", "DER") != "DER" for t in tokens if isinstance(t, dict)):
        raise ValueError("only DER time-stamp tokens are supported")

    return [decode_value(t) for t in tokens]


def check_timestamps(
    parsed: JAdESDocument,
    trust: Sequence[x509.Certificate],
    certificates: list[x509.Certificate],
    revocation: RevocationData,
    allow_weak: bool,
) -> tuple[list[CheckResult], datetime | None]:
    """Verify adoTst, sigTst and arcTst; return results and best PoE time."""
    covered = _timestamp_inputs(parsed)
    results: list[CheckResult] = []
    proven: list[datetime] = []
    for kind, container, build in covered:
        name = f"timestamp:{kind}"
        inputs = build()
        if not inputs:
            results.append(_unrebuildable(name))
            continue
        try:
            tokens = _tokens(container)
        except ValueError as exc:
            results.append(
                CheckResult.failed(name, SubIndication.FORMAT_FAILURE, str(exc))
            )
            continue
        for token in tokens:
            result = _verify_one(
                token, inputs, name, trust, certificates, revocation, allow_weak
            )
            results.append(result)
            if result.ok and kind != "adoTst" and result.time is not None:
                proven.append(result.time)
    results.extend(_order_problems(results))

    return results, min(proven, default=None)


def _unrebuildable(name: str) -> CheckResult:
    """Report an arcTst whose time-stamped data cannot be rebuilt (advisory)."""
    return CheckResult(
        name,
        Indication.INDETERMINATE,
        SubIndication.SIGNED_DATA_NOT_FOUND,
        "earlier etsiU entries are clear JSON; rebuilding the archive "
        "time-stamp input needs JSON canonicalisation, which is not supported",
        advisory=True,
    )


def _verify_one(
    token: bytes,
    inputs: list[bytes],
    name: str,
    trust: Sequence[x509.Certificate],
    certificates: list[x509.Certificate],
    revocation: RevocationData,
    allow_weak: bool,
) -> CheckResult:
    """Verify one token against the first matching imprint input."""
    result = None
    for data in inputs:
        outcome = verify_timestamp(
            token,
            data,
            name=name,
            trust=trust,
            certificates=certificates,
            revocation=revocation,
            allow_weak=allow_weak,
        )
        result = outcome.check
        if outcome.imprint_ok:
            break
    assert result is not None

    return result


def _timestamp_inputs(parsed: JAdESDocument) -> list[tuple[str, Any, _Inputs]]:
    """Each time-stamp container with a builder of the data its imprint covers.

    The data is built only when a token is checked, and an archive
    time-stamp's prefix is shared: memory stays linear in the document.
    """
    payload = (
        parsed.content if parsed.header.get("b64") is False else parsed.payload.encode()
    )
    signature = parsed.signature_b64.encode("ascii")
    found: list[tuple[str, Any, _Inputs]] = []
    if "adoTst" in parsed.header:
        found.append(("adoTst", parsed.header["adoTst"], lambda: [payload]))
    raws = [raw for _, raw, _ in parsed.etsiu]
    for index, (name, _, value) in enumerate(parsed.etsiu):
        if name == "sigTst":
            found.append(("sigTst", value, lambda: [signature]))
        elif name == "arcTst":
            found.append(
                ("arcTst", value, _archive_inputs(parsed, payload, raws, index))
            )

    return found


def _archive_inputs(
    parsed: JAdESDocument, payload: bytes, raws: list[str], count: int
) -> _Inputs:
    """Return a builder of arcTst imprint inputs (5.3.6.3.1.1).

    The current layout first, then the v1.1.1 one; no input when earlier entries
    are clear JSON (they would need canonicalisation).
    """
    before = raws[:count]
    if not all(before):
        return lambda: []

    def build() -> list[bytes]:
        head = b".".join(
            [payload, parsed.protected_b64.encode(), parsed.signature_b64.encode()]
        )
        tail = "".join(before).encode("ascii")
        return [head + b"." + tail, head + tail]

    return build


def _order_problems(results: list[CheckResult]) -> list[CheckResult]:
    """Flag a content time-stamp later than a signature time-stamp."""
    content = [
        r.time for r in results if r.name == "timestamp:adoTst" and r.ok and r.time
    ]
    signature = [
        r.time for r in results if r.name == "timestamp:sigTst" and r.ok and r.time
    ]
    if content and signature and max(content) > min(signature):
        return [
            CheckResult.indeterminate(
                "timestamp:order",
                SubIndication.TIMESTAMP_ORDER_FAILURE,
                f"content time-stamp {max(content):%Y-%m-%dT%H:%M:%SZ} is after "
                f"the signature time-stamp {min(signature):%Y-%m-%dT%H:%M:%SZ}",
            )
        ]

    return []
