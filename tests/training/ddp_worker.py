"""Run by ``torchrun`` in test_distributed.py: train the tiny config under DDP and save this
rank's final weights (safetensors) so the test can compare the ranks."""

import json
import os
import sys
from pathlib import Path

from safetensors.torch import save_file

from training.config import TrainConfig
from training.loop import train


def main() -> None:
    cfg_path, out = sys.argv[1], Path(sys.argv[2])
    cfg = TrainConfig.from_dict(json.loads(Path(cfg_path).read_text()))
    res = train(cfg, out / "run", progress=False)
    rank = int(os.environ["RANK"])
    state = {k: v.detach().cpu().contiguous() for k, v in res.model.state_dict().items()}
    save_file(state, str(out / f"rank{rank}.safetensors"))


if __name__ == "__main__":
    main()
