"""Experiment: which training material makes the head hear events over a noise floor?

One mlp512 head (seed 0) is trained on folds 1-3 of stage 2b's regions plus, from each of those
folds, the stage-2c sets named with ``--train-extra``; fold 0 is held out.  Printed (one JSON line):

* fold 0's recordings alone on digital silence (stage 2b's regions at 0 dB), and the same
  recordings over a floor (:func:`training.timelines.noisy_tracks`: hiss, pink noise, room tone or
  hum) at -45 dBFS 20-30 dB under the event and at -30 dBFS 10-20 dB under it: the share whose
  label scores above 0.5 somewhere;
* the demo's synthesised gunshot (as ``tests/detect/test_every_instant.py`` cuts it): in 60 s of
  silence, over -50 dBFS white hiss (and -65, -60, -55, -40 dBFS, three noise draws each), at 0 s, in a 2 s file, and flush with the end of files of
  9-60 s: its highest Gunshot score;
* everyday clips (``--everyday``, ``training/fetch/get_everyday_audio.sh``) with any label above
  0.5 somewhere: a quick proxy of the report's everyday check (no segmentation, no thresholds).

    python scripts/model2/experiments/floors.py --work WORK --encoder trained --everyday EVERYDAY \\
        --train-extra fmaps_aug fmaps_noisy fmaps_neg_soft_noisy

The probes' embeddings are cached in WORK/floors_probe.npz (computed once, with ``--encoder``).
Cross-validation material only: never the held-out sets.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.media import load_audio  # noqa: E402
from mulse_author.model.precision import native_bf16  # noqa: E402
from mulse_author.spec import SAMPLE_RATE as SR  # noqa: E402
from training.aisfx_weights import load_encoder  # noqa: E402
from training.datasets.recordings import Recording  # noqa: E402
from training.fmaps import map_regions, stream_map  # noqa: E402
from training.heads import HeadConfig, train_head  # noqa: E402
from training.probes import demo_gunshot, placed  # noqa: E402
from training.timelines import noisy_tracks  # noqa: E402

stage3b = importlib.import_module("3b_select_tune")
GUN = LABELS.index("Gunshot")
END_LENGTHS_S = (9, 12, 20, 30, 60)


def probes(enc, fold0: stage3b.Fold, everyday: Path | None) -> dict[str, np.ndarray]:
    """Region embeddings of every probe (see the module text), with ids for the multi-track ones."""
    out: dict[str, np.ndarray] = {}

    def embed(name: str, tracks: list[np.ndarray]) -> None:
        embs = [map_regions(stream_map(enc, t))[0] for t in tracks]
        out[name] = np.concatenate(embs)
        out[name + "_id"] = np.concatenate([np.full(len(e), i) for i, e in enumerate(embs)])

    recs = [Recording(r["path"], (r["label"],), "") for r in fold0.meta["recordings"]]
    for name, level, snr in (("floor45", (-45, -45), (20, 30)), ("floor30", (-30, -30), (10, 20))):
        tracks = noisy_tracks(recs, 1, 4242, level_dbfs=level, snr_db=snr)
        embed(name, [a for a, _ in tracks])
        out[name + "_label"] = np.array([LABELS.index(t[0].label) for _, t in tracks])
    gun = demo_gunshot()
    demo = {"silence": placed(gun, 60, 30), "hiss50": placed(gun, 60, 30, -50), "at0": placed(gun, 60, 0),
            "file2s": placed(gun, 2, 0.5)}
    # the every-instant test's hiss levels, and -55/-65 dBFS where candidate C3 dipped (three draws)
    demo.update({f"hiss{-lv}_{n}": placed(gun, 60, 30, lv, n) for lv in (-65, -60, -55, -40) for n in range(3)})
    demo.update({f"end{t}": placed(gun, t, t - len(gun) / SR) for t in END_LENGTHS_S})
    embed("demo", list(demo.values()))
    out["demo_names"] = np.array(list(demo))
    if everyday is not None:
        embed("everyday", [load_audio(p) for p in sorted((everyday / "test" / "everyday").glob("*")) if p.is_file()])
    return out


def _hits(scores: np.ndarray, ids: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean([scores[ids == i, labels[i]].max() > 0.5 for i in range(len(labels))]))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--encoder", type=Path, default=Path("trained"))
    ap.add_argument("--everyday", type=Path)
    ap.add_argument("--train-extra", nargs="*", default=["fmaps_aug"], metavar="DIR")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    folds = stage3b.load_folds(a.work)
    cache = a.work / "floors_probe.npz"
    if not cache.exists() or "hiss60_0" not in np.load(cache)["demo_names"]:  # made before the hiss probes
        enc = load_encoder(a.encoder)
        enc.precision = "bf16" if native_bf16() else "fp32"  # as stage 2c stored the training maps
        np.savez(cache, **probes(enc, folds[0], a.everyday))
    p = np.load(cache)
    xs, ys = [f.x("emb") for f in folds[1:]], [f.y for f in folds[1:]]
    for k in range(1, len(folds)):
        for x, y in stage3b.extra_examples(a.work, a.train_extra, k):
            xs.append(x)
            ys.append(y)
    head = train_head(np.concatenate(xs), np.concatenate(ys), HeadConfig(hidden=512, epochs=40, dropout=0.4, seed=a.seed))
    f0 = folds[0].arrays
    s = head.scores(f0["rec_emb"])
    on_silence = [s[(f0["rec_id"] == j) & (f0["rec_gain"] == 0), LABELS.index(r["label"])].max() > 0.5
                  for j, r in enumerate(folds[0].meta["recordings"])]
    res = {"train_extra": a.train_extra, "on_silence": round(float(np.mean(on_silence)), 3)}
    for name in ("floor45", "floor30"):
        res[name] = round(_hits(head.scores(p[name]), p[name + "_id"], p[name + "_label"]), 3)
    s = head.scores(p["demo"])
    res["demo_gunshot"] = {str(n): round(float(s[p["demo_id"] == i, GUN].max()), 2) for i, n in enumerate(p["demo_names"])}
    if "everyday" in p.files:
        s, ids = head.scores(p["everyday"]), p["everyday_id"]
        peak = np.stack([s[ids == i].max(0) for i in np.unique(ids)])
        res["everyday_clips_over_half"] = int((peak > 0.5).any(1).sum())
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
