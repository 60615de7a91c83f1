"""Tests of the output writers: every format is byte-identical across runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from aurora_edc._jsonld import parse_credential
from aurora_edc._serialize import ntriples_bytes, turtle_bytes
from helpers import build_all

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from helpers import build_all
from aurora_edc._serialize import WRITERS
_, credentials = build_all(Path(sys.argv[1]))
sys.stdout.buffer.write(b"".join(WRITERS[name].write(c) for c in credentials
                                 for name in ("jsonld", "ttl", "nt")))
"""


@pytest.mark.parametrize("seed", ["1", "2"])
def test_outputs_do_not_depend_on_the_hash_seed(fixtures_dir: Path, seed: str) -> None:
    """JSON-LD, Turtle and N-Triples bytes are the same under any PYTHONHASHSEED."""
    tests = Path(__file__).parent
    records = str(fixtures_dir / "joint/records.yaml")

    def run(hash_seed: str) -> bytes:
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        return subprocess.run(
            [sys.executable, "-c", SCRIPT, records, str(tests)],
            env=env,
            check=True,
            capture_output=True,
        ).stdout

    assert run(seed) == run("0")


def test_turtle_and_ntriples_state_the_model_graph(fixtures_dir: Path) -> None:
    """The Turtle and N-Triples files parse back to the credential's graph."""
    _, (credential, *_) = build_all(fixtures_dir / "joint/records.yaml")

    turtle = parse_credential(turtle_bytes(credential), format="turtle").graph
    triples = parse_credential(ntriples_bytes(credential), format="nt").graph

    assert isomorphic(turtle, triples)
    assert b"@prefix elm: <http://data.europa.eu/snb/model/elm/>" in turtle_bytes(
        credential
    )
