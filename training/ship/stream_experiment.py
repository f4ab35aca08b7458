"""Experiment: a window-independent aisfx front end (fixed level) so analysis can run the encoder
once over the stream and pool each window from that feature map.

    python -m training.ship.stream_experiment embed --data CACHE_DIR --aisfx ENC.safetensors --out DIR
    python -m training.ship.stream_experiment compare --data CACHE_DIR --emb DIR --shipped RESULTS/aisfx.json --out DIR
    python -m training.ship.stream_experiment speed --aisfx ENC.safetensors

``embed``: ``AisfxEncoder.from_mel_power_fixed_level`` of every cached clip's first 420 frames
(power = 10^(dB/10) of the cached log-mel; its top_db floor is 80 dB under the clip's peak, which
the stream front end does not have: the gap only touches bins far below the clip's peak).
``compare``: the shipped head's training (``compare_encoders.train_head``, same seed/epochs) on
these embeddings, metrics on the same validation clips, next to the shipped figures.
``speed``: ms per 10 s window at hop 1 s and hop 10 s, per-window path vs stream + pooling, on
noise, 2 threads; and how close pooled embeddings are to per-window ones.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from mulse_author.features import AUDIO_FRAMES
from training.ship.build_data import chunk_paths, load_split
from training.ship.embed_aisfx import N_TRAIN_EMB, load_encoder


def embed(a) -> None:
    enc = load_encoder(a.aisfx)
    a.out.mkdir(parents=True, exist_ok=True)
    for name, limit in (("val", None), ("train", N_TRAIN_EMB)):
        for p in chunk_paths(a.data, name):
            start = int(p.stem.split("_")[-1])
            if limit is not None and start >= limit:
                break
            out = a.out / f"aisfx_{p.name}"
            if out.exists():
                continue
            t0 = time.time()
            db = torch.from_numpy(np.load(p)["mel"][:, :, :AUDIO_FRAMES]).float()
            power = torch.pow(10.0, db / 10.0)
            with torch.inference_mode():
                emb = torch.cat([enc.from_mel_power_fixed_level(power[i:i + 16])
                                 for i in range(0, len(power), 16)]).numpy()
            tmp = out.with_suffix(".tmp.npz")
            np.savez(tmp, emb=emb)
            tmp.rename(out)
            print(f"stream-front-end {p.name}: {time.time() - t0:.0f} s", flush=True)


def compare(a) -> None:
    from training.ship.compare_encoders import metrics_block, train_head
    from training.ship.embed_aisfx import load_embeddings

    train, val = load_split(a.data, "train"), load_split(a.data, "val")
    train["emb"] = load_embeddings(a.emb, "train")
    val["emb"] = load_embeddings(a.emb, "val")
    yv = val["y"].astype(np.int64)
    head = train_head(train)
    with torch.inference_mode():
        sv = torch.sigmoid(head(torch.from_numpy(val["emb"]).float())).numpy()
    res = metrics_block(yv, sv)
    from training.ship.compare_encoders import HEAD_EPOCHS

    enc = load_encoder(a.aisfx)
    sp = speed_figures(enc, 120)
    res.update(name="aisfx_stream", train_clips=int(len(train["emb"])), epochs=HEAD_EPOCHS,
               parameters=sum(p.numel() for p in enc.parameters()) + sum(p.numel() for p in head.parameters()),
               ms_per_window_2_threads=sp["stream_ms_per_window_hop1"],
               ms_per_window_note="stream feature map + pooling per window at hop 1 s, 2 threads",
               speed=sp)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "aisfx_stream.json").write_text(json.dumps(res, indent=1))
    np.save(a.out / "aisfx_stream_val_scores.npy", sv)
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in head.state_dict().items()},
              str(a.out / "aisfx_stream_head.safetensors"))
    shipped = json.loads(a.shipped.read_text())
    for tag, r in (("shipped aisfx", shipped), ("aisfx_stream", res)):
        print(f"{tag:14s} micro-F1 @0.5 {r['at_0.5']['micro_f1']:.3f}  calibrated "
              f"{r['calibrated']['micro_f1']:.3f}  cross {r['cross_calibrated']['micro_f1']:.3f}  "
              f"Hamming {r['calibrated']['hamming_loss']:.3f}  exact {r['calibrated']['exact_match_ratio']:.3f}")


def speed(a) -> None:
    torch.set_num_threads(2)
    print(json.dumps(speed_figures(load_encoder(a.aisfx), a.seconds), indent=1))


def speed_figures(enc, secs: int) -> dict:
    """Per-window cost (ms) on ``secs`` s of noise, 2 threads: stream map + pooling at hop 1 s
    vs one window alone; and the gap between pooled and per-window embeddings."""
    from mulse_author.features.mel import mel_power, power_to_db

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(0)
    audio = torch.randn(secs * 22050, generator=g) * 0.05
    power = mel_power(audio).float()  # [60, T]
    fps = 22050 / 512
    starts = [int(round(s * fps)) for s in range(0, secs - 10 + 1)]
    out = {}
    with torch.inference_mode():
        t0 = time.perf_counter()
        fmap = enc.stream_feature_map(power)
        t_stream = time.perf_counter() - t0
        pooled = enc.pool_windows(fmap, starts, AUDIO_FRAMES)
        t_pool = time.perf_counter() - t0 - t_stream
        idx = starts[::10]
        t0 = time.perf_counter()
        per = torch.cat([enc.from_log_mel(power_to_db(power[:, s:s + AUDIO_FRAMES]).unsqueeze(0))
                         for s in idx])
        t_per = (time.perf_counter() - t0) / len(idx)
        fixed = torch.cat([enc.from_mel_power_fixed_level(power[:, s:s + AUDIO_FRAMES].unsqueeze(0))
                           for s in idx])
    diff = (pooled[::10] - fixed).abs()
    out = {"seconds": secs, "stream_fmap_ms_per_s_audio": 1000 * t_stream / secs,
           "pool_ms_per_window": 1000 * t_pool / len(starts),
           "stream_ms_per_window_hop1": 1000 * (t_stream + t_pool) / len(starts),
           "per_window_ms": 1000 * t_per,
           "pooled_vs_window_max_abs": float(diff.max()),
           "pooled_vs_window_rel": float(diff.norm() / fixed.norm())}
    torch.set_num_threads(threads)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("embed", "compare", "speed"))
    ap.add_argument("--data", type=Path)
    ap.add_argument("--aisfx", type=Path)
    ap.add_argument("--emb", type=Path)
    ap.add_argument("--shipped", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    {"embed": embed, "compare": compare, "speed": speed}[a.step](a)


if __name__ == "__main__":
    main()
