"""Fault test: a process saving a project is killed (SIGKILL) at random moments.  After every
kill the project on disk is one of the complete versions, and the next save leaves no temp
file.  The worker's fsync is slowed down (a slow disk) so that many kills land mid-write.  50 kills locally,
8 when the environment variable CI is set."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

from mulse_author.document import Segment, TimelineDocument, load_project, save_project

TRIALS = 8 if os.environ.get("CI") else 50

_WORKER = r"""
import os, sys, time
from mulse_author.document import Segment, TimelineDocument, save_project
path, n = sys.argv[1], int(sys.argv[2])
real_fsync = os.fsync
def slow_disk_fsync(fd):  # a slow disk: the temp file lives longer, so more kills land mid-write
    time.sleep(0.05)
    real_fsync(fd)
os.fsync = slow_disk_fsync
docs = []
for version in (1, 2):
    d = TimelineDocument()
    d.add([Segment("Wind", i * 10, i * 10 + 5, id=f"v{version}x{i}") for i in range(n)])
    d.metadata["title"] = f"version {version}"
    docs.append(d)
print("ready", flush=True)
k = 0
while True:
    save_project(docs[k % 2], path)
    k += 1
"""


def _versions(path) -> str:
    return load_project(path).metadata["title"]


def test_killed_saves_never_corrupt_and_leave_no_temp(tmp_path):
    n = 10_000  # about 1.2 MB
    path = tmp_path / "p.json"
    first = TimelineDocument()
    first.add(Segment("Fog", 0, 5))
    first.metadata["title"] = "version 0"
    save_project(first, path)
    rng = random.Random(1234)
    seen = set()
    mid_write = 0  # kills that left a temp file: the save was under way
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for _ in range(TRIALS):
        proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(path), str(n)], stdout=subprocess.PIPE,
                                text=True, env=env)
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.6))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
        title = _versions(path)  # loads: complete and valid JSON
        assert title in ("version 0", "version 1", "version 2")
        seen.add(title)
        mid_write += any(p.name.endswith(".mulse-tmp") for p in tmp_path.iterdir())
        raw = json.loads(path.read_bytes())
        assert len(raw["segments"]) in (1, n)
    assert seen & {"version 1", "version 2"}, "the worker never completed a save"
    save_project(first, path)  # the next save cleans what the killed ones left
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]
    print(f"{TRIALS} kills, {mid_write} with a save under way, versions seen {sorted(seen)}")
