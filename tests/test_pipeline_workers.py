"""Tests of the local worker pool: order, bounded read-ahead, same outputs for any N."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from aurora_edc._issue import IssueOptions, issue_records
from aurora_edc._loaders import stream_records
from aurora_edc._workers import default_workers, run_ordered
from helpers import ISSUED

pytest.importorskip("pyrudof")


def test_results_come_in_task_order_with_two_workers() -> None:
    """Whatever order the workers finish in, results follow the tasks."""
    tasks = [-index for index in range(40)]

    results = list(run_ordered(abs, tasks, workers=2))

    assert results == list(range(40))


def test_tasks_are_read_lazily() -> None:
    """An endless task stream is fine: only a few tasks are read ahead."""
    read = itertools.count()
    tasks = (-next(read) for _ in itertools.count())

    first = list(itertools.islice(run_ordered(abs, tasks, workers=2), 5))

    assert first == [0, 1, 2, 3, 4]
    assert next(read) <= 5 + 2 * 2 + 2


def test_one_worker_runs_here_with_its_initializer() -> None:
    """With one worker, the initializer and the tasks run in this process."""
    seen: list[str] = []

    results = list(
        run_ordered(
            str.upper,
            ["a", "b"],
            workers=1,
            initializer=seen.append,
            initargs=("init",),
        )
    )

    assert results == ["A", "B"] and seen == ["init"]


def test_default_workers_is_the_cpu_count() -> None:
    """The default number of workers is the number of usable CPUs."""
    assert default_workers() >= 1


def test_outputs_are_the_same_whatever_the_number_of_workers(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """One worker and two give byte-identical files and report.json."""
    paths = [fixtures_dir / "roster/spec.yaml", fixtures_dir / "roster/roster.csv"]
    options = {"formats": ("jsonld", "ttl"), "issued": ISSUED}
    one, two = tmp_path / "one", tmp_path / "two"

    issue_records(stream_records(paths), IssueOptions(one, **options), workers=1)
    issue_records(
        stream_records(paths), IssueOptions(two, **options), workers=2, batch_size=7
    )

    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    assert len(names) == 2 * 60 + 2
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
