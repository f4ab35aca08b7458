"""Experiment: how many window decisions change when a signal is played quieter?

The shipped-model test (``tests/ship/test_shipped_model.py``) checks this on the demo alone
(210 decisions at -20 dB, one flip allowed per 100); this counts it on every everyday clip
(``training/fetch/get_everyday_audio.sh``: no labels needed, each clip is compared with itself)
plus the demo, at -10, -20 and -30 dB, for each checkpoint given.

    python scripts/model2/experiments/level_flips.py --everyday EVERYDAY trained OTHER_MODEL_DIR

Prints per checkpoint: decisions, flips (and %) per gain, mean absolute score change per gain.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from mulse_author.detect.inference import stream_scores  # noqa: E402
from mulse_author.features.mel import mel_power  # noqa: E402
from mulse_author.media import load_audio  # noqa: E402
from mulse_author.model import load_checkpoint, read_card  # noqa: E402

GAINS_DB = (-10, -20, -30)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--everyday", type=Path, required=True)
    ap.add_argument("models", nargs="+", type=Path)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    root = Path(__file__).resolve().parents[3]
    clips = [load_audio(p) for p in sorted((a.everyday / "test" / "everyday").glob("*")) if p.is_file()]
    clips.append(load_audio(root / "resources" / "demo" / "demo.mp4"))

    def scores(net, x):
        return stream_scores(net, mel_power(torch.from_numpy(x), precise=False).numpy())[0]

    for d in a.models:
        net, _ = load_checkpoint(d)
        net.eval()
        th = np.array(read_card(d / "model_card.json").threshold_list())
        flips, moved, n = {g: 0 for g in GAINS_DB}, {g: [] for g in GAINS_DB}, 0
        for x in clips:
            ref = scores(net, x)
            n += ref.size
            for g in GAINS_DB:
                q = scores(net, x * np.float32(10 ** (g / 20)))
                flips[g] += int(((ref >= th) != (q >= th)).sum())
                moved[g].append(float(np.abs(ref - q).mean()))
        print(f"{d}: {n} decisions; flips " + ", ".join(f"{g} dB {flips[g]} ({100 * flips[g] / n:.2f} %)" for g in GAINS_DB)
              + "; mean |change| " + ", ".join(f"{g} dB {np.mean(moved[g]):.4f}" for g in GAINS_DB), flush=True)


if __name__ == "__main__":
    main()
