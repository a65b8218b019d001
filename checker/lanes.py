"""Writing a run's outputs in two lanes, one per CPU core.

After the rules have run, what is left is writing files: findings, data issues, the HTML reports and the two
workbooks. They only read the finished ``RunResult`` and each writes its own files, so they can be written at
the same time. On Linux, a forked process writes one lane from the same in-memory result (nothing is copied or
pickled) while this process writes the other. Elsewhere (Windows has no fork; on macOS forking after system
libraries have started is unsafe) everything is written in this process, one job after another. Every
file still comes from exactly one writer, so the outputs are byte-identical to a one-lane run.

Jobs go to lanes longest first (each job says roughly how long it takes), which keeps the lanes even.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Job:
    """One writer: its name (for messages), a rough relative cost, and the call that writes its files."""

    name: str
    cost: float
    write: Callable[[], list[Path]]


_LANE: list[Job] = []  # the forked lane's jobs: set before the fork, so the child inherits them
_SAY: Callable[[str], None] | None = None


def _write(job: Job, say: Callable[[str], None] | None) -> list[Path]:
    started = time.perf_counter()
    paths = job.write()
    if say:
        say(f"written: {job.name} ({time.perf_counter() - started:.1f} s)")
    return paths


def _run_forked_lane() -> list[list[str]]:
    return [[str(p) for p in _write(job, _SAY)] for job in _LANE]


def default_lanes() -> int:
    """Two lanes on Linux with two or more cores; otherwise one."""
    if (os.cpu_count() or 1) < 2 or not sys.platform.startswith("linux"):
        return 1
    return 2


def split(jobs: list[Job]) -> tuple[list[Job], list[Job]]:
    """Longest job first onto the lighter lane; the jobs keep their given order within each lane."""
    loads = [0.0, 0.0]
    lanes: tuple[list[Job], list[Job]] = ([], [])
    for job in sorted(jobs, key=lambda j: -j.cost):
        lane = 0 if loads[0] <= loads[1] else 1
        lanes[lane].append(job)
        loads[lane] += job.cost
    order = {id(job): i for i, job in enumerate(jobs)}
    return tuple(sorted(lane, key=lambda j: order[id(j)]) for lane in lanes)


def run(jobs: list[Job], lanes: int = 1, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Run every job; return the files written, in the jobs' order. An error in either lane is raised here.

    ``progress`` hears of each job as it finishes, from either lane (the forked one writes to the same stderr).
    """
    if lanes < 2 or len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [p for job in jobs for p in _write(job, progress)]
    here, there = split(jobs)
    if progress:
        progress(f"writing {len(jobs)} outputs in two lanes")
    global _LANE, _SAY
    _LANE, _SAY = there, progress
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            forked = pool.submit(_run_forked_lane)
            written = {id(job): _write(job, progress) for job in here}
            for job, paths in zip(there, forked.result()):
                written[id(job)] = [Path(p) for p in paths]
    finally:
        _LANE, _SAY = [], None
    return [p for job in jobs for p in written[id(job)]]
