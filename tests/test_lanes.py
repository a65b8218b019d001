"""Writing outputs in two lanes: same files as one lane, errors surface, the lanes stay even."""

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import lanes
from checker.cli import main
from checker.lanes import Job

ROOT = Path(__file__).resolve().parent.parent
SEN2 = ROOT / "tests" / "data" / "sen2" / "sen2-2026.xml"

needs_fork = pytest.mark.skipif(lanes.default_lanes() < 2, reason="needs two cores and fork")


def writer(path: Path, text: str, seconds: float = 0.0):
    def write():
        time.sleep(seconds)  # long enough for the forked lane to start and take a job of its own
        path.write_text(f"{text} written by {os.getpid()}")
        return [path]
    return write


def test_lanes_take_the_longest_jobs_first():
    jobs = [Job(name, cost, lambda: []) for name, cost in
            [("csv", 0.5), ("jsonl", 0.6), ("rest", 0.05), ("manager", 0.3), ("governor", 0.15),
             ("inspection", 1.5), ("excel", 1.5)]]
    assert [j.name for j in lanes.longest_first(jobs)] == ["inspection", "excel", "jsonl", "csv", "manager",
                                                            "governor", "rest"]


def test_one_lane_runs_in_this_process(tmp_path):
    jobs = [Job(n, 1, writer(tmp_path / n, n)) for n in ("a", "b")]
    assert lanes.run(jobs, 1) == [tmp_path / "a", tmp_path / "b"]
    assert {(tmp_path / n).read_text().split()[-1] for n in "ab"} == {str(os.getpid())}


@needs_fork
def test_two_lanes_write_side_by_side_and_return_files_in_job_order(tmp_path):
    jobs = [Job(n, c, writer(tmp_path / n, n, 0.5)) for n, c in (("a", 1), ("b", 3), ("c", 1), ("d", 1))]
    assert lanes.run(jobs, 2) == [tmp_path / n for n in "abcd"]
    writers = {(tmp_path / n).read_text().split()[-1] for n in "abcd"}
    assert len(writers) == 2 and str(os.getpid()) in writers


@needs_fork
def test_each_job_is_taken_by_exactly_one_lane(tmp_path):
    log = tmp_path / "log"

    def job(name):
        def write():
            with log.open("a") as fh:  # one short line per write: appends do not interleave
                fh.write(f"{name} {os.getpid()}\n")
            (tmp_path / name).write_text(name)
            return [tmp_path / name]
        return write
    names = [f"job{i}" for i in range(12)]
    jobs = [Job(n, i % 4, job(n)) for i, n in enumerate(names)]
    assert lanes.run(jobs, 2) == [tmp_path / n for n in names]
    taken = [line.split()[0] for line in log.read_text().splitlines()]
    assert sorted(taken) == sorted(names)  # every job once: none skipped, none written twice


@needs_fork
def test_an_error_in_the_forked_lane_is_raised_here(tmp_path):
    def broken():
        raise ValueError("the inspection pack could not be written")
    jobs = [Job("big", 5, writer(tmp_path / "a", "a")), Job("broken", 1, broken)]
    with pytest.raises(ValueError, match="inspection pack"):
        lanes.run(jobs, 2)


def test_one_core_means_one_lane(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert lanes.default_lanes() == 1


@needs_fork
def test_the_check_writes_the_same_files_in_one_lane_or_two(tmp_path):
    runner = CliRunner()
    for n in ("1", "2"):
        result = runner.invoke(main, ["check", str(SEN2), "--as-at", "2026-01-15", "--out", str(tmp_path / n),
                                      "--lanes", n], catch_exceptions=False)
        assert result.exit_code == 1, result.output
    one = sorted(p.relative_to(tmp_path / "1") for p in (tmp_path / "1").rglob("*") if p.is_file())
    two = sorted(p.relative_to(tmp_path / "2") for p in (tmp_path / "2").rglob("*") if p.is_file())
    assert one == two and len(one) > 8
    for rel in one:
        if rel.suffix == ".html":
            continue  # the HTML reports carry the time they were generated
        assert (tmp_path / "1" / rel).read_bytes() == (tmp_path / "2" / rel).read_bytes(), rel
