"""Autosave: debounced, atomic, kept after recovery; a kill at random moments loses no edit
older than the debounce delay."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from guifixtures import sample_doc

from mulse_author.document import load_project
from mulse_author.gui import autosave

HERE = Path(__file__).parent
DELAY_S = 0.5
#: time from the debounce expiring to the file being on disk, on a loaded 2-core machine
SLACK_S = 1.5


def test_age_is_described():
    assert autosave.describe_age(5) == "5 seconds ago"
    assert autosave.describe_age(600) == "10 minutes ago"
    assert "(" in autosave.describe_age(5, time.time())


def test_changes_are_saved_within_the_delay(qtbot, make_window):
    w = make_window(interval=0.3)
    w._set_document(sample_doc())
    t0 = time.monotonic()
    w.editor.create_segment("Fog", 1000, 3000)
    # edits keep coming for 1.5 s: a save pushed back by each edit would come after 1.8 s;
    # the first edit must be on disk within the delay (plus slack for a loaded machine)
    first_seen = None
    for k in range(15):
        qtbot.wait(100)
        if first_seen is None and w.autosaver.path.is_file():
            first_seen = time.monotonic() - t0
        w.editor.create_segment("Scent", 4000 + k * 1000, 4500 + k * 1000)
    assert first_seen is not None and first_seen < 1.2, first_seen
    segs = json.loads(w.autosaver.path.read_text())["segments"]
    assert any(s["effect"] == "Fog" for s in segs)
    # row flags are autosaved too
    qtbot.wait(400)
    assert "rows" not in json.loads(w.autosaver.path.read_text())["metadata"]
    w.editor.toggle_row_flag(("Wind", None), "mute")
    qtbot.waitUntil(lambda: "rows" in json.loads(w.autosaver.path.read_text())["metadata"], timeout=3_000)


def test_large_documents_are_written_off_the_ui_thread(qtbot, make_window, monkeypatch):
    import threading

    from mulse_author.document import project

    threads = []
    real = project.write_json_atomic

    def spy(body, path, indent=1):
        threads.append(threading.current_thread().name)
        return real(body, path, indent)

    monkeypatch.setattr(autosave, "write_json_atomic", spy)
    monkeypatch.setattr(autosave, "LARGE_SEGMENTS", 3)
    w = make_window(interval=0.1)
    w._set_document(sample_doc())
    w.editor.create_segment("Fog", 1000, 3000)
    qtbot.waitUntil(lambda: w.autosaver.path.is_file() and len(threads) >= 2, timeout=3_000)
    w.autosaver.wait()
    assert all(t.startswith("autosave") for t in threads)


def _run_and_kill(tmp: Path, run_s: float) -> tuple[list[tuple[int, float]], float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
               QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    p = subprocess.Popen([sys.executable, str(HERE / "autosave_child.py"), str(tmp), str(DELAY_S), "2000"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    edits: list[tuple[int, float]] = []
    deadline = None
    try:
        for line in p.stdout:
            i, t = line.split()
            edits.append((int(i), float(t)))
            if deadline is None:
                deadline = time.time() + run_s  # the clock starts at the first edit
            if time.time() >= deadline:
                break
    finally:
        p.send_signal(signal.SIGKILL)
        killed_at = time.time()
        p.wait(10)
    return edits, killed_at


@pytest.mark.parametrize("seed", range(2 if os.environ.get("CI") else 6))
def test_kill_at_a_random_moment_loses_no_edit_older_than_the_delay(tmp_path, seed):
    rng = random.Random(seed)
    run_s = rng.uniform(1.0, 4.0)
    edits, killed_at = _run_and_kill(tmp_path, run_s)
    assert edits, "the child made no edit"
    recs = autosave.find_recoverable(tmp_path / "as")
    old = [i for i, t in edits if t < killed_at - DELAY_S - SLACK_S]
    if not recs:
        assert not old, f"killed after {run_s:.1f} s with no autosave: {len(old)} edits lost"
        return
    doc = load_project(recs[0].path)  # atomic: always a whole, readable project
    saved = {s.label for s in doc if s.label and s.label.startswith("edit")}
    lost = [i for i in old if f"edit{i}" not in saved]
    assert not lost, f"edits {lost[:5]}... older than {DELAY_S + SLACK_S} s were lost"
