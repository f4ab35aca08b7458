"""Experiment: a frame-level head (each feature-map frame, with the mean of its +-K neighbours)
trained on strong frame targets of the cross-validation timelines; a region's score is the max
(or the mean of the top 3) of its frames' scores.  Leave-one-fold-out, tuned as stage 3b tunes.

    python scripts/model2/experiments/frames.py --work WORK --frames 42 --ctx 5 [--extra fmaps_aug]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.detect.inference import EDGE_PAD, FMAP_S, region_starts  # noqa: E402
from mulse_author.detect.segmentation import DetectionSettings  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.spec import FMAP_STRIDE, HOP  # noqa: E402
from training.heads import HeadConfig, train_head  # noqa: E402
from training.tuning import Soundtrack, evaluate, tune  # noqa: E402

_spec = importlib.util.spec_from_file_location("lay", Path(__file__).with_name("layouts.py"))
lay = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lay)


def frame_features(fmap: np.ndarray, ctx: int) -> np.ndarray:
    f = fmap.astype(np.float32)
    c = np.cumsum(np.pad(f, ((ctx + 1, ctx), (0, 0))), axis=0)
    mean = (c[2 * ctx + 1:] - c[:-2 * ctx - 1]) / (2 * ctx + 1)
    return np.concatenate([f, mean], axis=1)


def active_frames(env_ms: np.ndarray, n: int) -> np.ndarray:
    """Frames (map frames) whose 512-sample blocks are within 40 dB of the loudest."""
    on = env_ms >= env_ms.max() * 1e-4 if len(env_ms) else np.zeros(0, bool)
    k = np.zeros(n, bool)
    idx = np.flatnonzero(on) // FMAP_STRIDE
    k[idx[idx < n]] = True
    return k


class FFold:
    def __init__(self, npz: Path, frames: int, ctx: int, scored: bool = True):
        d = np.load(npz)
        meta = json.loads(npz.with_suffix(".json").read_text())
        pad = meta["pad_fmap"] + EDGE_PAD // FMAP_STRIDE
        self.frames = frames
        self.X, self.Y, self.items = [], [], []
        for i, t in enumerate(meta["timelines"]):
            fm = d[f"tl{i}"]
            n = fm.shape[0] - 2 * pad
            feats = frame_features(fm, ctx)
            y = np.zeros((n, len(LABELS)), np.float32)
            t0 = np.arange(n) * FMAP_S
            for lab, a, b in t["events"]:
                y[(t0 + FMAP_S > a) & (t0 < b), LABELS.index(lab)] = 1
            self.X.append(feats[pad:pad + n])
            self.Y.append(y)
            self.items.append(dict(feats=feats, pad=pad, n=n, duration_s=t["duration_s"], env=d[f"env{i}"],
                                   events=[lay.Event(*e) for e in t["events"]]))
        for j, r in enumerate(meta.get("recordings", [])):
            for g in meta["gains_db"]:
                fm = d[f"rec{j}_{-g}"]
                n = fm.shape[0] - 2 * pad
                feats = frame_features(fm, ctx)
                if g == 0:  # training frames: the active part, once
                    from mulse_author.media import load_audio  # noqa
                    y = np.zeros((n, len(LABELS)), np.float32)
                    x = feats[pad:pad + n]
                    e = (np.asarray(load_audio(r["path"]), np.float64)[: n * FMAP_STRIDE * HOP] ** 2)
                    nb = len(e) // HOP
                    env = e[: nb * HOP].reshape(nb, HOP).mean(1) if nb else np.zeros(0)
                    act = active_frames(env, n)
                    y[act, LABELS.index(r["label"])] = 1
                    self.X.append(x)
                    self.Y.append(y)
                self.items.append(dict(feats=feats, pad=pad, n=n, duration_s=r["duration_s"], env=None,
                                       label=r["label"], gain=g))
        self.X = np.concatenate(self.X)
        self.Y = np.concatenate(self.Y)

    def tracks(self, head, reduce: str) -> list[Soundtrack]:
        out = []
        for it in self.items:
            p = head.scores(it["feats"])  # every frame incl. padding
            q = region_starts(it["n"], 1.0, self.frames)
            rows = np.stack([p[a + it["pad"]: a + it["pad"] + self.frames] for a in q])  # [W, P, 7]
            s = rows.max(1) if reduce == "max" else np.sort(rows, axis=1)[:, -3:].mean(1)
            if "events" in it:
                out.append(Soundtrack(s, q, it["duration_s"], it["env"], events=it["events"], pool_frames=self.frames))
            else:
                out.append(Soundtrack(s, q, it["duration_s"], None, label=it["label"], gain_db=float(it["gain"]),
                                      pool_frames=self.frames))
        return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--frames", type=int, default=42)
    ap.add_argument("--ctx", type=int, default=5)
    ap.add_argument("--reduce", default="max")
    ap.add_argument("--extra", nargs="*", default=[])
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    folds = [FFold(p, a.frames, a.ctx) for p in sorted((a.work / "fmaps").glob("fold?.npz"))]
    more = [FFold(p, a.frames, a.ctx) for d in a.extra for p in sorted((a.work / d).glob("fold?.npz"))]
    cfg = HeadConfig(hidden=256, epochs=8, dropout=0.3, batch=256)
    tracks = []
    for k, f in enumerate(folds):
        xs = np.concatenate([g.X for j, g in enumerate(folds + more) if j % len(folds) != k])
        ys = np.concatenate([g.Y for j, g in enumerate(folds + more) if j % len(folds) != k])
        head = train_head(xs, ys, cfg)
        tracks += f.tracks(head, a.reduce)
        print(f"fold {k} {len(xs)} frames, {time.time() - t0:.0f} s", flush=True)
    d = evaluate(tracks, DetectionSettings(), {lab: 0.5 for lab in LABELS})
    print(f"default: {d.summary()}", flush=True)
    s, th, fig, _ = tune(tracks, passes=1, log=lambda m: None)
    tag = f"F{a.frames}_c{a.ctx}_{a.reduce}" + "".join("_" + d for d in a.extra)
    res = {"layout": tag, "settings": str(s), "thresholds": th, "tuned": fig.summary(), "seconds": time.time() - t0}
    print(f"tuned: {json.dumps(res)}", flush=True)
    (a.work / "layouts" / f"res_{tag}.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
