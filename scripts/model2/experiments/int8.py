"""Experiment: int8 convolutions for the aiSFX encoder (post-training quantisation), against
float32 and the shipped bfloat16 path, on re-mixed cross-validation clips (never the test packages).

    python scripts/model2/experiments/int8.py --work WORK --clips 50 --modes qqqqqqq bqqqqqq bbqqqqq bbbbbbb

The first convolution always runs as in float32.  ``modes`` gives, for convolutions 2-8, ``q``
(int8: weights per output channel, symmetric; activations uint8 per tensor with the scale a
HistogramObserver chose on 64 other clips; torch's quantized ConvReLU2d, "x86" engine) or ``b``
(the shipped bfloat16 convolution).  Prints, per mode, the time to score all clips (2 threads,
mel and head included), the decisions that change against float32 at the shipped thresholds,
and the score differences.  Not part of the build: stage 4b (``4b_int8.py``) calibrates and checks
the int8 that ships (convolutions 2-8, on CPUs without native bfloat16); this compares mixes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.detect.inference import clip_embeddings, stream_head  # noqa: E402
from mulse_author.labels import LABELS  # noqa: E402
from mulse_author.model import load_checkpoint  # noqa: E402
from mulse_author.model.encoders.aisfx import conv3x3_relu, max_pool2x2  # noqa: E402
from mulse_author.model.encoders.aisfx_int8 import quantized_conv  # noqa: E402
from mulse_author.model.precision import NO_BF16, bf16_runnable, set_precision  # noqa: E402
from training.film import TEST_PACKAGES  # noqa: E402
from training.precision_check import int8_scales  # noqa: E402

export = importlib.import_module("4_export")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=Path("trained"))
    ap.add_argument("--clips", type=int, default=50, help="re-mixed clips per fold (stage 4 uses 200)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--modes", nargs="+", default=["qqqqqqq", "bqqqqqq", "bbqqqqq", "bbbbbbb"])
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    net, card = load_checkpoint(a.model)
    enc = net.audio.encoder
    th = np.array([card.thresholds[lab] for lab in LABELS])
    check = export.check_clips(a.work, TEST_PACKAGES, a.clips, 4)  # stage 4's re-mixed clips, per fold
    calib = export.check_clips(a.work, TEST_PACKAGES, 16, 4, seed0=900)  # stage 4b's calibration clips
    if any("b" in m for m in a.modes) and not bf16_runnable():
        sys.exit(f"{NO_BF16}: give modes of q only")
    bf16 = None
    if bf16_runnable():
        set_precision(net, "bf16")
        bf16 = enc._fused_layers()
    set_precision(net, "fp32")
    f32 = enc._fused_layers()
    fused = enc._feature_map_fused
    scales = int8_scales(enc, calib)  # stage 4b's calibration
    print("activation scales", [round(s, 4) for s in scales])
    qconv = {k: quantized_conv(w, b, scales[k]) for k, (w, b) in enumerate(f32) if k >= 1}

    def hybrid(modes):
        def fmap(spec):
            x = conv3x3_relu(spec.unsqueeze(1).float().contiguous(memory_format=torch.channels_last), *f32[0])
            for k in range(1, len(f32)):
                pool = k % 2 == 1 and k < len(f32) - 1
                if modes[k - 1] == "q":
                    if not x.is_quantized:
                        x = torch.quantize_per_tensor(x.float(), scales[k - 1], 0, torch.quint8)
                    x = qconv[k](x)
                    x = F.max_pool2d(x, 2) if pool else x
                else:
                    x = x.dequantize() if x.is_quantized else x
                    x = conv3x3_relu(x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last), *bf16[k])
                    x = max_pool2x2(x) if pool else x
            x = x.dequantize() if x.is_quantized else x
            return x.permute(0, 2, 3, 1).mean(dim=2, dtype=torch.float32).transpose(1, 2).contiguous()
        return fmap

    def scores(fmap):
        enc._feature_map_fused = fmap
        out = []
        for p in check:
            e = torch.cat([clip_embeddings(enc, p[i:i + 16], True)[0] for i in range(0, len(p), 16)])
            out.append(stream_head(net)(e))
        enc._feature_map_fused = fused
        return np.concatenate(out)

    t = time.perf_counter()
    s32 = scores(fused)
    print(f"fp32: {time.perf_counter() - t:.1f} s")
    for modes in a.modes:
        t = time.perf_counter()
        s = scores(hybrid(modes))
        d = np.abs(s - s32)
        print(f"{modes}: {time.perf_counter() - t:.1f} s, decisions changed {int(((s32 >= th) != (s >= th)).sum())}"
              f"/{s32.size}, |score diff| max {d.max():.3f} p99 {np.quantile(d, 0.99):.4f} mean {d.mean():.4f}",
              flush=True)


if __name__ == "__main__":
    main()
