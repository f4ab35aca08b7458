"""Benchmark: export and validate a 10 000-segment timeline as SEM and NCL.

Prints wall times for build+write, XSD validation, our own checks and re-import, and the
ratio against a reference measured in the same run: serialising and re-parsing the same
tree with plain lxml (the floor any XML exporter pays).

    python benchmarks/bench_formats.py [--segments 10000] [--schema-dir ../shared/schemas]

``--memory`` measures the exporters' memory instead: each export runs in a fresh process,
which builds the timeline, then writes it; the figure is the peak resident memory during
the write minus the memory before it (the timeline itself), and the ratio is that over the
file's size.  ``--code DIR`` imports ``mulse_author`` from DIR (e.g. an older checkout) to
compare before/after in the same run.

    python benchmarks/bench_formats.py --memory --segments 100000 [--code /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("MULSE_BENCH_CODE") or str(ROOT))

from lxml import etree  # noqa: E402

from mulse_author.document import MediaRef, Segment, TimelineDocument  # noqa: E402
from mulse_author.formats import read_ncl, read_sem, validate, write_ncl, write_sem  # noqa: E402
from mulse_author.formats.schemas import load_schema  # noqa: E402
from mulse_author.mpegv.types import EFFECT_TYPES  # noqa: E402


def make_doc(n: int, seed: int = 0) -> TimelineDocument:
    rng = random.Random(seed)
    per_lane = n // len(EFFECT_TYPES)
    duration = per_lane * 1000 + 1000
    doc = TimelineDocument(MediaRef("/videos/film.mp4", duration))
    segs = []
    for t in EFFECT_TYPES:
        for i in range(per_lane):
            start = i * 1000 + rng.randrange(0, 400)
            kw = ({"color": "amber"} if t.name in ("Light", "Flash")
                  else {"scent": "lavender"} if t.name == "Scent" else {})
            segs.append(Segment(t.name, start, start + rng.randrange(1, 600), intensity=rng.random(), **kw))
    doc.add(segs)
    return doc


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _memory_child(kind: str, n: int, out: str, no_cap: bool = False) -> None:
    """Build the timeline, write it, print JSON: memory before/peak (kB), file size, time."""
    import json

    if no_cap:  # over the import cap (256 MB) the writers refuse; lifted to measure 1M segments
        from mulse_author.formats import safexml

        safexml.MAX_BYTES = 1 << 40
    doc = make_doc(n)
    before = _rss_kb("VmRSS")
    # VmHWM is the peak since start: reset it so that it counts the write alone (Linux >= 4.0).
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    t0 = time.perf_counter()
    (write_sem if kind == "SEM" else write_ncl)(doc, out)
    t = time.perf_counter() - t0
    print(json.dumps({"before_kb": before, "peak_kb": _rss_kb("VmHWM"), "bytes": Path(out).stat().st_size, "s": t}))


def memory_main(args) -> None:
    import json
    import subprocess

    code = args.code or str(ROOT)
    print(f"timeline: {args.segments} segments; exporter code from {code}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            out = Path(tmp) / f"bench.{kind.lower()}"
            env = dict(os.environ, PYTHONPATH=code, MULSE_BENCH_CODE=code, OMP_NUM_THREADS="1")
            cmd = [sys.executable, "-c",
                   f"import sys; sys.argv=['x']; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
                   f"import bench_formats as b; "
                   f"b._memory_child({kind!r}, {args.segments}, {str(out)!r}, {args.no_cap})"]
            res = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                why = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else res.returncode
                print(f"{kind}: failed ({why})")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            extra = max(0, r["peak_kb"] - r["before_kb"]) * 1024
            print(f"{kind}: file {r['bytes'] / 1e6:.1f} MB | write {r['s']:.1f} s | timeline in memory "
                  f"{r['before_kb'] / 1024:.0f} MB | peak extra memory during the write {extra / 1e6:.0f} MB "
                  f"= {extra / r['bytes']:.1f}x the file size")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--schema-dir", default=str(ROOT.parent / "shared" / "schemas"))
    ap.add_argument("--memory", action="store_true", help="measure the exporters' peak memory (see above)")
    ap.add_argument("--code", metavar="DIR", help="with --memory: import mulse_author from DIR")
    ap.add_argument("--no-cap", action="store_true", help="with --memory: lift the 256 MB export cap")
    ap.add_argument("--kinds", default="SEM,NCL", help="with --memory: SEM, NCL or both")
    args = ap.parse_args()
    if args.memory:
        memory_main(args)
        return
    doc = make_doc(args.segments)
    t_schema, _ = timed(lambda: (load_schema(args.schema_dir, "sem"), load_schema(args.schema_dir, "ncl")))
    print(f"timeline: {len(doc)} segments; XSD compile (once per process): {t_schema:.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, write, read in (("SEM", write_sem, read_sem), ("NCL", write_ncl, read_ncl)):
            out = Path(tmp) / f"bench.{kind.lower()}"
            t_write, _ = timed(lambda: write(doc, out))
            t_valid, issues = timed(lambda: validate(out, args.schema_dir))
            t_read, (back, _) = timed(lambda: read(out))
            # reference: plain lxml parse + serialise of the same file, same run
            data = out.read_bytes()
            t_ref, _ = timed(lambda: etree.tostring(etree.fromstring(data), xml_declaration=True, encoding="UTF-8"))
            assert not [i for i in issues if i.is_error], issues[:3]
            assert len(back) == len(doc)
            print(f"{kind}: {len(data) / 1e6:.2f} MB | export {t_write:.3f} s "
                  f"| validate (XSD + checks) {t_valid:.3f} s "
                  f"| re-import {t_read:.3f} s | lxml parse+serialise reference {t_ref:.3f} s "
                  f"(export = {t_write / t_ref:.1f}x, validate = {t_valid / t_ref:.1f}x reference)")


if __name__ == "__main__":
    main()
