"""Benchmark: how long each stage of a check takes at LA and national scale, against the I/O floor.

    python bench/run_bench.py                                 # a 25,000-plan LA (32,500 people): CSV, XLSX, XML
    python bench/run_bench.py --reports                       # also time each HTML/Excel report on its own
    python bench/run_bench.py --people 938000 --formats csv   # England: about 720,000 plans

Data is generated once by fixtures/generate.py (fixed seed) into --workdir and reused; about 77% of the people
generated have a plan, so 32,500 people make a 25,000-plan LA and 938,000 make England's 720,000. Each format is
measured in fresh processes: once stage by stage in one process (its peak memory is that process's), and end to
end as a user runs it (``sendcheck check``, imports and every output included, written in two lanes on a
two-core machine): ``--repeat`` timed runs (median and fastest shown), then one more with the memory of its
whole process tree sampled. The floor is what the same
libraries need just to read the input into a table and write the findings files; "x floor" is the staged
total divided by it. Figures are printed, never asserted: timing belongs in benchmarks, not in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_AT = "2026-10-31"
FILES = {"csv": "tracker_a.csv", "xlsx": "tracker_a.xlsx", "xml": "sen2_2026.xml"}
GEN_FORMATS = {"csv": "csv", "xlsx": "tracker-a", "xml": "xml"}


def generate(people: int, fmt: str, workdir: Path) -> Path:
    folder = workdir / f"{people}"
    path = folder / FILES[fmt]
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {people:,} people as {fmt} in {folder} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(ROOT / "fixtures" / "generate.py"), "--people", str(people), "--month", "1",
                        "--as-at", AS_AT, "--out", str(folder), "--formats", GEN_FORMATS[fmt]], check=True)
    return path


def floor(path: Path, fmt: str, findings, out_dir: Path) -> float:
    """Read the input with the same library and write the findings files: nothing can be faster than this."""
    import pandas as pd

    from checker.output import write_csv, write_jsonl
    from checker.result import FINDING_COLUMNS

    t = time.perf_counter()
    if fmt == "csv":
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skiprows=0)
    elif fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            pd.DataFrame(wb.get_sheet_by_name(name).to_python())
    else:
        from lxml import etree

        for _, el in etree.iterparse(str(path), events=("end",), tag="Person", resolve_entities=False, no_network=True):
            el.clear()
    write_csv(findings[FINDING_COLUMNS], out_dir / "floor_findings.csv")
    write_jsonl(findings, out_dir / "floor_findings.jsonl")
    return time.perf_counter() - t


def child(path: Path, fmt: str, with_reports: bool) -> dict:
    """One measured run, in this (fresh) process."""
    from checker import accounting, quality
    from checker.engine.evaluate import evaluate
    from checker.engine.rules import load_rules
    from checker.engine.views import build_views
    from checker.output import write_machine_outputs
    from checker.readers import load_inputs
    from checker.result import RunResult
    from checker.run import accepted_rows, issues_frame, rules_without_data, supplied_fields
    from checker.settings import Settings

    as_at = dt.date.fromisoformat(AS_AT)
    stages: dict[str, float] = {}
    clock = time.perf_counter()

    peaks: dict[str, float] = {}

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        stages[name] = now - clock
        peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        clock = now

    rules = load_rules()
    dataset = load_inputs([path], None)
    lap("read")
    checked = quality.check_dataset(dataset, as_at)
    counts = accounting.account(dataset, checked.rejected, checked.reasons)
    lap("data quality")
    usable = accepted_rows(dataset, checked.rejected)
    views = build_views(usable, as_at)
    lap("views")
    skipped = rules_without_data(rules, supplied_fields(usable))
    findings = evaluate(usable, [r for r in rules if r.id not in skipped], as_at, Settings(), views=views)
    lap("rules")
    result = RunResult(as_at, findings, issues_frame(list(dataset.issues) + list(checked.issues)), rules, usable,
                       counts, Settings().as_dict(), [path.name], skipped)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_machine_outputs(result, out)
        lap("write findings")
        if with_reports:
            from checker.reports import write_reports

            for which in ("manager", "governor", "inspection", "excel"):
                write_reports(result, out / which, {which})
                lap(f"report: {which}")
        total = sum(stages.values())
        floor_s = floor(path, fmt, findings, out)
    return {
        "format": fmt, "file_mb": path.stat().st_size / 1e6, "plans": int(len(usable.table("named_plan"))),
        "requests": int(len(usable.table("request"))), "findings": int(len(findings)), "stages": stages,
        "total": total, "floor": floor_s, "peaks": peaks, "run_peak_mb": max(peaks.values()),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def end_to_end(path: Path, lanes: int | None, extra: list[str], repeat: int = 1) -> dict:
    """Run ``sendcheck check`` as a user runs it, with its defaults (a fresh process: imports, reading, rules,
    every output and report): ``repeat`` times only timed, then once with the memory of its whole process tree
    sampled (reading that memory costs the kernel time on a busy two-core machine, so it would skew the
    timing). A shared machine's timings wander by a few tenths of a second, so the fastest and the median of the
    timed runs are both reported."""
    def run(sample: bool) -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-c", "from checker.cli import entry; entry()", "check", str(path), "--as-at",
                   AS_AT, "--out", str(Path(tmp) / "out")] + (["--lanes", str(lanes)] if lanes else []) + extra
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            peak = 0.0
            while sample and proc.poll() is None:
                peak = max(peak, _tree_memory_mb(proc.pid))
                time.sleep(0.1)
            proc.wait()
            seconds = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            raise SystemExit(f"sendcheck check failed on {path} (exit {proc.returncode})")
        return seconds, peak

    times = sorted(run(sample=False)[0] for _ in range(max(repeat, 1)))
    _, peak = run(sample=True)
    return {"seconds": times[len(times) // 2], "fastest": times[0], "times": times, "peak_mb": peak}


def _seconds(run: dict) -> str:
    if len(run["times"]) == 1:
        return f"{run['seconds']:.2f} s"
    return f"{run['seconds']:.2f} s median, {run['fastest']:.2f} s fastest of {len(run['times'])}"


def _tree_memory_mb(pid: int) -> float:
    """Physical memory of a process and its children, in MB: the sum of their proportional set sizes (Linux
    /proc; 0 elsewhere). A page a forked child still shares with its parent is counted once, split between
    them; summing resident sizes would count it twice."""
    total = 0
    try:
        pids = [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        for p in pids:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    except (OSError, ValueError):
        pass
    return total / 1024


def print_table(results: list[dict], people: int, options: str = "") -> None:
    stage_names = []
    for r in results:
        for s in r["stages"]:
            if s not in stage_names:
                stage_names.append(s)
    print(f"\nsendcheck benchmark: {people:,} people, as at {AS_AT}, {os.cpu_count()} CPUs, "
          f"python {sys.version.split()[0]}")
    header = ["stage (seconds)"] + [f"{r['format']} ({r['file_mb']:.0f} MB)" for r in results]
    rows = [[name] + [f"{r['stages'].get(name, float('nan')):.2f}" for r in results] for name in stage_names]
    rows.append(["TOTAL"] + [f"{r['total']:.2f}" for r in results])
    rows.append(["floor (read + write only)"] + [f"{r['floor']:.2f}" for r in results])
    rows.append(["x floor"] + [f"{r['total'] / r['floor']:.1f}" for r in results])
    rows.append(["rules share of run"] + [f"{100 * r['stages']['rules'] / r['total']:.0f}%" for r in results])
    rows.append([f"END TO END: sendcheck check ({options or 'its defaults'}), median"]
                + [f"{r['end_to_end']['seconds']:.2f}" for r in results])
    rows.append(["  fastest (of the timed runs)"] + [f"{r['end_to_end']['fastest']:.2f}" for r in results])
    rows.append(["  peak memory, process tree (MB, PSS)"] + [f"{r['end_to_end']['peak_mb']:.0f}" for r in results])
    rows.append(["peak memory of the run (MB)"] + [f"{r['run_peak_mb']:.0f}" for r in results])
    for name in stage_names:
        rows.append([f"  peak after {name}"] + [f"{r['peaks'].get(name, float('nan')):.0f}" for r in results])
    rows.append(["plans / requests"] + [f"{r['plans']:,} / {r['requests']:,}" for r in results])
    rows.append(["findings"] + [f"{r['findings']:,}" for r in results])
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=32500)
    parser.add_argument("--formats", default="csv,xlsx,xml")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sendcheck-bench")
    parser.add_argument("--reports", action="store_true", help="also time writing each human report")
    parser.add_argument("--lanes", type=int, choices=(1, 2), help="lanes for the end-to-end run (default: its own)")
    parser.add_argument("--check-args", default="", metavar="ARGS",
                        help='more options for the end-to-end check, e.g. --check-args="--report none"')
    parser.add_argument("--only-end-to-end", action="store_true", help="skip the stage-by-stage run")
    parser.add_argument("--repeat", type=int, default=3, help="timed end-to-end runs (median and fastest shown)")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SENDCHECK_MAX_INPUT_MB", "4096")  # a national SEN2 XML is 1.6 GB (default limit 512 MB)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1], args.reports)))
        return 0
    results = []
    for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
        path = generate(args.people, fmt, args.workdir)
        options = " ".join(filter(None, [f"--lanes {args.lanes}" if args.lanes else "", args.check_args]))
        run = end_to_end(path, args.lanes, args.check_args.split(), args.repeat)
        if args.only_end_to_end:
            print(f"{fmt} ({path.stat().st_size / 1e6:.0f} MB), {args.people:,} people: sendcheck check "
                  f"({options or 'its defaults'}) {_seconds(run)}, peak memory of the process tree "
                  f"{run['peak_mb']:.0f} MB (PSS)")
            continue
        cmd = [sys.executable, __file__, "--child", str(path), fmt] + (["--reports"] if args.reports else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        measured["end_to_end"] = run
        results.append(measured)
    if results:
        print_table(results, args.people, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
