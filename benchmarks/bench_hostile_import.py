#!/usr/bin/env python3
"""Import cost of hostile SEM / NCL files (a script, not a test).

Each case is imported in a fresh child process (so peak memory, ``ru_maxrss``, is its own) and
reported as seconds, peak MB and seconds per 10 MB of input, next to the reference measured in
the same run: a well-formed SEM export of a 10 000-segment timeline (ratio = the case's seconds
per MB / the reference's).  Target (issue 14): every import within a few seconds per 10 MB.

Cases: one NCL link of 3 000 x 3 000 binds; one SEM element with 200 000 attributes; 40 000
links (20 000 start + 20 000 stop) on one node; 5000-digit si:pts / timeScale / duration /
sourceDurationMs; a 400-digit NCL clock hour; a UTF-16 SEM with an internal entity.

Usage: python benchmarks/bench_hostile_import.py [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "formats")]

_CHILD = r"""
import json, resource, sys, time
p = sys.argv[1]
t = time.perf_counter()
try:
    if p.endswith(".sem"):
        from mulse_author.formats.sem_reader import read_sem as read
    else:
        from mulse_author.formats.ncl_reader import read_ncl as read
    t = time.perf_counter()
    doc, warnings = read(p)
    outcome = f"imported: {len(doc)} segment(s), {len(warnings)} warning(s)"
except Exception as e:
    outcome = f"{type(e).__name__}: {str(e)[len(p) + 2:][:90]}"
print(json.dumps({"s": time.perf_counter() - t, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "outcome": outcome}))
"""


def _cases(folder: Path) -> dict[str, Path]:
    import hostile_xml as h

    from mulse_author.document import MediaRef, Segment, TimelineDocument
    from mulse_author.formats.sem_writer import write_sem

    def areas_and_links(n):
        areas = "".join(f'<area id="a{i}" begin="{i}s" end="{i}.5s"/>' for i in range(n))
        links = "".join(f'<link id="s{i}" xconnector="c"><bind role="onBegin" component="video" interface="a{i}"/>'
                        f'<bind role="start" component="fx"/></link><link id="e{i}" xconnector="c"><bind '
                        f'role="onEnd" component="video" interface="a{i}"/><bind role="stop" component="fx"/></link>'
                        for i in range(n))
        return h.ncl_document("", f'<media id="video" src="v.mp4">{areas}</media>'
                      f'<media id="fx" type="application/x-sensory-effect-WindType"/>{links}')

    doc = TimelineDocument(MediaRef("v.mp4", 10_000 * 2000))
    doc.add([Segment("Wind", i * 2000, i * 2000 + 1000, intensity=0.5) for i in range(10_000)])
    ref = folder / "reference_10k.sem"
    write_sem(doc, ref)
    data = {
        "3000x3000 binds, one link (NCL)": ("binds.ncl", h.ncl_binds(3000)),
        "200 000 attributes, one element (SEM)": ("attrs.sem", h.many_attributes(200_000)),
        "40 000 links on one node (NCL)": ("links.ncl", areas_and_links(20_000)),
        "5000-digit si:pts (SEM)": ("pts.sem", h.big_number_sem("pts")),
        "5000-digit timeScale (SEM)": ("ts.sem", h.big_number_sem("timeScale")),
        "5000-digit duration (SEM)": ("dur.sem", h.big_number_sem("duration")),
        "5000-digit sourceDurationMs (SEM)": ("src.sem", h.big_number_sem("sourceDurationMs")),
        "400-digit clock hour (NCL)": ("clock.ncl", h.ncl_clock(400)),
        "UTF-16 SEM with an internal entity": ("utf16.sem", h.entity_sem("UTF-16")),
    }
    out = {"reference: SEM export, 10 000 segments": ref}
    for label, (name, content) in data.items():
        (folder / name).write_bytes(content)
        out[label] = folder / name
    return out


def _run(path: Path, timeout: float) -> dict:
    try:
        r = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                           timeout=timeout, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        return {"s": float("inf"), "mb": float("nan"), "outcome": f"still running after {timeout:g} s"}
    if r.returncode:
        return {"s": float("nan"), "mb": float("nan"), "outcome": f"exit {r.returncode}: {r.stderr[-200:]}"}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per case (default 120)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = _cases(Path(tmp))
        results = {label: (p.stat().st_size, _run(p, args.timeout)) for label, p in cases.items()}
    ref_size, ref = next(iter(results.values()))
    ref_per_mb = ref["s"] / (ref_size / 1e6)
    print(f"{'case':44s} {'size':>9s} {'seconds':>8s} {'s/10MB':>7s} {'ratio':>6s} {'peak MB':>8s}  outcome")
    for label, (size, r) in results.items():
        per10 = r["s"] / (size / 1e7)
        ratio = (r["s"] / (size / 1e6)) / ref_per_mb
        print(f"{label:44s} {size / 1e6:8.3f}M {r['s']:8.3f} {per10:7.2f} {ratio:6.1f} {r['mb']:8.0f}  {r['outcome']}")
    print("(seconds: the import call alone; peak MB: the child's whole resident peak, interpreter included;"
          " ratio: seconds per MB against the reference)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
