"""Per-window inference time of the two audio encoders on N CPU threads (default 2).

    python -m training.ship.bench_window_speed [--threads 2]

Times ``net.audio_embedding`` + ``net.fuse`` for a batch of 16 log-mel windows (10 s each), as the
app's detector calls them, for (a) the compact paper audio module and (b) the frozen aisfx
encoder + head; weights and inputs are random (time does not depend on their values). Prints ms
per window and, as the reference measured in the same run, the time of the windows' STFT
(``torch.stft``, n_fft 1024, hop 512: the first step of the log-mel).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from mulse_author.model import BimodalNet, ModelConfig


def _time(fn, repeat: int = 5) -> float:
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, help="also write the figures as JSON")
    a = ap.parse_args(argv)
    res = {"threads": a.threads, "cpu": platform.processor() or platform.machine(), "torch": torch.__version__}
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    audio = torch.randn(16, 220500) * 0.05
    win = torch.hann_window(1024)
    ref = _time(lambda: torch.stft(audio, 1024, 512, window=win, return_complex=True).abs())
    mel = -80 * torch.rand(16, 1, 60, 420)  # dB-like values
    nets = {"compact": BimodalNet(ModelConfig.compact("audio"))}
    try:
        nets["aisfx"] = BimodalNet(ModelConfig.compact("audio").replace(audio_encoder="aisfx", embedding_dim=256))
    except TypeError:
        print("aisfx: ModelConfig has no audio_encoder option in this checkout")
    print(f"threads {a.threads}; reference: STFT of a 10 s window {1000 * ref / 16:.2f} ms")
    res["stft_ms_per_window"] = 1000 * ref / 16
    for name, net in nets.items():
        net.eval()
        with torch.inference_mode():
            t = _time(lambda: net.fuse(net.audio_embedding(mel), None))
        print(f"{name}: {1000 * t / 16:.2f} ms per 10 s window ({t / ref:.1f}x the STFT time); "
              f"2 h film at hop 1 s = {7200 * t / 16 / 60:.1f} min")
        res[f"{name}_ms_per_window"] = 1000 * t / 16
    if a.out:
        a.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
