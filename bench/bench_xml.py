"""Time hardened XML parsing and XSD validation on the EC samples.

Run from the checkout: ``AURORA_EDC_ARTEFACTS=../shared .venv/bin/python
bench/bench_xml.py``. Prints the best of several runs, in milliseconds.
"""

from __future__ import annotations

import os
import time
import timeit
from collections.abc import Callable
from pathlib import Path

from lxml import etree

SHARED = Path(os.environ.setdefault("AURORA_EDC_ARTEFACTS", "../shared"))

from aurora_edc._xmlsafe import parse_xml  # noqa: E402
from aurora_edc._xsd import detect_schema, schema_names, xml_schema  # noqa: E402

SAMPLES = [
    *sorted((SHARED / "elm/v2/samples").glob("*.xml")),
    *sorted((SHARED / "elm/v3/xsd").glob("*/*.xml")),
]


def best(action: Callable[[], object], number: int = 5) -> float:
    timer = timeit.Timer(action)
    return min(timer.repeat(repeat=5, number=number)) / number * 1000


def main() -> None:
    print("schema compile (cold, includes SHA-256 check of each file)")
    for name in schema_names():
        start = time.perf_counter()
        xml_schema(name)
        print(f"  {name:24} {(time.perf_counter() - start) * 1000:8.1f} ms")

    print("sample: size, parse_xml, plain lxml parse, validate (parsed tree)")
    for path in SAMPLES:
        data = path.read_bytes()
        tree = parse_xml(path)
        schema = xml_schema(detect_schema(tree))
        print(
            f"  {path.name:46} {len(data) / 1024:7.0f} KB"
            f" {best(lambda p=path: parse_xml(p)):7.2f}"
            f" {best(lambda d=data: etree.fromstring(d)):7.2f}"
            f" {best(lambda s=schema, t=tree: s.validate(t)):7.2f}"
        )


if __name__ == "__main__":
    main()
