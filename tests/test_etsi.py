"""The EN 319 102-1 vocabulary: concluding an indication from layer results."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_edc import CheckResult, Indication, SealFormat, SubIndication
from aurora_edc._etsi import CHECK_TRUST, build_report, conclude

PASSED_TRUST = CheckResult.passed(CHECK_TRUST, "anchor supplied")


def test_all_passed_with_trust_is_total_passed() -> None:
    """Every layer passed, trust included: TOTAL_PASSED."""
    checks = [CheckResult.passed("format"), PASSED_TRUST]

    assert conclude(checks) == (Indication.TOTAL_PASSED, None)


def test_failure_wins_over_indeterminate() -> None:
    """A FAILED layer gives TOTAL_FAILED even after an INDETERMINATE one."""
    checks = [
        CheckResult.indeterminate("x", SubIndication.TRY_LATER, ""),
        CheckResult.failed("y", SubIndication.HASH_FAILURE, ""),
    ]

    assert conclude(checks) == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)


def test_advisory_layers_do_not_decide() -> None:
    """An advisory layer (qualification claims) never changes the verdict."""
    advisory = CheckResult(
        "qualification",
        Indication.INDETERMINATE,
        SubIndication.CHAIN_CONSTRAINTS_FAILURE,
        advisory=True,
    )

    assert conclude([advisory, PASSED_TRUST])[0] is Indication.TOTAL_PASSED


def test_without_trust_layer_never_total_passed() -> None:
    """All layers passed but none vouches for trust: INDETERMINATE."""
    checks = [CheckResult.passed("format"), CheckResult.passed("signature-value")]

    assert conclude(checks) == (
        Indication.INDETERMINATE,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    )


_results = st.builds(
    CheckResult,
    name=st.sampled_from(["format", "signature-value", CHECK_TRUST]),
    indication=st.sampled_from(
        [Indication.PASSED, Indication.FAILED, Indication.INDETERMINATE]
    ),
    sub_indication=st.sampled_from(list(SubIndication)),
    advisory=st.booleans(),
)


@given(st.lists(_results, max_size=8))
def test_conclusion_rules_hold(checks: list[CheckResult]) -> None:
    """TOTAL_PASSED needs a passed trust layer; any deciding FAILED is TOTAL_FAILED."""
    indication, _ = conclude(checks)
    deciding = [c for c in checks if not c.advisory]

    if indication is Indication.TOTAL_PASSED:
        assert any(c.name == CHECK_TRUST and c.ok for c in deciding)
    failed = any(c.indication is Indication.FAILED for c in deciding)
    assert (indication is Indication.TOTAL_FAILED) == failed


def test_report_to_dict_is_json_and_hides_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """to_dict() gives JSON with the content's hash; a weak result logs WARNING."""
    with caplog.at_level(logging.WARNING, logger="aurora_edc"):
        report = build_report(
            SealFormat.JADES,
            [CheckResult.passed("format"), CheckResult.passed("signature-value")],
            b"secret payload",
        )

    data = report.to_dict()

    assert json.loads(json.dumps(data))["indication"] == "INDETERMINATE"
    assert "secret payload" not in json.dumps(data)
    assert report.to_dict(include_content=True)["signed_content"] == "secret payload"
    assert any(r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.parametrize(
    "checks",
    [
        [CheckResult.passed("format")],
        [
            CheckResult.failed("format", SubIndication.FORMAT_FAILURE, "bad"),
            CheckResult.passed("signature-value"),
        ],
        [
            CheckResult.passed("format"),
            CheckResult.failed(
                "signature-value", SubIndication.SIG_CRYPTO_FAILURE, "bad"
            ),
        ],
        [
            CheckResult.passed("format"),
            CheckResult.failed(
                "reference-integrity:data", SubIndication.HASH_FAILURE, "bad"
            ),
            CheckResult.passed("signature-value"),
        ],
    ],
)
def test_signed_content_returned_for_failed_signature(
    checks: list[CheckResult],
) -> None:
    """signed_content is empty unless format, references and signature passed."""
    report = build_report(SealFormat.XADES, checks, b"unverified bytes")

    assert report.signed_content == b""
