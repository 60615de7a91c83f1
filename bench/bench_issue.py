"""Bulk issuance throughput: the ``aurora-edc issue`` pipeline against a naive script.

Run: ``.venv/bin/python bench/bench_issue.py --n 2000 [--workers 2]``

Generates a roster of N learners for the VU micro-credential of
``fixtures/roster/spec.yaml`` and issues it with the full pipeline: build,
SHACL (``edc-generic-full``, the official profile), JSON-LD, ELM 1.2 XML
checked against its XSD, JAdES seal on the JSON-LD and XAdES seal on the XML
(RSA-2048 key of the test PKI of :mod:`aurora_edc.testing`), atomic writes,
run journal and ``report.json``.

Printed: credentials/s of each stage, measured alone in this process (one
core) on a sample; credentials/s of the whole run with workers; peak RSS of
the process tree (this process, the fork server, the workers; sampled every
0.2 s); and the ratio against a naive script that, per credential, builds it,
serialises JSON-LD, parses it back with rdflib, parses the shapes again, runs
pySHACL, renders the XML and seals it with signxml. The naive script runs on
a small sample (``--naive``, 20 by default) and is extrapolated per
credential. The last line has the form
``credentials/s: <x>  ratio-vs-naive: <y>  peak-rss-mb: <z>``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("AURORA_EDC_ARTEFACTS", str(ROOT.parent / "shared"))

from aurora_edc._build import CredentialBuilder  # noqa: E402
from aurora_edc._elm import Node, to_jsonld  # noqa: E402
from aurora_edc._issue import IssueOptions, SealSettings, issue_records  # noqa: E402
from aurora_edc._issue_shacl import BulkValidator  # noqa: E402
from aurora_edc._loaders import SourcedAward, load_records, stream_records  # noqa: E402
from aurora_edc._outputs import write_files  # noqa: E402
from aurora_edc._serialize import WRITERS, jsonld_bytes  # noqa: E402
from aurora_edc._workers import default_workers  # noqa: E402
from aurora_edc._xml12_shared import SharedParts, keeping_shared_parts  # noqa: E402
from aurora_edc.testing import TestPKI  # noqa: E402

SPEC = ROOT / "fixtures/roster/spec.yaml"
ROSTER = ROOT / "fixtures/roster/roster.csv"
PROFILE = "edc-generic-full"
ISSUER_ID = "VATNL-002946954B01"


def make_roster(path: Path, n: int) -> None:
    """Write a roster of ``n`` learners, cycling through the fixture's rows."""
    with ROSTER.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for index in range(n):
            row = dict(rows[index % len(rows)])
            row["id"] = f"BENCH-{index:07d}"
            row["learner.student_id"] = str(3_000_000 + index)
            row["certificate_number"] = f"BENCH-MC-{index:07d}"
            row["learner.given_name"] = f"{row['learner.given_name']} {index}"
            writer.writerow(row)


class RSSSampler(threading.Thread):
    """Peak resident memory of this process and all its descendants."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_total = 0
        self.peak_pss = 0
        self.peak_main = 0
        self.peak_by_role: dict[str, int] = {}
        self.main_cpu = 0.0
        self.cpu_ticks: dict[int, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()

    def sample(self) -> None:
        me = os.getpid()
        tree = {me} | descendants(me)
        sizes = {pid: memory_kb(pid, "VmRSS:") for pid in tree}
        for pid in tree - {me}:
            self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), cpu_ticks(pid))
        shares = {pid: memory_kb(pid, "Pss:", "smaps_rollup") for pid in tree}
        self.peak_main = max(self.peak_main, sizes.get(me, 0))
        self.peak_total = max(self.peak_total, sum(sizes.values()))
        self.peak_pss = max(self.peak_pss, sum(shares.values()))


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)

    return found


def cpu_ticks(pid: int) -> int:
    """Return the user + system CPU time of a process, in clock ticks."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()

    return int(fields[11]) + int(fields[12])


def memory_kb(pid: int, field: str, name: str = "status") -> int:
    """Return one kB field of ``/proc/<pid>/status`` or ``smaps_rollup``."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass

    return 0


def speed_probe(key: Any) -> str:
    """Time two fixed tasks, to tell the machine's speed at this moment.

    This VM's speed drifts by a quarter within minutes; printed at the start
    and the end of a run, the probe shows whether a result came from a slow
    or a fast phase.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    started = time.perf_counter()
    for _ in range(50):
        key.private_key.sign(b"probe", padding.PKCS1v15(), hashes.SHA256())
    rsa_ms = (time.perf_counter() - started) / 50 * 1000
    started = time.perf_counter()
    total = 0
    for number in range(1_000_000):
        total += number * number
    loop_ms = (time.perf_counter() - started) * 1000

    return f"RSA-2048 signature {rsa_ms:.2f} ms, 10^6-step Python loop {loop_ms:.0f} ms"


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()

    return result, time.perf_counter() - started


def stages(workdir: Path, seal: SealSettings, issued: datetime, n: int) -> list[Any]:
    """Time each stage alone in this process; return table rows."""
    from aurora_edc._jades import seal_jades
    from aurora_edc._xades_sign import seal_xades

    roster = workdir / "stages.csv"
    make_roster(roster, n)
    items, t_read = timed(lambda: list(stream_records([SPEC, roster])))
    batch = load_records([SPEC])
    awards = [item for item in items if isinstance(item, SourcedAward)]
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    spec = next(iter(batch.specifications.values()))
    creds: list[Node] = []
    _, t_build = timed(
        lambda: creds.extend(
            builder.build(spec, item.award, issued=issued) for item in awards
        )
    )
    validator = BulkValidator(PROFILE, "pyrudof")
    _, t_shacl = timed(
        lambda: [validator.validate(creds[i : i + 32]) for i in range(0, n, 32)]
    )
    data, t_jsonld = timed(lambda: [to_jsonld(c) for c in creds])
    xml_writer = WRITERS["xml"]
    parts = SharedParts()

    def trees() -> list[Any]:
        with keeping_shared_parts(parts):
            return [xml_writer.document(c) for c in creds]

    xml, t_xml = timed(trees)
    check = xml_writer.check
    assert check is not None
    _, t_xsd = timed(lambda: [check(c, x) for c, x in zip(creds, xml, strict=True)])
    key = seal.load()
    jsonld, t_jades = timed(lambda: [seal_jades(d, key, when=issued) for d in data])
    sealed_xml, t_xades = timed(lambda: [seal_xades(x, key, when=issued) for x in xml])
    out = workdir / "stage-out"
    _, t_write = timed(
        lambda: [
            write_files(out, f"c{i}", {"jsonld": j, "xml": x}, out)
            for i, (j, x) in enumerate(zip(jsonld, sealed_xml, strict=True))
        ]
    )
    shutil.rmtree(out)

    return [
        ("read + check rows (CSV, pydantic)", t_read),
        ("build (ELM v3 model)", t_build),
        ("SHACL edc-generic-full (pyrudof, 32 merged)", t_shacl),
        ("JSON-LD data of the model (for the seal)", t_jsonld),
        ("ELM 1.2 XML tree (shared parts kept)", t_xml),
        ("XSD check of the tree", t_xsd),
        ("JAdES seal (RS256)", t_jades),
        ("XAdES seal of the tree (signxml, RSA-SHA256)", t_xades),
        ("write 2 files (atomic, no fsync)", t_write),
    ]


def naive(workdir: Path, seal: SealSettings, issued: datetime, n: int) -> float:
    """Seconds per credential of the naive script (shapes parsed per credential)."""
    import pyshacl
    from rdflib import Graph

    from aurora_edc._catalogue import default_catalogue
    from aurora_edc._jsonld import parse_credential
    from aurora_edc._shacl import _shape_files, get_profile
    from aurora_edc._xades_sign import seal_xades

    batch = load_records([SPEC, ROSTER])
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    files = _shape_files(get_profile(PROFILE), default_catalogue())
    key = seal.load()
    out = workdir / "naive-out"
    out.mkdir()
    started = time.perf_counter()
    for index in range(n):
        item = batch.awards[index % len(batch.awards)]
        credential = builder.build(
            batch.specification_for(item.award), item.award, issued=issued
        )
        data = jsonld_bytes(credential)
        graph = parse_credential(data).graph
        shapes = Graph()
        for path in files:
            shapes.parse(path, format="turtle")
        conforms, _, _ = pyshacl.validate(graph, shacl_graph=shapes)
        assert conforms
        sealed = seal_xades(WRITERS["xml"].write(credential), key, when=issued)
        (out / f"{index}.jsonld").write_bytes(data)
        (out / f"{index}.xml").write_bytes(sealed)

    return (time.perf_counter() - started) / n


def pipeline(
    workdir: Path,
    seal: SealSettings,
    issued: datetime,
    n: int,
    workers: int,
    batch: int,
    formats: tuple[str, ...],
) -> tuple[float, RSSSampler, Any]:
    roster = workdir / "roster.csv"
    make_roster(roster, n)
    options = IssueOptions(
        out_dir=workdir / "out",
        formats=formats,
        profile=PROFILE,
        issued=issued,
        engine="pyrudof",
        seal=seal,
    )
    sampler = RSSSampler()
    sampler.start()
    started = time.perf_counter()
    cpu = time.process_time()
    summary = issue_records(
        stream_records([SPEC, roster]), options, workers=workers, batch_size=batch
    )
    elapsed = time.perf_counter() - started
    sampler.main_cpu = time.process_time() - cpu
    sampler.stop()
    assert summary.written == n, summary

    return elapsed, sampler, summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="records to issue")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--naive", type=int, default=20, help="naive sample size")
    parser.add_argument("--stages", type=int, default=200, help="stage sample size")
    parser.add_argument("--keep", type=Path, help="keep the output here")
    parser.add_argument("--batch", type=int, default=32, help="records per task")
    parser.add_argument(
        "--formats",
        default="jsonld,xml",
        help="output formats of the pipeline run (both seals apply)",
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-issue-"))
    issued = datetime.now(UTC).replace(microsecond=0)
    files = TestPKI().issue_seal(organization_identifier=ISSUER_ID).write(workdir)
    seal = SealSettings(files.key, files.cert, files.chain)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; N={args.n}, workers={args.workers}"
    )

    probe_key = seal.load()
    print(f"speed probe before: {speed_probe(probe_key)}")
    try:
        formats = tuple(args.formats.split(","))
        elapsed, sampler, _ = pipeline(
            workdir, seal, issued, args.n, args.workers, args.batch, formats
        )
        rows = stages(workdir, seal, issued, min(args.stages, args.n))
        per_naive = naive(workdir, seal, issued, args.naive)
    finally:
        if args.keep:
            shutil.copytree(workdir / "out", args.keep, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)

    sample = min(args.stages, args.n)
    print(f"\nstages alone, one process, {sample} credentials:")
    for name, seconds in rows:
        print(f"  {name:46} {rate(sample, seconds):9.1f} cred/s")
    total = sum(seconds for _, seconds in rows)
    print(f"  {'sum of the stages (one core)':46} {rate(sample, total):9.1f} cred/s")
    print(
        f"\nnaive script, {args.naive} credentials: {1 / per_naive:.2f} cred/s "
        f"({per_naive * 1000:.0f} ms each), extrapolated per credential"
    )
    throughput = args.n / elapsed
    print(
        f"pipeline ({args.formats}), {args.n} credentials, {args.workers} "
        f"workers: {elapsed:.1f} s, {throughput:.1f} cred/s; main process CPU "
        f"{sampler.main_cpu / args.n * 1000:.2f} ms per credential"
    )
    worker_cpu = sum(sampler.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")
    print(
        f"worker processes: CPU {worker_cpu / args.n * 1000:.2f} ms per credential, "
        f"busy {worker_cpu / (elapsed * args.workers):.0%} of {args.workers} x "
        f"{elapsed:.1f} s (start-up included; last sample up to 0.2 s early)"
    )
    print(
        f"peak RSS: {sampler.peak_total / 1024:.0f} MB all processes (PSS, "
        f"shared pages counted once: {sampler.peak_pss / 1024:.0f} MB), "
        f"{sampler.peak_main / 1024:.0f} MB main process"
    )
    print(f"speed probe after: {speed_probe(probe_key)}")
    print(
        f"credentials/s: {throughput:.1f}  ratio-vs-naive: "
        f"{throughput * per_naive:.1f}  peak-rss-mb: {sampler.peak_total / 1024:.0f}"
    )


if __name__ == "__main__":
    main()
