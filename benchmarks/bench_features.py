"""Benchmark: torch log-mel vs librosa (the reference) on 60 s of audio, measured in one run.

Prints the time of each (best of N runs), the speed ratio librosa / torch, and the largest dB
difference. Usage: python benchmarks/bench_features.py [--seconds 60] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from mulse_author.features.mel import StreamingLogMel, log_mel  # noqa: E402
from mulse_author.spec import HOP, N_FFT, N_MELS, SAMPLE_RATE  # noqa: E402


def best_of(fn, repeats: int) -> float:
    fn()  # warm-up (filter bank cache, FFT plans)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = int(args.seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    y = (0.3 * rng.standard_normal(n) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.2 * t))
         + 0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)

    def ref():
        S = librosa.feature.melspectrogram(y=y, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP,
                                           n_mels=N_MELS)
        return librosa.power_to_db(S, ref=1.0, top_db=80)

    x = torch.from_numpy(y)

    def streamed():
        s = StreamingLogMel()
        for i in range(0, n, SAMPLE_RATE):
            s.push(y[i:i + SAMPLE_RATE])
        s.finish()

    t_ref = best_of(ref, args.repeats)
    t_precise = best_of(lambda: log_mel(x), args.repeats)
    t_fast = best_of(lambda: log_mel(x, precise=False), args.repeats)
    t_stream = best_of(streamed, args.repeats)
    err = np.abs(log_mel(x).numpy() - ref()).max()
    err_fast = np.abs(log_mel(x, precise=False).numpy() - ref()).max()
    print(f"audio: {args.seconds:.0f} s at {SAMPLE_RATE} Hz, torch threads: {torch.get_num_threads()}")
    print(f"librosa melspectrogram+power_to_db : {t_ref * 1e3:8.1f} ms (reference)")
    print(f"torch log_mel (float64 FFT, default): {t_precise * 1e3:8.1f} ms  "
          f"speed-up x{t_ref / t_precise:.2f}  max |diff| {err:.2e} dB")
    print(f"torch log_mel (precise=False)       : {t_fast * 1e3:8.1f} ms  "
          f"speed-up x{t_ref / t_fast:.2f}  max |diff| {err_fast:.2e} dB")
    print(f"StreamingLogMel, 1 s chunks (power) : {t_stream * 1e3:8.1f} ms  "
          f"speed-up x{t_ref / t_stream:.2f}")


if __name__ == "__main__":
    main()
