"""The experiment scripts under scripts/model2/experiments still import and parse their arguments
after changes to the stages and modules they borrow from (they are not part of the build, so
nothing else runs them)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((ROOT / "scripts" / "model2" / "experiments").glob("*.py"))

# One interpreter for all (torch is imported once); each script runs as __main__ with --help.
RUNNER = """
import runpy, sys
for path in sys.argv[1:]:
    sys.argv = [path, "--help"]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exit:
        print(f"EXIT {path} {exit.code if isinstance(exit.code, int) else 'usage'}", flush=True)
    else:
        print(f"NO-EXIT {path}", flush=True)
"""


def test_every_experiment_script_imports_and_shows_its_usage():
    assert len(EXPERIMENTS) >= 10
    out = subprocess.run([sys.executable, "-c", RUNNER, *map(str, EXPERIMENTS)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    ends = dict(line.split(" ", 2)[1:] for line in out.stdout.splitlines() if line.startswith(("EXIT", "NO-EXIT")))
    assert set(ends) == set(map(str, EXPERIMENTS)), out.stderr[-2000:]
    # argparse's --help exits 0; bands.py (a wrapper around a stage) exits with its usage text
    assert {p: c for p, c in ends.items() if c != "0"} == {str(ROOT / "scripts/model2/experiments/bands.py"): "usage"}
