"""Writing a run's outputs in two lanes, one per CPU core.

After the rules have run, what is left is writing files: findings, data issues, the HTML reports and the two
workbooks. They only read the finished ``RunResult`` and each writes its own files, so they can be written at
the same time. On Linux, a forked process writes one lane from the same in-memory result (nothing is copied or
pickled) while this process writes the other. Elsewhere (Windows has no fork; on macOS forking after system
libraries have started is unsafe) everything is written in this process, one job after another. Every
file still comes from exactly one writer, so the outputs are byte-identical to a one-lane run.

Jobs are taken longest first (each job says roughly how long it takes) from one queue that both lanes share,
so whichever lane is free takes the next one and the lanes end close together.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Job:
    """One writer: its name (for messages), a rough relative cost, and the call that writes its files."""

    name: str
    cost: float
    write: Callable[[], list[Path]]


_QUEUE: list[Job] = []  # every job, longest first: set before the fork, so the forked lane inherits it
_NEXT = None  # shared counter (set before the fork): the index in _QUEUE of the next job a lane takes
_SAY: Callable[[str], None] | None = None


def _write(job: Job, say: Callable[[str], None] | None) -> list[Path]:
    started = time.perf_counter()
    paths = job.write()
    if say:
        say(f"written: {job.name} ({time.perf_counter() - started:.1f} s)")
    return paths


def _work(say: Callable[[str], None] | None) -> list[tuple[int, list[str]]]:
    """Take the next job from the shared queue until none is left; return what each job wrote."""
    done = []
    while True:
        with _NEXT.get_lock():
            index = _NEXT.value
            _NEXT.value += 1
        if index >= len(_QUEUE):
            return done
        done.append((index, [str(p) for p in _write(_QUEUE[index], say)]))


def _run_forked_lane() -> list[tuple[int, list[str]]]:
    return _work(_SAY)


def default_lanes() -> int:
    """Two lanes on Linux with two or more cores; otherwise one."""
    if (os.cpu_count() or 1) < 2 or not sys.platform.startswith("linux"):
        return 1
    return 2


def longest_first(jobs: list[Job]) -> list[Job]:
    """The order the lanes take jobs in: longest first (ties keep their given order), so the last jobs to
    start are short ones and the two lanes end close together."""
    return sorted(jobs, key=lambda j: -j.cost)


def run(jobs: list[Job], lanes: int = 1, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Run every job; return the files written, in the jobs' order. An error in either lane is raised here.

    With two lanes, each lane takes the next job from one shared queue whenever it is free, so a job that
    takes longer than its cost said (the costs are measured on an LA; a national run differs) only delays
    the jobs behind it, never a whole precomputed half. ``progress`` hears of each job as it finishes, from
    either lane (the forked one writes to the same stderr).
    """
    if lanes < 2 or len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [p for job in jobs for p in _write(job, progress)]
    if progress:
        progress(f"writing {len(jobs)} outputs in two lanes")
    context = multiprocessing.get_context("fork")
    global _QUEUE, _NEXT, _SAY
    _QUEUE, _NEXT, _SAY = longest_first(jobs), context.Value("i", 0), progress
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            forked = pool.submit(_run_forked_lane)
            done = _work(progress) + forked.result()
        written = {id(_QUEUE[index]): [Path(p) for p in paths] for index, paths in done}
    finally:
        _QUEUE, _NEXT, _SAY = [], None, None
    return [p for job in jobs for p in written[id(job)]]
