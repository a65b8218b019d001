"""Writing outputs in two lanes: same files as one lane, errors surface, the lanes stay even."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import lanes
from checker.cli import main
from checker.lanes import Job

ROOT = Path(__file__).resolve().parent.parent
SEN2 = ROOT / "tests" / "data" / "sen2" / "sen2-2026.xml"

needs_fork = pytest.mark.skipif(lanes.default_lanes() < 2, reason="needs two cores and fork")


def writer(path: Path, text: str):
    def write():
        path.write_text(f"{text} written by {os.getpid()}")
        return [path]
    return write


def test_split_puts_the_longest_jobs_on_the_lighter_lane():
    jobs = [Job(name, cost, lambda: []) for name, cost in
            [("csv", 0.65), ("jsonl", 0.75), ("rest", 0.05), ("manager", 0.5), ("governor", 0.35),
             ("inspection", 1.65), ("excel", 1.6)]]
    here, there = lanes.split(jobs)
    assert [j.name for j in here] == ["csv", "manager", "inspection"]
    assert [j.name for j in there] == ["jsonl", "rest", "governor", "excel"]
    assert abs(sum(j.cost for j in here) - sum(j.cost for j in there)) < 0.1


def test_one_lane_runs_in_this_process(tmp_path):
    jobs = [Job(n, 1, writer(tmp_path / n, n)) for n in ("a", "b")]
    assert lanes.run(jobs, 1) == [tmp_path / "a", tmp_path / "b"]
    assert {(tmp_path / n).read_text().split()[-1] for n in "ab"} == {str(os.getpid())}


@needs_fork
def test_two_lanes_write_side_by_side_and_return_files_in_job_order(tmp_path):
    jobs = [Job(n, c, writer(tmp_path / n, n)) for n, c in (("a", 1), ("b", 3), ("c", 1), ("d", 1))]
    assert lanes.run(jobs, 2) == [tmp_path / n for n in "abcd"]
    writers = {(tmp_path / n).read_text().split()[-1] for n in "abcd"}
    assert len(writers) == 2 and str(os.getpid()) in writers


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
