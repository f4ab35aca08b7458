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

from mulse_author.media import load_audio  # noqa: E402
from mulse_author.model import load_checkpoint, read_card  # noqa: E402
from training.level_check import GAINS_DB, decision_flips  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--everyday", type=Path, required=True)
    ap.add_argument("models", nargs="+", type=Path)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    root = Path(__file__).resolve().parents[3]
    clips = [load_audio(p) for p in sorted((a.everyday / "test" / "everyday").glob("*")) if p.is_file()]
    clips.append(load_audio(root / "resources" / "demo" / "demo.mp4"))
    for d in a.models:
        net, _ = load_checkpoint(d)
        net.eval()
        r = decision_flips(net, np.array(read_card(d / "model_card.json").threshold_list()), clips)
        n, flips = r["decisions"], r["flips"]
        print(f"{d}: {n} decisions; flips " + ", ".join(f"{g} dB {flips[str(g)]} ({100 * flips[str(g)] / n:.2f} %)"
                                                        for g in GAINS_DB)
              + "; mean |change| " + ", ".join(f"{g} dB {r['mean_abs_change'][str(g)]:.4f}" for g in GAINS_DB),
              flush=True)


if __name__ == "__main__":
    main()
