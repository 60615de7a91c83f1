"""Tests of the Dask adapter: a local cluster issues what a local run issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from aurora_edc._issue import IssueOptions, issue_records
from aurora_edc._loaders import stream_records
from helpers import ISSUED

pytest.importorskip("pyrudof")
distributed = pytest.importorskip("distributed")


def test_local_cluster_gives_the_same_files_and_report(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """Partitions issued on Dask workers give the files and report of a local run."""
    from aurora_edc._dask import issue_with_dask

    paths = [fixtures_dir / "roster/spec.yaml", fixtures_dir / "roster/roster.csv"]
    local, remote = tmp_path / "local", tmp_path / "dask"
    formats = ("jsonld", "nt")
    issue_records(stream_records(paths), IssueOptions(local, formats, issued=ISSUED))

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        summary = issue_with_dask(
            stream_records(paths),
            IssueOptions(remote, formats, issued=ISSUED),
            client,
            batch_size=8,
        )

    assert summary.written == 60
    names = sorted(p.name for p in local.iterdir())
    assert names == sorted(p.name for p in remote.iterdir())
    for name in names:
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name
