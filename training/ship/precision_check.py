"""Validate bfloat16 inference of a model's aiSFX encoder against float32 on the validation split.

    python -m training.ship.precision_check --data CACHE_DIR --model trained --out FILE

Runs every cached validation clip (``training.ship.build_data``: the paper's log-mel, first 420
frames) through the model's audio path with the encoder's convolutions in float32 and in bfloat16
(:mod:`mulse_author.model.precision`), with the model card's thresholds, and reports: the score
differences (max, 99th percentile, mean |bf16 - fp32|), how many (clip, label) decisions flip, the
metrics of both (micro-F1, Hamming loss, exact-match ratio), and the encoder's seconds per
10 minutes of audio (stream feature map, one torch thread, each precision, measured here).
A model may list ``"bf16"`` in its card's ``inference.precisions`` only with this report.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from mulse_author.features import AUDIO_FRAMES
from mulse_author.model import load_checkpoint
from mulse_author.model.precision import native_bf16, set_precision
from training.metrics import evaluate_scores
from training.ship.build_data import load_split

BATCH = 16


def clip_scores(net, mel_db: np.ndarray) -> np.ndarray:
    """Sigmoid scores ``[N, 7]`` of cached clips ``[N, 60, >=420]`` (dB), audio path only."""
    out = []
    with torch.inference_mode():
        for i in range(0, len(mel_db), BATCH):
            x = torch.from_numpy(mel_db[i:i + BATCH, :, :AUDIO_FRAMES]).float().unsqueeze(1)
            out.append(torch.sigmoid(net.fuse(net.audio_embedding(x), None)).numpy())
    return np.concatenate(out)


def stream_seconds(enc, minutes: float = 10.0, repeat: int = 2) -> float:
    """Wall seconds of the stream feature map of ``minutes`` of noise-like mel power, 1 thread."""
    frames = int(minutes * 60 * 22050 / 512) // 8 * 8
    power = torch.rand(60, frames, generator=torch.Generator().manual_seed(0)) * 1e-3
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            enc.stream_feature_map(power[:, :4096])  # warm-up (fused weights, oneDNN kernels)
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                enc.stream_feature_map(power)
                best = min(best, time.perf_counter() - t0)
    finally:
        torch.set_num_threads(old)
    return best


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="cache of training.ship.build_data")
    ap.add_argument("--model", type=Path, default=Path("trained"))
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)

    net, card = load_checkpoint(a.model)
    net.eval()
    val = load_split(a.data, "val")
    y = val["y"].astype(np.int64)
    th = np.array(card.threshold_list())
    res: dict = {"model": str(a.model), "model_version": card.version, "validation_clips": int(len(y)),
                 "cpu": platform.processor() or platform.machine(), "native_bf16": native_bf16(),
                 "torch": torch.__version__}
    scores = {}
    for prec in ("fp32", "bf16"):
        set_precision(net, prec)
        t0 = time.perf_counter()
        scores[prec] = clip_scores(net, val["mel"])
        res[prec] = {"metrics": {k: v for k, v in evaluate_scores(y, scores[prec], th).to_dict().items()
                                 if k in ("micro_f1", "macro_f1", "hamming_loss", "exact_match_ratio")},
                     "validation_wall_s": round(time.perf_counter() - t0, 1),
                     "stream_s_per_10_min_1_thread": round(stream_seconds(net.audio.encoder), 2)}
        print(prec, json.dumps(res[prec]), flush=True)
    diff = np.abs(scores["bf16"] - scores["fp32"])
    flips = (scores["bf16"] >= th) != (scores["fp32"] >= th)
    res["score_abs_diff"] = {"max": float(diff.max()), "p99": float(np.quantile(diff, 0.99)),
                             "mean": float(diff.mean())}
    res["decisions"] = int(flips.size)
    res["decisions_flipped"] = int(flips.sum())
    res["flipped_per_label"] = {lab: int(n) for lab, n in zip(card.labels, flips.sum(0))}
    res["speedup_stream"] = round(res["fp32"]["stream_s_per_10_min_1_thread"]
                                  / res["bf16"]["stream_s_per_10_min_1_thread"], 2)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: res[k] for k in ("score_abs_diff", "decisions", "decisions_flipped",
                                           "flipped_per_label", "speedup_stream")}, indent=1))


if __name__ == "__main__":
    main()
