"""Time the ELM 1.2 XML and LOQ writers, and the schema check of what they write.

Run from the checkout: ``AURORA_EDC_ARTEFACTS=../shared .venv/bin/python
bench/bench_xml_writers.py``. For each fixture, prints the median time per
credential (or specification) of writing the XML, of validating it against
its XML schema (lxml, schema compiled once beforehand) with the writer's
content checks, and of building the credential's ELM v3 node tree for
comparison; times in milliseconds.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("AURORA_EDC_ARTEFACTS", "../shared")

from aurora_edc._build import CredentialBuilder
from aurora_edc._loaders import load_records
from aurora_edc._loq import loq_document, loq_offering, loq_report
from aurora_edc._xml12 import elm12_bytes, elm12_report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = {
    "ec-sample": ["ec-sample/records.yaml"],
    "joint": ["joint/records.yaml"],
    "roster": ["roster/spec.yaml", "roster/roster.csv"],
}
ISSUED = datetime(2026, 7, 15, tzinfo=UTC)


def _median_ms(action: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)

    return statistics.median(times) * 1000


def main() -> None:
    """Print one line per fixture and writer."""
    print(f"python {sys.version.split()[0]}; median of 5 runs, ms per item")
    for name, files in FIXTURES.items():
        _bench(name, files)


def _bench(name: str, files: list[str]) -> None:
    batch = load_records([ROOT / "fixtures" / rel for rel in files])
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    pairs = [(batch.specification_for(s.award), s.award) for s in batch.awards]
    credentials = [builder.build(spec, award, issued=ISSUED) for spec, award in pairs]
    documents = [elm12_bytes(credential) for credential in credentials]
    elm12_report(credentials[0], documents[0])  # compile the schema once
    count = len(credentials)
    build = _median_ms(lambda: [builder.build(s, a, issued=ISSUED) for s, a in pairs])
    write = _median_ms(lambda: [elm12_bytes(c) for c in credentials])
    both = zip(credentials, documents, strict=True)
    check = _median_ms(lambda: [elm12_report(c, d) for c, d in both])
    size = sum(len(d) for d in documents) / count / 1024
    print(
        f"{name:10} xml  n={count:3}  {size:5.1f} KB  build {build / count:6.2f}  "
        f"write {write / count:6.2f}  validate {check / count:6.2f}"
    )

    offerings = [loq_offering(builder, spec) for spec in batch.specifications.values()]
    loq = [loq_document([offering]) for offering in offerings]
    loq_report(loq[0])
    write = _median_ms(lambda: [loq_document([o]) for o in offerings]) / len(loq)
    check = _median_ms(lambda: [loq_report(d) for d in loq]) / len(loq)
    print(
        f"{name:10} loq  n={len(loq):3}  {len(loq[0].data) / 1024:5.1f} KB  "
        f"{'':12}  write {write:6.2f}  validate {check:6.2f}"
    )


if __name__ == "__main__":
    main()
