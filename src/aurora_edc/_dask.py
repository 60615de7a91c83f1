"""Run the main job on a Dask cluster (optional extra ``dask``).

The main job's unit of work is a function over a partition of records,
:func:`aurora_edc._pipeline.issue_partition`, with a context that pickles.
This adapter hands partitions to the workers of a ``distributed`` cluster and
takes their outcomes back in order; everything else stays on the machine that
runs the job: reading the records, the run journal (so a run resumes the
same way), and ``report.json``. The files are written by the workers into
``options.out_dir``, which must therefore be a directory every worker sees at
the same path (a local cluster, or a shared file system).

Example::

    from dask.distributed import Client, LocalCluster
    from aurora_edc._dask import issue_with_dask

    with LocalCluster(n_workers=4) as cluster, Client(cluster) as client:
        summary = issue_with_dask(stream_records(paths), options, client)

Each worker keeps its prepared state (SHACL shapes, seal key) per run
context, per thread, so it is loaded once per worker thread, not per
partition.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._issue import IssueSummary, Runner, issue_records
from ._loaders import RecordBatch, RecordStream, SourcedAward
from ._pipeline import IssueContext, IssueOptions, RecordOutcome, issue_partition

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["dask_runner", "issue_with_dask"]

log = logging.getLogger(__name__)


def dask_runner(client: Client, *, in_flight: int | None = None) -> Runner:
    """Return a runner for :func:`aurora_edc._issue.issue_records` on Dask.

    Args:
        client: A connected ``distributed.Client``.
        in_flight: Most partitions submitted and not yet collected; twice the
            cluster's threads by default, so the input is never read far
            ahead.

    Returns:
        The runner: partitions in, their outcomes out, in order.

    """
    cluster: Any = client  # distributed's API is not annotated

    def run(
        slices: Iterable[list[SourcedAward]], context: IssueContext
    ) -> Iterator[list[RecordOutcome]]:
        limit = in_flight or 2 * max(sum(cluster.nthreads().values()), 1)
        shared = cluster.scatter(context, broadcast=True)
        pending: deque[Any] = deque()
        try:
            for awards in slices:
                pending.append(cluster.submit(_partition, awards, shared, pure=False))
                while len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    return run


def issue_with_dask(
    records: RecordStream | RecordBatch,
    options: IssueOptions,
    client: Client,
    *,
    batch_size: int = 64,
    restart: bool = False,
) -> IssueSummary:
    """Issue every record on a Dask cluster; same files and report as a local run.

    Args:
        records: A record stream or an in-memory batch.
        options: The run's options; ``out_dir`` must be visible to every
            worker at the same path.
        client: A connected ``distributed.Client``.
        batch_size: Records per partition.
        restart: Issue every record again, ignoring the run journal.

    Returns:
        The counts; the outcomes are in ``report.json``.

    Raises:
        ValueError: An unknown format or engine.
        KeyMaterialError: The seal key is unusable.

    """
    return issue_records(
        records,
        options,
        batch_size=batch_size,
        restart=restart,
        runner=dask_runner(client),
    )


def _partition(
    awards: list[SourcedAward], context: IssueContext
) -> list[RecordOutcome]:
    """The task run on a worker: one partition, all its outcomes."""
    return list(issue_partition(awards, context, batch_size=len(awards) or 1))
