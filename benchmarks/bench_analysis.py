#!/usr/bin/env python3
"""Analysis speed and memory benchmark (a script, not a test).

Generates (once, cached outside the repository) a 10-minute 1280x720 H.264 + AAC video and a
30-minute one, then measures, each in a fresh child process so peak memory is its own:

* decode-only wall time of the 10-minute file (``mulse_author.media.decode_only``: every
  packet decoded, nothing else) -- the reference, measured in the same run;
* for each model: analysis wall time of the same file at hop 1 s and hop 10 s, with the
  ratios analysis / decode-only (target <= RATIO_TARGET, 1.35 since issue 12; ``--repeat`` paired decode-only / analysis
  runs, 3 by default, the median pair reported) and hop 1 s / hop 10 s (target <= 1.5),
  the real-time factor (video seconds per analysis second), the network's seconds per
  window, and peak resident memory (``ru_maxrss`` of the child) of the 10- and 30-minute
  analyses (target: independent of length, < 1.5 GB).  When the ratio target is missed,
  the hop that would meet it is estimated from the hop 1 s and hop 10 s runs (wall time
  = fixed part + cost per window) and that hop is then measured.

Models: ``shipped`` -- the default model users run (``trained/``, loaded by
``default_model_path()``; skipped with a note when none is installed), at the precision
users get (``auto``); ``shipped:fp32`` / ``shipped:bf16`` / ``shipped:int8`` force one
(:mod:`mulse_author.model.precision`); a model directory (``DIR`` or ``DIR:int8``) the same way for
a checkpoint not (yet) in ``trained/``; ``compact`` -- the
compact network with random weights, a timing stand-in only (run time does not depend on
weight values; its suggestions are meaningless and not looked at); ``paper`` -- the
paper-sized network, random weights.

Usage: nice python benchmarks/bench_analysis.py [--cache DIR] [--models shipped,compact]
[--short]   (``--short`` uses 2- and 6-minute files for a quick check.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Analysis wall time / decode-only wall time that issue 12 allows the 2.x models (issues 4 and 6
#: asked 1.25 of the model-1 networks).
RATIO_TARGET = 1.35


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("MULSE_BENCH_CACHE", Path(base) / "mulse-author" / "bench"))


def make_video(path: Path, minutes: float, fps: int = 25, size=(1280, 720)) -> Path:
    """A cheap but not trivially compressible picture: 32 pre-rendered frames (a moving
    checker pattern in four tints, with grain so the decoder has real residuals to work
    through) cycled, converted to YUV once; noise + tone sound track; x264 ultrafast."""
    import av  # lazy: the parent process stays small (it starts the measured children)
    import numpy as np

    from mulse_author.media.synth import write_media

    if path.is_file():
        return path
    tmp = path.with_suffix(".part.mp4")
    w, h = size
    sr = 44100
    yy, xx = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(0)
    palette = np.array([[1.0, 0.5, 0.1], [0.2, 0.4, 1.0], [0.3, 1.0, 0.4], [1.0, 1.0, 1.0]])
    frames = []
    for tint in palette:
        for k in range(8):
            g = ((xx + 40 * k) // 80 % 2 * 120 + (yy // 90 % 2) * 60 + 40).astype(np.float32)
            img = g[..., None] * tint[None, None, :] + rng.normal(0, 8, (h, w, 1))
            vf = av.VideoFrame.from_ndarray(np.clip(img, 0, 255).astype(np.uint8), format="rgb24")
            frames.append(vf.reformat(format="yuv420p"))
    noise = (0.05 * rng.normal(size=sr)).astype(np.float32)

    def picture(i, t):
        return frames[(int(t // 5) % 4) * 8 + i % 8]

    def sound(ts):
        k = int(round(ts[0] * sr)) % (sr - 1024)
        return noise[k:k + len(ts)] + (0.1 * np.sin(2 * np.pi * 220 * ts)).astype(np.float32)

    def threads(v, a):
        v.thread_type = "AUTO"

    write_media(tmp, minutes * 60, picture, sound, size=size, fps=fps, sample_rate=sr,
                video_options={"preset": "ultrafast", "crf": "28"}, setup=threads)
    tmp.rename(path)
    return path


def _vm_hwm_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(args) -> None:
    """Runs inside a fresh process; prints one JSON line.  Besides wall time it reports the
    process's CPU time (all threads) during the work: on a shared VM the wall time of the same
    run varies by tens of percent (2026-12-08: decode-only 16.0-27.7 s in one run)."""
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    out: dict = {}
    if args.child == "decode":
        from mulse_author.media.decode import decode_only

        c0, t0 = _cpu_s(), time.perf_counter()
        r = decode_only(args.path)
        out["wall_s"] = time.perf_counter() - t0
        out["cpu_s"] = _cpu_s() - c0
        out["frames"] = r.get("video_frames")
    else:
        from mulse_author.detect.analyze import analyze
        from mulse_author.model import BimodalNet, ModelConfig, default_model_path

        name, _, precision = args.model.partition(":")
        precision = precision or "auto"
        if name == "shipped":
            model = default_model_path()
            out["model"] = f"shipped default model ({model})"
        elif Path(name).is_dir():  # an exported model directory (e.g. a candidate before shipping)
            model = Path(name)
            out["model"] = f"model directory {model}"
        else:
            torch.manual_seed(0)
            cfg = ModelConfig.paper() if name == "paper" else ModelConfig.compact()
            model = BimodalNet(cfg).eval()
            out["model"] = f"{name} network, RANDOM weights (timing stand-in only)"
        c0, t0 = _cpu_s(), time.perf_counter()
        doc = analyze(args.path, model=model, hop_s=args.hop, precision=precision)
        out["wall_s"] = time.perf_counter() - t0
        out["cpu_s"] = _cpu_s() - c0
        out["precision"] = doc.analysis["precision"]
        out["windows"] = doc.analysis["windows"]
        out["variant"] = doc.analysis["model_variant"]
        out["timings"] = doc.analysis["timings_s"]
        out["duration_s"] = doc.media.duration_ms / 1000
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["vmhwm_mb"] = _vm_hwm_mb()
    print(json.dumps(out))


def run_child(kind: str, path: Path, hop: float = 1.0, model: str = "compact") -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--path", str(path), "--hop", str(hop),
           "--model", model]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"child {kind} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _cpu_pair(p) -> str:
    d, a = p
    return f"{d['cpu_s']:.1f} / {a['cpu_s']:.1f} = {a['cpu_s'] / d['cpu_s']:.3f}" if d.get("cpu_s") else "n/a"


def _mark(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def bench_model(name: str, v1: Path, v2: Path, dec: dict, m1: int, m2: int, repeat: int = 3) -> None:
    # Paired runs: decode-only, then the analysis, ``repeat`` times; the ratio is the median of
    # the pairs' ratios (on a shared VM one run of either can be 5 % off, as the pairs show).
    pairs = [(dec, run_child("analyze", v1, 1.0, name))]
    for _ in range(repeat - 1):
        pairs.append((run_child("decode", v1), run_child("analyze", v1, 1.0, name)))
    pairs.sort(key=lambda p: p[1]["wall_s"] / p[0]["wall_s"])
    dec, a1 = pairs[len(pairs) // 2]  # the median pair
    a10 = run_child("analyze", v1, 10.0, name)
    a_long = run_child("analyze", v2, 1.0, name)
    dur, d = a1["duration_s"], dec["wall_s"]
    ratio, hop_ratio = a1["wall_s"] / d, a1["wall_s"] / a10["wall_s"]
    print(f"\n{len(pairs)} paired runs (decode-only s, analysis s, ratio): " + ", ".join(
        f"{p[0]['wall_s']:.2f} / {p[1]['wall_s']:.2f} = {p[1]['wall_s'] / p[0]['wall_s']:.3f}" for p in pairs)
        + "; the median pair is reported")
    print("  the same pairs in CPU time (s, all threads): "
          + ", ".join(_cpu_pair(p) for p in pairs))
    print("  network time of each analysis (s, summed over the workers; in the pairs' order): "
          + ", ".join(f"{p[1]['timings']['network']:.1f}" for p in pairs))
    cpu = sorted(p[1]["cpu_s"] / p[0]["cpu_s"] for p in pairs if p[0].get("cpu_s"))
    if cpu:
        busy = dec["cpu_s"] / dec["wall_s"] if dec.get("cpu_s") else float("nan")
        print(f"  analysis / decode-only in CPU time: median {cpu[len(cpu) // 2]:.3f} "
              f"(range {cpu[0]:.3f}-{cpu[-1]:.3f}); decode-only keeps {busy:.1f} of {os.cpu_count()} cores busy "
              "(where it fills them all, the wall ratio tends to the CPU ratio)")
    per_win = a1["timings"]["network"] / max(1, a1["windows"])
    # one median on a shared VM can land either side of the target: say how many pairs did
    under = sum(p[1]["wall_s"] / p[0]["wall_s"] <= RATIO_TARGET for p in pairs)
    print(f"model: {a1['model']}  (variant {a1['variant']}, precision {a1['precision']})")
    print(f"  decode-only            {d:8.2f} s   (the median pair's reference)")
    print(f"  analysis, hop 1 s      {a1['wall_s']:8.2f} s   analysis / decode-only {ratio:.3f} "
          f"(target <= {RATIO_TARGET}: {_mark(ratio <= RATIO_TARGET)}; {under} of {len(pairs)} pairs at or under it)"
          f"   real-time factor {dur / a1['wall_s']:.1f}x")
    print(f"                                    windows {a1['windows']}, network {a1['timings']['network']:.1f} s "
          f"summed over {os.cpu_count()} worker threads = {per_win * 1000:.0f} ms per window")
    print(f"  analysis, hop 10 s     {a10['wall_s']:8.1f} s   analysis / decode-only {a10['wall_s'] / d:.2f}   "
          f"windows {a10['windows']}")
    print(f"  hop 1 s / hop 10 s     {hop_ratio:8.2f}     (target <= 1.5: {_mark(hop_ratio <= 1.5)})")
    mem_ok = a_long["maxrss_mb"] < 1500 and a_long["maxrss_mb"] / a1["maxrss_mb"] < 1.15
    print(f"  peak memory {m1} min      {a1['maxrss_mb']:7.0f} MB")
    print(f"  peak memory {m2} min      {a_long['maxrss_mb']:7.0f} MB   ({m2}/{m1} min ratio "
          f"{a_long['maxrss_mb'] / a1['maxrss_mb']:.2f}; target independent of length and < 1500 MB: "
          f"{_mark(mem_ok)})   wall {a_long['wall_s']:.1f} s, ratio to {m1}-min decode x{m2 // m1}: "
          f"{a_long['wall_s'] / (d * m2 / m1):.2f}")
    if ratio <= RATIO_TARGET:
        return
    # wall(hop) ~ fixed + per_window * windows: fit on the two runs, solve for RATIO_TARGET x decode
    n1, n10 = a1["windows"], a10["windows"]
    slope = (a1["wall_s"] - a10["wall_s"]) / max(1, n1 - n10)
    fixed = a10["wall_s"] - slope * n10
    budget = RATIO_TARGET * d - fixed
    if slope <= 0 or budget <= slope:
        print(f"  no hop meets {RATIO_TARGET}x: the pass without windows already takes {fixed:.1f} s "
              f"({RATIO_TARGET} x decode = {RATIO_TARGET * d:.1f} s)")
        return
    n_max = int(budget / slope)
    hop = float(math.ceil((dur - 10.0) / max(1, n_max - 1)))  # whole seconds, rounded up
    print(f"  estimate: {fixed:.1f} s fixed + {slope:.3f} s per window -> at most {n_max} windows in "
          f"{RATIO_TARGET} x decode = {RATIO_TARGET * d:.1f} s, i.e. hop ~{hop:g} s")
    for _ in range(3):  # the per-window cost grows once the spare core is used up: widen the hop
        ah = run_child("analyze", v1, hop, name)
        r = ah["wall_s"] / d
        print(f"  measured at hop {hop:g} s: {ah['wall_s']:.1f} s, analysis / decode-only {r:.2f} "
              f"({_mark(r <= RATIO_TARGET)}), windows {ah['windows']}")
        if r <= RATIO_TARGET:
            break
        hop = float(math.ceil(hop * 1.5))


def main() -> None:
    ap = argparse.ArgumentParser(description="analysis speed / memory benchmark")
    ap.add_argument("--cache", type=Path, default=default_cache())
    ap.add_argument("--models", default="shipped,compact",
                    help="comma-separated: shipped, compact, paper (default shipped,compact)")
    ap.add_argument("--paper", action="store_true", help="same as adding 'paper' to --models")
    ap.add_argument("--short", action="store_true", help="2 and 6 minute files (quick check)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="paired decode-only / analysis runs per model at hop 1 s (median reported)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--hop", type=float, default=1.0, help=argparse.SUPPRESS)
    ap.add_argument("--model", default="compact", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)

    models = [m.strip() for m in args.models.split(",") if m.strip()] + (["paper"] if args.paper else [])
    if any(m.startswith("shipped") for m in models):
        from mulse_author.model import default_model_path

        if default_model_path() is None:
            print("no shipped model in trained/: the shipped-model figures are skipped")
            models = [m for m in models if not m.startswith("shipped")]
    m1, m2 = (2, 6) if args.short else (10, 30)
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"cache: {args.cache}  (cpu cores: {os.cpu_count()}, load avg: {os.getloadavg()[0]:.1f})")
    t0 = time.perf_counter()
    v1 = make_video(args.cache / f"bench_{m1}min_720p.mp4", m1)
    v2 = make_video(args.cache / f"bench_{m2}min_720p.mp4", m2)
    print(f"videos ready in {time.perf_counter() - t0:.0f} s: {v1.name}, {v2.name}")

    dec = run_child("decode", v1)
    print(f"{m1}-min 1280x720 video ({dec['frames']} frames):")
    print(f"  decode-only            {dec['wall_s']:8.1f} s   (reference, same run; peak memory "
          f"{dec['maxrss_mb']:.0f} MB)")
    for name in models:
        bench_model(name, v1, v2, dec, m1, m2, max(1, args.repeat))
    print(f"\nload avg at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
