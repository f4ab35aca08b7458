"""Train the bimodal scene classifier (or one of its Table I variants).

    python -m training.train --config training/configs/bimodal.json --out runs/bimodal
    python -m training.train --config training/configs/audio.json --data clips/manifest.csv
    torchrun --nproc_per_node 2 -m training.train --config ... --out runs/ddp   # DDP

The loop is :mod:`training.loop`, the run's settings :mod:`training.config`, its resume files
:mod:`training.resume`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

from mulse_author.errors import MulseError
from training.config import TrainConfig
from training.dataspec import DataSpec
from training.loop import train


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="training config JSON (training/configs/*.json)")
    ap.add_argument("--data", help="'synthetic', a CSV manifest, a folder, or 'audioset:<csv>' "
                    "(overrides the config's data)")
    ap.add_argument("--out", help="output folder (default runs/<config name>)")
    ap.add_argument("--resume", action="store_true", help="continue from --out's resume files")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--device", choices=("cpu", "cuda"))
    ap.add_argument("--cache-dir", help="feature cache folder")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    try:
        cfg = TrainConfig.load(args.config)
        if args.data:
            cfg.data = DataSpec.from_argument(args.data, cfg.data)
        if args.cache_dir:
            cfg.data = dataclasses.replace(cfg.data, cache_dir=args.cache_dir)
        for name in ("epochs", "batch_size", "seed"):
            if getattr(args, name) is not None:
                setattr(cfg, name, getattr(args, name))
        if args.device == "cuda" and not torch.cuda.is_available():
            raise MulseError("--device cuda: no CUDA device is available")
        out = Path(args.out or f"runs/{cfg.name}")
        train(cfg, out, resume=args.resume, device=args.device, progress=not args.no_progress)
    except MulseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
