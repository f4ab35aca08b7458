"""aisfx embeddings of the cached clips, from their log-mel (the front end the app can use).

    python -m training.ship.embed_aisfx --data CACHE_DIR --aisfx ENCODER.safetensors [--n-train N]

For every cached chunk ``<split>_<start>.npz`` (all validation chunks, training chunks up to
``--n-train`` clips) writes ``aisfx_<split>_<start>.npz`` with ``emb [n, 1024]`` =
``AisfxEncoder.from_log_mel`` of the clip's first 420 log-mel frames (resumable).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from mulse_author.features import AUDIO_FRAMES
from mulse_author.model.encoders.aisfx import AisfxEncoder
from training.ship.build_data import chunk_paths

N_TRAIN_EMB = 2400  # training clips embedded


def load_encoder(path: Path) -> AisfxEncoder:
    enc = AisfxEncoder()
    enc.load_state_dict(load_file(str(path)))
    return enc.eval()


def embed_chunks(cache: Path, enc: AisfxEncoder, name: str, limit: int | None,
                 out_dir: Path | None = None) -> None:
    for p in chunk_paths(cache, name):
        start = int(p.stem.split("_")[-1])
        if limit is not None and start >= limit:
            break
        out = (out_dir or cache) / f"aisfx_{p.name}"
        if out.exists():
            continue
        t0 = time.time()
        mel = torch.from_numpy(np.load(p)["mel"][:, :, :AUDIO_FRAMES]).float()
        with torch.inference_mode():
            emb = torch.cat([enc.from_log_mel(mel[i:i + 16]) for i in range(0, len(mel), 16)]).numpy()
        tmp = out.with_suffix(".tmp.npz")
        np.savez(tmp, emb=emb)
        tmp.rename(out)
        print(f"aisfx {p.name}: {time.time() - t0:.0f} s", flush=True)


def load_embeddings(cache: Path, name: str) -> np.ndarray:
    parts = sorted(cache.glob(f"aisfx_{name}_[0-9]*.npz"))
    if not parts:
        raise FileNotFoundError(f"no aisfx embeddings for {name} in {cache}; run training.ship.embed_aisfx")
    return np.concatenate([np.load(p)["emb"] for p in parts])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--aisfx", type=Path, required=True)
    ap.add_argument("--n-train", type=int, default=N_TRAIN_EMB)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out-dir", type=Path, help="write the embeddings here (default: --data)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    enc = load_encoder(a.aisfx)
    embed_chunks(a.data, enc, "val", None, a.out_dir)
    embed_chunks(a.data, enc, "train", a.n_train, a.out_dir)


if __name__ == "__main__":
    main()
