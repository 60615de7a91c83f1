"""Run the main job's tasks on local worker processes, results in input order.

A thin layer over :class:`concurrent.futures.ProcessPoolExecutor` with what
bulk issuance needs and the executor lacks:

* bounded submission: at most a few tasks per worker are in flight, so a
  roster of any length is never read ahead into memory (``Pool.imap`` would
  queue all of it);
* results in the order of the tasks, whatever order the workers finish in;
* workers that ignore Ctrl-C (the parent stops them in order) and exit on
  their own when the parent dies, even by ``SIGKILL``, instead of lingering;
* workers started from a fork server (spawned where there is none), never
  forked from the parent: a parent that already ran pyrudof holds Rust
  runtime threads and locks, and a plain ``fork`` of it can deadlock.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["default_workers", "run_ordered"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Seconds between two checks that the parent process is still alive.
_WATCH_INTERVAL = 0.5


def default_workers() -> int:
    """Return the number of CPUs this process may use (at least 1)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_ordered(
    func: Callable[[T], R],
    tasks: Iterable[T],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    in_flight: int | None = None,
) -> Iterator[R]:
    """Apply ``func`` to each task on ``workers`` processes; yield results in order.

    Args:
        func: A module-level function (it is pickled by reference).
        tasks: The tasks, consumed lazily.
        workers: Number of processes; 1 runs everything in this process.
        initializer: Called once in each worker (or here, with 1 worker)
            before its first task.
        initargs: Arguments of ``initializer``.
        in_flight: Most tasks submitted and not yet yielded; two per worker
            plus one by default.

    Yields:
        ``func(task)`` for each task, in task order.

    Raises:
        BrokenProcessPool: A worker died.
        Exception: Whatever ``func`` raised, for the first task that raised.

    """
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(func, tasks)
        return

    limit = in_flight or 2 * workers + 1
    pending: deque[Future[R]] = deque()
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_start_method(),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    ) as executor:
        try:
            for task in tasks:
                pending.append(executor.submit(func, task))
                while len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _start_method() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()

    return multiprocessing.get_context(
        "forkserver" if "forkserver" in methods else "spawn"
    )


def _start_worker(
    parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    """Prepare a worker: leave Ctrl-C to the parent, follow it when it dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watchdog = threading.Thread(
        target=_exit_with_parent,
        args=(parent, os.getppid()),
        name="parent-watchdog",
        daemon=True,
    )
    watchdog.start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_parent(parent: int, direct: int) -> None:
    """Exit once the run's process, or the fork server between us, is gone."""
    while os.getppid() == direct and _alive(parent):
        time.sleep(_WATCH_INTERVAL)
    log.warning("parent process %d is gone: worker %d exits", parent, os.getpid())
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

    return True
