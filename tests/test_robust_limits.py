"""Too big to read safely: refused up front, in little memory, with a message saying how to proceed.

The file is 1 GiB but takes no disk (a sparse hole after a real header), so the test is cheap; the run happens in
a child process whose peak memory is measured with getrusage.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.dataset import InputError
from checker.readers import detect

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import resource, sys
from click.testing import CliRunner
from checker.cli import main
result = CliRunner().invoke(main, ["check", sys.argv[1], "--as-at", "2026-10-31", "--out", sys.argv[2],
                                   "--profile", "la-tracker-a"])
print("EXIT", result.exit_code)
print(result.output)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:  # Linux keeps ru_maxrss across fork+exec (a big pytest parent would count); VmHWM is this program's own
    peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
except (OSError, StopIteration):
    pass
print("MAXRSS_KB", peak)
"""


def _sparse_csv(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(b"Child ID,Request Ref,Date Request Received\r\nC1,R1,06/01/2025\r\n")
        fh.truncate(size)
    return path


def test_one_gigabyte_file_is_refused_in_little_memory(tmp_path):
    big = _sparse_csv(tmp_path / "national_tracker.csv", 1024**3)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop(detect.MAX_INPUT_ENV, None)
    done = subprocess.run([sys.executable, "-c", CHILD, str(big), str(tmp_path / "out")], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=120)
    assert "EXIT 2" in done.stdout, done.stdout + done.stderr
    assert ("national_tracker.csv: the file is 1,024 MiB, more than the 512 MiB limit for one input file; "
            "split the extract") in done.stdout
    assert "--max-input-mb" in done.stdout and "Traceback" not in done.stdout + done.stderr
    peak_mb = int(done.stdout.split("MAXRSS_KB")[1].split()[0]) / 1024
    assert peak_mb < 400, f"peak memory {peak_mb:.0f} MiB while refusing a 1 GiB file"
    assert not (tmp_path / "out" / "findings.csv").exists()


def test_the_limit_is_configurable(tmp_path, monkeypatch):
    small = _sparse_csv(tmp_path / "tracker.csv", 3 * 1024**2)
    monkeypatch.setenv(detect.MAX_INPUT_ENV, "2")
    with pytest.raises(InputError, match=r"tracker\.csv: the file is 3 MiB, more than the 2 MiB limit"):
        detect.detect_format(small)
    monkeypatch.setenv(detect.MAX_INPUT_ENV, "4")
    with pytest.raises(InputError, match="binary data"):  # now past the size check: the hole reads as NUL bytes
        detect.detect_format(small)
    monkeypatch.setenv(detect.MAX_INPUT_ENV, "lots")
    with pytest.raises(InputError, match="SENDCHECK_MAX_INPUT_MB='lots' is not a whole number"):
        detect.detect_format(small)

