"""The training loop: :func:`train` and what it needs (the loss wrapper DDP sees, scoring).

Paper defaults (Abreu, dos Santos & Bezerra, IJCNN 2018): SGD with Nesterov momentum 0.9,
learning rate 0.01, batch 32, 40 epochs, binary cross-entropy (+ the audio conv L2 term of
``BimodalNet.regularization_loss``). ``late_fusion`` trains its audio and video heads each on
its own BCE loss, as the paper trains the two unimodal networks separately.

Per epoch: one pass over the training split, then the validation split is scored; per-label
thresholds are calibrated on it (:func:`training.metrics.calibrate_thresholds`) and the
epoch's validation micro-F1 at those thresholds selects the kept weights (``keep="best"``;
``"last"`` keeps the final epoch). The test split is never looked at during training; its
metrics are computed once at the end with the validation thresholds.

Outputs in ``--out``: ``model.safetensors`` + ``model_card.json`` (via
``mulse_author.model.save_checkpoint``; thresholds and metrics in the card), ``log.csv``
(one row per epoch), ``metrics.json``, ``train_config.json``, and ``resume.pt`` +
``resume.json`` to continue an interrupted run with ``--resume`` (our own files, read with
``torch.load(weights_only=True)``: tensors only, no pickled objects). Runs are
deterministic for a given seed: the shuffling and dropout streams are re-seeded from
``(seed, epoch)`` each epoch, so a resumed run ends with the same weights as an
uninterrupted one.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, RandomSampler
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from mulse_author.errors import FormatError, MulseError
from mulse_author.labels import LABELS
from mulse_author.model import DEFAULT_PREPROCESSING, BimodalNet, ModelCard, bce_loss, save_checkpoint
from training import metrics as M
from training.clip_loader import load_splits
from training.clips import ClipDataset, ClipSet, assert_sources_disjoint, collate
from training.config import TrainConfig
from training.distributed import DistContext, setup, teardown
from training.resume import load_resume, save_resume

LOG_COLUMNS = ("epoch", "train_loss", "val_loss", "val_micro_f1", "val_micro_f1_at_0.5",
               "val_map", "lr", "seconds")


@dataclass
class TrainResult:
    model: BimodalNet
    card: ModelCard
    history: list[dict[str, float]]
    out_dir: Path | None
    thresholds: np.ndarray
    metrics: dict[str, Any]


class LossModel(nn.Module):
    """Wraps the net so DDP sees one forward that returns the training loss."""

    def __init__(self, net: BimodalNet):
        super().__init__()
        self.net = net

    def forward(self, mel, frames, y):
        if self.net.config.variant == "late_fusion":
            la, lv = self.net.unimodal_logits(mel, frames)
            loss = bce_loss(la, y) + bce_loss(lv, y)
        else:
            loss = bce_loss(self.net(mel, frames), y)
        return loss + self.net.regularization_loss()


def _to(x, device):
    return None if x is None else x.to(device, non_blocking=True)


@torch.no_grad()
def predict_scores(net: BimodalNet, clips: ClipSet, batch_size: int = 64,
                   device: torch.device | str = "cpu") -> tuple[np.ndarray, float]:
    """``(scores [N, 7] in [0, 1], mean BCE loss)`` of ``net`` (eval mode) on ``clips``."""
    if len(clips) == 0:
        return np.zeros((0, len(LABELS))), float("nan")
    was = net.training
    net.eval()
    loader = DataLoader(ClipDataset(clips), batch_size=batch_size, shuffle=False, collate_fn=collate)
    out, total, n = [], 0.0, 0
    try:
        for mel, frames, y in loader:
            logits = net(_to(mel, device), _to(frames, device))
            y = y.to(logits.device)
            total += float(bce_loss(logits, y)) * y.shape[0]
            n += y.shape[0]
            out.append(torch.sigmoid(logits).cpu().numpy())
    finally:
        net.train(was)
    return np.concatenate(out).astype(np.float64), total / max(n, 1)


def _average_buffers(net: nn.Module, world_size: int) -> None:
    """Average BatchNorm running statistics over the ranks, so every rank validates (and
    saves) the same model; DDP syncs gradients but each rank updates its own statistics."""
    for buf in net.buffers():
        if buf.is_floating_point():
            dist.all_reduce(buf, op=dist.ReduceOp.SUM)
            buf.div_(world_size)


def _epoch_seed(seed: int, epoch: int) -> int:
    return (int(seed) * 1_000_003 + int(epoch) * 7919) % (2**31 - 1)


def _write_log(path: Path, history: list[dict[str, float]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=LOG_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for row in history:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    tmp.replace(path)


def _tensorboard(out_dir: Path):
    """A SummaryWriter when tensorboard is installed, else None (the CSV log is always written)."""
    try:
        from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package
    except Exception:
        return None
    return SummaryWriter(log_dir=str(out_dir / "tb"))


def _load_run_splits(config: TrainConfig, out: Path | None, splits: dict[str, ClipSet] | None,
                     progress: bool, say: Callable[[str], None]) -> dict[str, ClipSet]:
    """The run's clip sets (loaded from ``config.data`` unless given), checked: disjoint sources,
    a non-empty training split and calibration split."""
    if splits is None:
        spec = config.data
        if spec.cache_dir is None and spec.kind != "synthetic" and out is not None:
            spec = dataclasses.replace(spec, cache_dir=str(out.parent / "feature_cache"))
        t0 = time.time()
        splits = load_splits(spec, config.model, progress=progress)
        say("data: " + ", ".join(f"{k} {len(v)} clips" for k, v in splits.items())
            + f" ({time.time() - t0:.1f} s)")
    assert_sources_disjoint(splits)
    train_set = splits.get("train")
    if train_set is None or len(train_set) == 0:
        raise FormatError("the training split is empty")
    cal_set = splits.get(config.calibration_split)
    if cal_set is None or len(cal_set) == 0:
        raise FormatError(f"the {config.calibration_split!r} split is empty: it is needed "
                          "to calibrate thresholds and select the epoch")
    return splits


def _train_epoch(loss_model: nn.Module, net: BimodalNet, opt, ds: ClipDataset, config: TrainConfig,
                 epoch: int, ctx: DistContext, progress: bool) -> float:
    """One pass over the training split; returns the mean training loss (over every rank)."""
    dev = ctx.device
    eseed = _epoch_seed(config.seed, epoch)
    torch.manual_seed(eseed)  # dropout stream of this epoch
    if ctx.enabled:
        sampler = DistributedSampler(ds, num_replicas=ctx.world_size, rank=ctx.rank,
                                     shuffle=True, seed=config.seed)
        sampler.set_epoch(epoch)
    else:
        sampler = RandomSampler(ds, generator=torch.Generator().manual_seed(eseed))
    loader = DataLoader(ds, batch_size=config.batch_size, sampler=sampler, collate_fn=collate)
    net.train()
    total, n = 0.0, 0
    it = loader
    if progress:
        it = tqdm(loader, desc=f"epoch {epoch + 1}/{config.epochs}", leave=False)
    for mel, frames, y in it:
        if y.shape[0] < 2:  # BatchNorm needs two samples; a lone tail clip is skipped
            continue
        mel, frames, y = _to(mel, dev), _to(frames, dev), y.to(dev)
        opt.zero_grad(set_to_none=True)
        loss = loss_model(mel, frames, y)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * y.shape[0]
        n += y.shape[0]
        if progress:
            it.set_postfix(loss=f"{total / n:.4f}")
    if ctx.enabled:
        _average_buffers(net, ctx.world_size)

        tn = torch.tensor([total, float(n)], dtype=torch.float64, device=dev)
        dist.all_reduce(tn)  # the logged loss covers every rank's share
        total, n = float(tn[0]), int(tn[1])
    train_loss = total / max(n, 1)
    if not math.isfinite(train_loss):
        raise MulseError(f"training diverged at epoch {epoch + 1} (loss {train_loss}); "
                         "lower the learning rate")
    return train_loss


def _final_report(net: BimodalNet, splits: dict[str, ClipSet], config: TrainConfig, dev,
                  best_epoch: int) -> tuple[np.ndarray, dict[str, Any]]:
    """``(thresholds, metrics)`` of the kept weights: thresholds calibrated on the calibration
    split, the test split (if any) scored once with them."""
    cal_set = splits[config.calibration_split]
    scores, val_loss = predict_scores(net, cal_set, device=dev)
    yv = cal_set.labels.numpy()
    thresholds = M.calibrate_thresholds(yv, scores, floor=config.threshold_floor)
    report = {config.calibration_split: M.evaluate_scores(yv, scores, thresholds).to_dict()}
    report[config.calibration_split]["loss"] = val_loss
    test_set = splits.get("test")
    if test_set is not None and len(test_set) and config.calibration_split != "test":
        ts, tl = predict_scores(net, test_set, device=dev)
        report["test"] = M.evaluate_scores(test_set.labels.numpy(), ts, thresholds).to_dict()
        report["test"]["loss"] = tl
    report["kept_epoch"] = best_epoch if config.epochs else 0
    report["epochs"] = config.epochs
    return thresholds, report


def _model_card(config: TrainConfig, splits: dict[str, ClipSet], thresholds: np.ndarray,
                report: dict[str, Any]) -> ModelCard:
    mcfg = config.model
    preprocessing = dict(DEFAULT_PREPROCESSING)
    preprocessing.update(n_mels=mcfg.n_mels, audio_frames=mcfg.audio_frames,
                         video_frames=mcfg.video_frames, frame_size=mcfg.frame_size)
    return ModelCard(
        config=mcfg,
        preprocessing=preprocessing,
        thresholds={lab: float(t) for lab, t in zip(LABELS, thresholds)},
        training_data={
            "data": config.data.to_dict(),
            "clips": {k: len(v) for k, v in splits.items()},
            "label_counts": {k: v.label_counts() for k, v in splits.items()},
            "thresholds_calibrated_on": config.calibration_split,
        },
        metrics=report,
        description=config.description or f"{config.name or mcfg.variant} ({mcfg.name})",
    )


def _save_run(out: Path, net: BimodalNet, card: ModelCard, config: TrainConfig, dev) -> None:
    net_cpu = net.to("cpu")
    save_checkpoint(net_cpu, card, out)
    net.to(dev)
    (out / "metrics.json").write_text(json.dumps(card.to_dict()["metrics"], indent=2),
                                      encoding="utf-8")
    (out / "train_config.json").write_text(json.dumps(config.to_dict(), indent=2),
                                           encoding="utf-8")


def train(
    config: TrainConfig,
    out_dir: str | Path | None = None,
    *,
    resume: bool = False,
    device: str | None = None,
    progress: bool = True,
    splits: dict[str, ClipSet] | None = None,
    log: Callable[[str], None] | None = None,
    dist_ctx: DistContext | None = None,
) -> TrainResult:
    """Train ``config`` and (when ``out_dir`` is given) write the checkpoint and logs there.

    splits: precomputed ``{"train", "val"[, "test"]}`` clip sets (else loaded from
    ``config.data``). device: ``"cpu"``, ``"cuda"`` or ``None`` (cuda when available).
    Under ``torchrun`` the process group is joined automatically (see
    :mod:`training.distributed`); only rank 0 writes files.
    """
    ctx = dist_ctx or setup(device)
    own_ctx = dist_ctx is None
    is_main = ctx.is_main
    say = log if log is not None else (lambda msg: print(msg, file=sys.stderr, flush=True))
    say = say if is_main else (lambda msg: None)
    dev = ctx.device
    out = Path(out_dir) if out_dir is not None else None
    try:
        if out is not None and is_main:
            out.mkdir(parents=True, exist_ok=True)
        mcfg = config.model
        torch.manual_seed(config.seed)
        np.random.seed(config.seed % (2**32))
        splits = _load_run_splits(config, out, splits, progress and is_main, say)
        cal_set = splits[config.calibration_split]

        net = BimodalNet(mcfg).to(dev)
        loss_model: nn.Module = LossModel(net)
        if ctx.enabled:
            loss_model = DDP(loss_model, device_ids=[dev.index] if dev.type == "cuda" else None)
        opt = config.optimizer.build(net.parameters())

        history: list[dict[str, float]] = []
        start_epoch = 0
        best_score, best_epoch, best_state = -math.inf, -1, None
        if resume and out is not None:
            loaded = load_resume(out, config)
            if loaded is not None:
                state, blob = loaded
                net.load_state_dict(blob["model"])
                opt.load_state_dict(blob["optimizer"])
                best_state = blob["best_model"] or None
                history = state["history"]
                start_epoch = int(state["epochs_done"])
                best_score = float(state["best_score"]) if state["best_score"] is not None else -math.inf
                best_epoch = int(state["best_epoch"])
                say(f"resumed from {out} after epoch {start_epoch}")

        ds = ClipDataset(splits["train"])
        writer = _tensorboard(out) if (out is not None and is_main) else None
        for epoch in range(start_epoch, config.epochs):
            t_epoch = time.time()
            train_loss = _train_epoch(loss_model, net, opt, ds, config, epoch, ctx, progress and is_main)
            # Every rank scores the whole validation split with identical weights, so all
            # ranks take the same keep/threshold decisions without communication.
            scores, val_loss = predict_scores(net, cal_set, device=dev)
            yv = cal_set.labels.numpy()
            th = M.calibrate_thresholds(yv, scores, floor=config.threshold_floor)
            f1_cal = M.micro_f1(yv, M.apply_thresholds(scores, th))
            f1_05 = M.micro_f1(yv, scores >= 0.5)
            ap = M.per_label_average_precision(yv, scores)
            row = {"epoch": epoch + 1, "train_loss": train_loss, "val_loss": val_loss,
                   "val_micro_f1": f1_cal, "val_micro_f1_at_0.5": f1_05,
                   "val_map": float(np.nanmean(ap)) if np.isfinite(ap).any() else float("nan"),
                   "lr": float(opt.param_groups[0]["lr"]), "seconds": time.time() - t_epoch}
            history.append(row)
            say(f"epoch {epoch + 1}/{config.epochs}: train loss {train_loss:.4f}, val loss "
                f"{val_loss:.4f}, val micro-F1 {f1_cal:.3f} (calibrated) / {f1_05:.3f} (0.5), "
                f"{row['seconds']:.1f} s")
            if config.keep == "last" or f1_cal > best_score:
                best_score, best_epoch = f1_cal, epoch + 1
                best_state = copy.deepcopy({k: v.detach().cpu() for k, v in net.state_dict().items()})
            if writer is not None:
                for k in LOG_COLUMNS[1:]:
                    writer.add_scalar(k, row[k], epoch + 1)
            if out is not None and is_main:
                _write_log(out / "log.csv", history)
                save_resume(out, net, opt, best_state, {
                    "epochs_done": epoch + 1, "best_score": best_score if math.isfinite(best_score) else None,
                    "best_epoch": best_epoch, "history": history, "model": mcfg.to_dict(),
                    "seed": config.seed})
            ctx.barrier()
        if writer is not None:
            writer.close()

        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        thresholds, report = _final_report(net, splits, config, dev, best_epoch)
        card = _model_card(config, splits, thresholds, report)
        if out is not None and is_main:
            _save_run(out, net, card, config, dev)
            say(f"saved {out} (kept epoch {best_epoch}; val micro-F1 "
                f"{report[config.calibration_split]['micro_f1']:.3f}"
                + (f", test micro-F1 {report['test']['micro_f1']:.3f}" if "test" in report else "")
                + ")")
        ctx.barrier()
        return TrainResult(model=net, card=card, history=history, out_dir=out,
                           thresholds=thresholds, metrics=report)
    finally:
        if own_ctx:
            teardown(ctx)
