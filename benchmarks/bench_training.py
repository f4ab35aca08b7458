"""Benchmark: training throughput (clips per second) of the bimodal network on this machine.

For the paper's network and the compact one (bimodal variant, 10 s inputs: log-mel 60x420 and
32 frames of 32x32), times full SGD steps (forward, BCE + L2, backward, Nesterov update) on
random batches after a warm-up step, and prints clips/s. Reference measured in the same run:
log-mel feature extraction of 10 s clips (clips/s), so the ratio says how many clips' worth of
features could be computed in the time one clip is trained on.

Usage: python benchmarks/bench_training.py [--batch 32] [--steps 3] [--configs paper compact]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

import torch  # noqa: E402

from mulse_author.features.mel import log_mel  # noqa: E402
from mulse_author.model import BimodalNet, ModelConfig  # noqa: E402
from mulse_author.spec import SAMPLE_RATE  # noqa: E402
from training.config import OptimConfig  # noqa: E402
from training.loop import LossModel  # noqa: E402


def train_clips_per_s(cfg: ModelConfig, batch: int, steps: int) -> tuple[float, float]:
    torch.manual_seed(0)
    net = BimodalNet(cfg)
    lm = LossModel(net)
    opt = OptimConfig().build(net.parameters())  # the paper's SGD Nesterov
    mel = torch.randn(batch, 1, cfg.n_mels, cfg.audio_frames) * 20 - 40
    frames = torch.rand(batch, cfg.video_frames, 3, cfg.frame_size, cfg.frame_size)
    y = (torch.rand(batch, 7) < 0.3).float()

    def step():
        opt.zero_grad(set_to_none=True)
        lm(mel, frames, y).backward()
        opt.step()

    step()  # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        step()
    train = batch * steps / (time.perf_counter() - t)
    net.eval()
    with torch.no_grad():
        net(mel, frames)
        t = time.perf_counter()
        for _ in range(steps):
            net(mel, frames)
        infer = batch * steps / (time.perf_counter() - t)
    return train, infer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--configs", nargs="+", default=["paper", "compact"])
    args = ap.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch}, "
          f"{args.steps} timed steps")
    x = torch.randn(args.batch, 10 * SAMPLE_RATE) * 0.1
    log_mel(x[:2])
    t = time.perf_counter()
    log_mel(x)
    mel_rate = args.batch / (time.perf_counter() - t)
    print(f"reference: log-mel extraction {mel_rate:8.1f} clips/s (10 s clips)")
    for name in args.configs:
        cfg = getattr(ModelConfig, name)("bimodal")
        n_par = BimodalNet(cfg).num_parameters()
        tr, inf = train_clips_per_s(cfg, args.batch, args.steps)
        print(f"{name:8s} bimodal ({n_par / 1e6:5.2f} M params): train {tr:7.1f} clips/s, "
              f"inference {inf:7.1f} clips/s, train/log-mel ratio {tr / mel_rate:.3f}; "
              f"one epoch of 14 000 clips (the paper's 7 x 2000) ~ {14000 / tr / 60:.1f} min")


if __name__ == "__main__":
    main()
