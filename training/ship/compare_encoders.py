"""Train and compare the two audio encoders on the SAME cached train/validation clips.

    python -m training.ship.compare_encoders --data CACHE_DIR --out RESULTS_DIR

(a) ``compact``: the paper's audio module trained from scratch (``ModelConfig.compact("audio")``,
    input: the engine's log-mel, 420 frames; random 420-frame crops of the 431 cached frames
    in training), Adam, fixed epochs (no early stopping on validation).
(b) ``aisfx``: the frozen pre-trained aiSFX CNN (embeddings of the cached log-mels, from
    ``training.ship.embed_aisfx``; the first ``N_TRAIN_EMB`` training clips) + a small MLP head
    (standardised 1024-d input -> 256 -> 7), Adam, fixed epochs.

For each: validation scores, thresholds calibrated on validation (``training.metrics``),
metrics at 0.5 and at the calibrated thresholds, plus "cross-calibrated" metrics (thresholds
calibrated on one half of the validation clips and applied to the other half, both ways) which
do not reuse the same clips for choosing and scoring; inference speed per 10 s window on 2
threads; parameter count. Writes ``RESULTS_DIR/<name>.json`` and the compact checkpoint.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mulse_author.features import AUDIO_FRAMES
from mulse_author.labels import LABELS
from mulse_author.model import BimodalNet, ModelConfig
from training.metrics import calibrate_thresholds, evaluate_scores
from training.ship.build_data import load_split
from training.ship.embed_aisfx import load_embeddings

SEED = 0
COMPACT_EPOCHS = 20
COMPACT_LR = 1e-3
HEAD_EPOCHS = 60
HEAD_LR = 1e-3
BATCH = 32


def _seed(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def metrics_block(y: np.ndarray, scores: np.ndarray) -> dict:
    """Metrics at 0.5, at thresholds calibrated on all of validation, and cross-calibrated."""
    th = calibrate_thresholds(y, scores)
    at_half = evaluate_scores(y, scores, 0.5).to_dict()
    calibrated = evaluate_scores(y, scores, th).to_dict()
    # two-fold: calibrate on even clips, score odd clips, and vice versa; pool the decisions
    idx = np.arange(len(y))
    pred = np.zeros_like(y)
    for a, b in ((idx % 2 == 0, idx % 2 == 1), (idx % 2 == 1, idx % 2 == 0)):
        t = calibrate_thresholds(y[a], scores[a])
        pred[b] = (scores[b] >= t).astype(y.dtype)
    cross = evaluate_scores(y, pred.astype(np.float64), 0.5).to_dict()
    return {"thresholds": [float(x) for x in th], "at_0.5": at_half, "calibrated": calibrated,
            "cross_calibrated": {k: cross[k] for k in ("micro_f1", "macro_f1", "hamming_loss",
                                                       "exact_match_ratio")}}


# ------------------------------------------------------------------------ (a) compact
def train_compact(train: dict, val: dict, epochs: int = COMPACT_EPOCHS, log=print):
    _seed(SEED)
    net = BimodalNet(ModelConfig.compact("audio"))
    opt = torch.optim.Adam(net.parameters(), lr=COMPACT_LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    mel = torch.from_numpy(train["mel"])  # float16 [N, 60, 431]
    y = torch.from_numpy(train["y"]).float()
    g = torch.Generator().manual_seed(SEED)
    n, width = len(y), mel.shape[-1]
    for ep in range(epochs):
        net.train()
        order = torch.randperm(n, generator=g)
        total = 0.0
        t0 = time.time()
        for i in range(0, n, BATCH):
            b = order[i:i + BATCH]
            off = int(torch.randint(0, width - AUDIO_FRAMES + 1, (1,), generator=g))
            x = mel[b, :, off:off + AUDIO_FRAMES].float().unsqueeze(1)
            loss = F.binary_cross_entropy_with_logits(net(x, None), y[b]) + net.regularization_loss()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
        sched.step()
        log(f"compact epoch {ep + 1}/{epochs}: loss {total / n:.4f} ({time.time() - t0:.0f} s)")
    return net.eval()


def compact_scores(net: BimodalNet, mel: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(mel[:, :, :AUDIO_FRAMES]).float().unsqueeze(1)
    with torch.inference_mode():
        return torch.cat([torch.sigmoid(net(x[i:i + 256], None)) for i in range(0, len(x), 256)]).numpy()


# ------------------------------------------------------------------------ (b) aisfx head
class AisfxHead(nn.Module):
    """Standardised aisfx embedding [B, 1024] -> 7 logits."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, hidden: int = 256, dropout: float = 0.3):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.net = nn.Sequential(nn.Dropout(0.1), nn.Linear(mean.numel(), hidden), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(hidden, len(LABELS)))

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        return self.net((emb - self.mean) / self.std)


def train_head(train: dict, epochs: int = HEAD_EPOCHS, log=print) -> AisfxHead:
    _seed(SEED)
    emb = torch.from_numpy(train["emb"]).float()
    y = torch.from_numpy(train["y"][: len(emb)]).float()
    head = AisfxHead(emb.mean(0), emb.std(0).clamp_min(1e-6))
    opt = torch.optim.Adam(head.parameters(), lr=HEAD_LR, weight_decay=1e-4)
    g = torch.Generator().manual_seed(SEED)
    for ep in range(epochs):
        head.train()
        order = torch.randperm(len(y), generator=g)
        total = 0.0
        for i in range(0, len(y), BATCH):
            b = order[i:i + BATCH]
            loss = F.binary_cross_entropy_with_logits(head(emb[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
        if (ep + 1) % 10 == 0:
            log(f"aisfx head epoch {ep + 1}/{epochs}: loss {total / len(y):.4f}")
    return head.eval()


# ------------------------------------------------------------------------ speed
def window_speed_ms(fn, x: torch.Tensor, repeat: int = 3) -> float:
    """Median wall time per window (ms) of ``fn`` on the batch ``x``, 2 threads."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with torch.inference_mode():
            fn(x)
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn(x)
                times.append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    return 1000 * float(np.median(times)) / len(x)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--aisfx", type=Path, required=True, help="converted aisfx safetensors")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", choices=("compact", "aisfx"))
    ap.add_argument("--compact-epochs", type=int, default=COMPACT_EPOCHS)
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    a.out.mkdir(parents=True, exist_ok=True)
    train, val = load_split(a.data, "train"), load_split(a.data, "val")
    if a.only in (None, "aisfx"):
        train["emb"] = load_embeddings(a.data, "train")
        val["emb"] = load_embeddings(a.data, "val")
    yv = val["y"].astype(np.int64)
    print(f"train {len(train['y'])} clips, val {len(yv)} clips; val label counts {yv.sum(0).tolist()}")
    rng = torch.Generator().manual_seed(0)
    audio = torch.randn(16, 220500, generator=rng) * 0.05  # speed test input (noise)
    from mulse_author.features import log_mel

    mel = log_mel(audio)[:, :, :AUDIO_FRAMES].unsqueeze(1)

    if a.only in (None, "aisfx"):
        from safetensors.torch import load_file

        from mulse_author.model.encoders.aisfx import AisfxEncoder

        t0 = time.time()
        head = train_head(train)
        with torch.inference_mode():
            sv = torch.sigmoid(head(torch.from_numpy(val["emb"]).float())).numpy()
        enc = AisfxEncoder()
        enc.load_state_dict(load_file(str(a.aisfx)))
        enc.eval()
        res = metrics_block(yv, sv)
        res.update(name="aisfx", train_s=round(time.time() - t0, 1),
                   parameters=sum(p.numel() for p in enc.parameters()) + sum(p.numel() for p in head.parameters()),
                   ms_per_window_2_threads=window_speed_ms(lambda x: head(enc.from_log_mel(x)), mel[:8]),
                   epochs=HEAD_EPOCHS, train_clips=int(len(train["emb"])))
        (a.out / "aisfx.json").write_text(json.dumps(res, indent=1))
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(a.out / "aisfx_head.safetensors"))
        print(f"aisfx: micro-F1 calibrated {res['calibrated']['micro_f1']:.3f}, at 0.5 "
              f"{res['at_0.5']['micro_f1']:.3f}, cross {res['cross_calibrated']['micro_f1']:.3f}, "
              f"{res['ms_per_window_2_threads']:.1f} ms/window")

    if a.only in (None, "compact"):
        t0 = time.time()
        net = train_compact(train, val, a.compact_epochs)
        sv = compact_scores(net, val["mel"])
        res = metrics_block(yv, sv)
        mel = log_mel(audio)[:, :, :AUDIO_FRAMES].unsqueeze(1)
        res.update(name="compact", train_s=round(time.time() - t0, 1),
                   parameters=net.num_parameters(),
                   ms_per_window_2_threads=window_speed_ms(lambda x: net(x, None), mel),
                   ms_per_window_2_threads_with_log_mel=window_speed_ms(
                       lambda x: net(log_mel(x)[:, :, :AUDIO_FRAMES].unsqueeze(1), None), audio[:8]),
                   epochs=a.compact_epochs, train_clips=int(len(train["y"])))
        (a.out / "compact.json").write_text(json.dumps(res, indent=1))
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(a.out / "compact.safetensors"))
        np.save(a.out / "compact_val_scores.npy", sv)
        print(f"compact: micro-F1 calibrated {res['calibrated']['micro_f1']:.3f}, at 0.5 "
              f"{res['at_0.5']['micro_f1']:.3f}, cross {res['cross_calibrated']['micro_f1']:.3f}, "
              f"{res['ms_per_window_2_threads']:.2f} ms/window")


if __name__ == "__main__":
    main()
