"""The import contracts in pyproject.toml ([tool.importlinter]) hold: layers, Qt only in the GUI,
no cycles.  See docs/ARCHITECTURE.md for the map they enforce."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), "import-linter is missing: it is in setup.cfg's dev extra (tools/setup.sh)"
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout's code, not an installed copy
    run = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout
