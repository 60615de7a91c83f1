"""Cost of validating one large credential: reading, pySHACL, pyrudof.

Run: ``.venv/bin/python bench/bench_validate.py --outcomes 1000 3000 6600``

Builds, from the EC's sealed micro-credential sample, credentials whose
achievement specification carries N learning outcomes (``id``, ``type``,
``title``: three triples each, about 80 bytes of JSON), the shape of input that
makes SHACL validation slowest per byte. For each N it prints the JSON size,
the triples, the time to read the credential (:func:`parse_credential`: JSON,
context inlining, unmapped keys, rdflib), pySHACL's time against
``edc-generic-full`` and pyrudof's screening time (when installed), and the
peak RSS of this process so far. One process, one core.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
os.environ.setdefault("AURORA_EDC_ARTEFACTS", str(SHARED))

from aurora_edc._jsonld import parse_credential  # noqa: E402
from aurora_edc._shacl import SHACLValidator, _run_pyshacl  # noqa: E402

SAMPLE = SHARED / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"


def credential_with(outcomes: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Return the sample's payload with ``outcomes`` extra learning outcomes."""
    document = copy.deepcopy(payload)
    spec = document["credentialSubject"]["hasClaim"]["specifiedBy"]
    spec["learningOutcome"] = [
        {"id": f"urn:x:{i}", "type": "LearningOutcome", "title": {"en": f"LO {i}"}}
        for i in range(outcomes)
    ]

    return document


def rudof_seconds(validator: SHACLValidator, text: str) -> float | None:
    """Return pyrudof's screening time, or None without pyrudof."""
    try:
        from aurora_edc._catalogue import default_catalogue
        from aurora_edc._shacl import _shape_files
        from aurora_edc._shacl_rudof import rudof_session
    except ImportError:
        return None
    files = _shape_files(validator.profile, default_catalogue())
    session = rudof_session(files, validator.profile.name)
    started = time.perf_counter()
    session.results(text, source="bench")

    return time.perf_counter() - started


def main() -> None:
    """Print one line per number of outcomes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outcomes", type=int, nargs="+", default=[1000, 3000])
    args = parser.parse_args()
    payload = json.loads(json.loads(SAMPLE.read_text("utf-8"))["payload"])
    validator = SHACLValidator("edc-generic-full")

    for outcomes in args.outcomes:
        document = credential_with(outcomes, payload)
        size = len(json.dumps(document))
        started = time.perf_counter()
        credential = parse_credential(document, max_triples=10**7)
        read = time.perf_counter() - started
        started = time.perf_counter()
        _run_pyshacl(credential.graph, validator.shapes, "bench", "bench")
        shacl = time.perf_counter() - started
        rudof = rudof_seconds(validator, credential.graph.serialize(format="nt"))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"outcomes {outcomes:6d}  json {size / 1e6:6.2f} MB  "
            f"triples {len(credential.graph):7d}  read {read:6.2f} s  "
            f"pyshacl {shacl:6.2f} s  "
            f"pyrudof {'-' if rudof is None else f'{rudof:6.2f} s'}  "
            f"peak-rss {rss} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
