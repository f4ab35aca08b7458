"""Experiment: keep the frequency position of the encoder's last feature map.

The aiSFX encoder ends with the mean over its 12 frequency rows (each about 8 of its 96 mel
bands); the head then sees 512 channels with no idea *where* in the spectrum they fired.  Under
a music bed an explosion's low rumble and the music's mid-range share those channel means.
This runs a model-2 stage with the map's last step replaced by the mean over ``--bands`` equal
frequency bands (``[512 * bands]`` channels per map frame, low band first), so stages 2b, 2c
and 3b's training and tuning can be compared on the same folds (cross-validation only).

    python scripts/model2/experiments/bands.py --bands 3 STAGE.py [stage arguments]
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.model.encoders import aisfx  # noqa: E402


def banded_map(encoder, spec: torch.Tensor, bands: int) -> torch.Tensor:
    """``[B, frames, 96]`` -> ``[B, 512 * bands, frames / 8]``: the fused convolutions, then the
    mean over each of ``bands`` equal frequency bands (low first) instead of over all rows."""
    layers = encoder._fused_layers()
    x = spec.unsqueeze(1).float()
    with torch.no_grad():
        if layers[0][0].shape[1] == 3:
            hi, lo = aisfx.split_bf16(x)
            x = torch.cat([hi, lo, hi], dim=1)
        x = x.contiguous(memory_format=torch.channels_last)
        for k, (w, b) in enumerate(layers):
            x = aisfx.conv3x3_relu(x, w, b)
            if k % 2 == 1 and k < len(layers) - 1:
                x = aisfx.max_pool2x2(x)
    x = x.float()  # [B, C, T, F]
    b, c, t, f = x.shape
    x = x.reshape(b, c, t, bands, f // bands).mean(dim=4)  # [B, C, T, bands]
    return x.permute(0, 3, 1, 2).reshape(b, bands * c, t).contiguous()


def install(bands: int) -> None:
    aisfx.AisfxEncoder._feature_map_fused = lambda self, spec: banded_map(self, spec, bands)


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--bands":
        raise SystemExit(__doc__)
    install(int(args[1]))
    stage = args[2]
    sys.argv = [stage] + args[3:]
    runpy.run_path(stage, run_name="__main__")


if __name__ == "__main__":
    main()
