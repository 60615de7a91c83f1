"""Shared fixtures: the artefact mirror is ``../shared`` beside the checkout."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported in the fixtures, after the environment is set
    from aurora_edc.testing import TestPKI, TimestampAuthority

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AURORA_EDC_SHARED", ROOT.parent / "shared")).resolve()
FIXTURES = ROOT / "fixtures"

# Tests never touch the network: every artefact comes from the shared mirror,
# and the user cache is a throw-away directory.
os.environ["AURORA_EDC_ARTEFACTS"] = str(SHARED)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["AURORA_EDC_CACHE"] = str(tmp_path_factory.mktemp("artefact-cache"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The mirror of official artefacts (EC ELM files, W3C contexts)."""
    if not (SHARED / "elm").is_dir():
        pytest.fail(f"official artefacts not found at {SHARED}; set AURORA_EDC_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The shipped example records."""
    return FIXTURES


@pytest.fixture(scope="session")
def test_pki() -> TestPKI:
    """A throw-away root CA and intermediate CA (aurora_edc.testing.TestPKI)."""
    from aurora_edc.testing import TestPKI

    return TestPKI()


@pytest.fixture(scope="session")
def tsa(test_pki: TestPKI) -> Iterator[TimestampAuthority]:
    """A running RFC 3161 TSA on 127.0.0.1, issued by ``test_pki``."""
    from aurora_edc.testing import TimestampAuthority

    with TimestampAuthority(test_pki) as authority:
        yield authority


@pytest.fixture(scope="session")
def unsealed_edc(shared: Path) -> dict[str, Any]:
    """The EC's unsigned micro-credential, its issuer given ``VATBE-0123456789``."""
    sample = shared / "elm/v3/samples/Sample-MC-Annex1-unsigned.jsonld"
    credential: dict[str, Any] = json.loads(sample.read_text(encoding="utf-8"))
    credential["issuer"]["eIDASIdentifier"] = {
        "id": "urn:epass:legalIdentifier:seal",
        "type": "LegalIdentifier",
        "notation": "VATBE-0123456789",
        "spatial": {
            "id": "http://publications.europa.eu/resource/authority/country/BEL",
            "type": "Concept",
        },
    }
    return credential
