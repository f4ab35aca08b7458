"""Benchmark: export and validate a 10 000-segment timeline as SEM and NCL.

Prints wall times for build+write, XSD validation, our own checks and re-import, and the
ratio against a reference measured in the same run: serialising and re-parsing the same
tree with plain lxml (the floor any XML exporter pays).

    python benchmarks/bench_formats.py [--segments 10000] [--schema-dir ../shared/schemas]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from mulse_author.document import MediaRef, Segment, TimelineDocument  # noqa: E402
from mulse_author.effects.types import EFFECT_TYPES  # noqa: E402
from mulse_author.formats import read_ncl, read_sem, validate, write_ncl, write_sem  # noqa: E402
from mulse_author.formats.schemas import load_schema  # noqa: E402


def make_doc(n: int, seed: int = 0) -> TimelineDocument:
    rng = random.Random(seed)
    per_lane = n // len(EFFECT_TYPES)
    duration = per_lane * 1000 + 1000
    doc = TimelineDocument(MediaRef("/videos/film.mp4", duration))
    segs = []
    for t in EFFECT_TYPES:
        for i in range(per_lane):
            start = i * 1000 + rng.randrange(0, 400)
            kw = {"color": "amber"} if t.name in ("Light", "Flash") else {"scent": "lavender"} if t.name == "Scent" else {}
            segs.append(Segment(t.name, start, start + rng.randrange(1, 600), intensity=rng.random(), **kw))
    doc.add(segs)
    return doc


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--schema-dir", default=str(ROOT.parent / "shared" / "schemas"))
    args = ap.parse_args()
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
            print(f"{kind}: {len(data) / 1e6:.2f} MB | export {t_write:.3f} s | validate (XSD + checks) {t_valid:.3f} s "
                  f"| re-import {t_read:.3f} s | lxml parse+serialise reference {t_ref:.3f} s "
                  f"(export = {t_write / t_ref:.1f}x, validate = {t_valid / t_ref:.1f}x reference)")


if __name__ == "__main__":
    main()
