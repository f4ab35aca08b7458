"""Experiment: region layouts pooled from stage 2c's feature maps, compared by leave-one-fold-out
cross-validation (never the test packages).

    python scripts/model2/experiments/layouts.py --work WORK --layouts 42 21 21c42 11c42 [--extra fmaps_aug]

A layout ``P`` pools P map frames (the span the segmentation sees); ``PcC`` adds the max/mean
of a C-frame context centred on it (embedding 2048).  Prints the tuned CV figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.detect.inference import FMAP_S  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from training.events import Event  # noqa: E402
from training.fmaps import map_regions  # noqa: E402
from training.heads import HeadConfig, train_head  # noqa: E402
from training.timelines import region_targets  # noqa: E402
from training.tuning import Soundtrack, evaluate, tune  # noqa: E402


def parse(layout: str) -> tuple[int, int]:
    p, _, c = layout.partition("c")
    return int(p), int(c or 0)


def embed(fmap: np.ndarray, pad_fmap: int, frames: int, context: int, hop_s: float):
    return map_regions(fmap, pad_fmap, hop_s, frames, context)


class Fold:
    def __init__(self, npz: Path, frames: int, context: int, hop_s: float = 1.0):
        d = np.load(npz)
        meta = json.loads(npz.with_suffix(".json").read_text())
        pad = meta["pad_fmap"]
        self.frames = frames
        self.x, self.y, self.tracks_meta = [], [], []
        for i, t in enumerate(meta["timelines"]):
            e, q = embed(d[f"tl{i}"], pad, frames, context, hop_s)
            evs = [Event(lab, a, b) for lab, a, b in t["events"]]
            self.x.append(e)
            self.y.append(region_targets(evs, q * FMAP_S, frames * FMAP_S, LABELS))
            self.tracks_meta.append(dict(q=q, duration_s=t["duration_s"], env=d[f"env{i}"], events=evs))
        for j, r in enumerate(meta.get("recordings", [])):
            for g in meta["gains_db"]:
                e, q = embed(d[f"rec{j}_{-g}"], pad, frames, context, hop_s)
                y = np.zeros((len(q), len(LABELS)), np.float32)
                y[:, LABELS.index(r["label"])] = 1.0
                self.x.append(e)
                self.y.append(y)
                self.tracks_meta.append(dict(q=q, duration_s=r["duration_s"], env=None, label=r["label"], gain=g))
        self.X = np.concatenate(self.x)
        self.Y = np.concatenate(self.y)

    def tracks(self, scores: np.ndarray) -> list[Soundtrack]:
        out, i = [], 0
        for m in self.tracks_meta:
            n = len(m["q"])
            s = scores[i:i + n]
            i += n
            if "events" in m:
                out.append(Soundtrack(s, m["q"], m["duration_s"], m["env"], events=m["events"],
                                      pool_frames=self.frames))
            else:
                out.append(Soundtrack(s, m["q"], m["duration_s"], None, label=m["label"], gain_db=float(m["gain"]),
                                      pool_frames=self.frames))
        return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--layouts", nargs="+", default=["42", "21", "21c42", "11c42"])
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--passes", type=int, default=1)
    ap.add_argument("--extra", nargs="*", default=[], help="train also on these WORK/<dir>s (never scored)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    cfg = HeadConfig(hidden=a.hidden, epochs=40, dropout=0.4)
    out = a.work / "layouts"
    out.mkdir(exist_ok=True)
    for layout in a.layouts:
        t0 = time.time()
        frames, context = parse(layout)
        folds = [Fold(p, frames, context) for p in sorted((a.work / "fmaps").glob("fold?.npz"))]
        more = [Fold(p, frames, context) for d in a.extra for p in sorted((a.work / d).glob("fold?.npz"))]
        tag = f"{layout}_h{a.hidden}" + "".join("_" + d for d in a.extra)
        cache = out / f"oof_{tag}.npz"
        if cache.exists():
            sc = dict(np.load(cache))
        else:
            sc = {}
            for k, f in enumerate(folds):
                xs = np.concatenate([g.X for j, g in enumerate(folds + more) if j % len(folds) != k])
                ys = np.concatenate([g.Y for j, g in enumerate(folds + more) if j % len(folds) != k])
                sc[f"fold{k}"] = train_head(xs, ys, cfg).scores(f.X)
            np.savez(cache, **sc)
        tracks = [t for k, f in enumerate(folds) for t in f.tracks(sc[f"fold{k}"])]
        d = evaluate(tracks, DetectionSettings(), {lab: 0.5 for lab in LABELS})
        print(f"[{layout}] default: {d.summary()}", flush=True)
        s, th, fig, _ = tune(tracks, passes=a.passes, log=lambda m: None)
        res = {"layout": tag, "settings": str(s), "thresholds": th, "tuned": fig.summary(),
               "seconds": time.time() - t0}
        print(f"[{layout}] tuned: {json.dumps(res)}", flush=True)
        (out / f"res_{tag}.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
