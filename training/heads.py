"""Trained heads on fixed features: the MLP head of the aiSFX stream models and the baseline's
logistic regression, plus grouped cross-validation over folds of source packages."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mulse_author.labels import LABELS


@dataclass(frozen=True)
class HeadConfig:
    """Head training settings (Adam, BCE, fixed epochs: no early stopping on held-out data)."""

    hidden: int = 256  #: 0 = logistic regression (one linear layer)
    dropout: float = 0.3
    input_dropout: float = 0.1
    epochs: int = 40
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch: int = 64
    seed: int = 0
    #: heads trained with seeds seed, seed + 1, ... and merged (:func:`merge_heads`)
    members: int = 1
    #: weight of the Gunshot term on regions of an explosion (and no gunshot), and of the Explosion
    #: term on regions of a gunshot (and no explosion), in the loss: > 1 stresses the boundary the
    #: false alarms cross.  1.0 = plain BCE, what every shipped head used; 3.0 lowered the
    #: cross-validation objective (experiment H, benchmarks/RESULTS.md, 2026-12-07)
    pair_weight: float = 1.0


def pair_weights(y: torch.Tensor, weight: float) -> torch.Tensor | None:
    """Per-element loss weights ``[B, 7]`` for :attr:`HeadConfig.pair_weight` (None when 1.0)."""
    if weight == 1.0:
        return None
    exp, gun = LABELS.index("Explosion"), LABELS.index("Gunshot")
    w = torch.ones_like(y)
    w[:, gun] = torch.where((y[:, exp] > 0) & (y[:, gun] == 0), weight, 1.0)
    w[:, exp] = torch.where((y[:, gun] > 0) & (y[:, exp] == 0), weight, 1.0)
    return w


class Head(nn.Module):
    """Standardised features ``[B, D]`` -> 7 logits: ``Linear -> ReLU -> Linear`` (``hidden``
    > 0, the aiSFX head; the same layer names as model 1.1's) or one ``Linear`` (logistic
    regression, the baseline)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, cfg: HeadConfig):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        d = mean.numel()
        if cfg.hidden:
            self.net = nn.Sequential(nn.Dropout(cfg.input_dropout), nn.Linear(d, cfg.hidden), nn.ReLU(),
                                     nn.Dropout(cfg.dropout), nn.Linear(cfg.hidden, len(LABELS)))
        else:
            self.net = nn.Sequential(nn.Dropout(cfg.input_dropout), nn.Linear(d, len(LABELS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)

    def scores(self, x: np.ndarray) -> np.ndarray:
        self.eval()
        with torch.inference_mode():
            return torch.sigmoid(self(torch.from_numpy(np.asarray(x, np.float32)))).numpy()


def train_head(x: np.ndarray, y: np.ndarray, cfg: HeadConfig = HeadConfig(), log=None) -> Head:
    """A :class:`Head` trained on features ``x [N, D]`` and 0/1 labels ``y [N, 7]``."""
    torch.manual_seed(cfg.seed)
    xt = torch.from_numpy(np.asarray(x, np.float32))
    yt = torch.from_numpy(np.asarray(y, np.float32))
    head = Head(xt.mean(0), xt.std(0).clamp_min(1e-6), cfg)
    try:  # the fused CPU kernel: the same update, several times faster on small heads
        opt = torch.optim.Adam(head.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    except (RuntimeError, TypeError):
        opt = torch.optim.Adam(head.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    g = torch.Generator().manual_seed(cfg.seed)
    for ep in range(cfg.epochs):
        head.train()
        order = torch.randperm(len(yt), generator=g)
        total = 0.0
        for i in range(0, len(yt), cfg.batch):
            b = order[i:i + cfg.batch]
            loss = F.binary_cross_entropy_with_logits(head(xt[b]), yt[b], weight=pair_weights(yt[b], cfg.pair_weight))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(b)
        if log is not None and (ep + 1) % 10 == 0:
            log(f"head epoch {ep + 1}/{cfg.epochs}: loss {total / len(yt):.4f}")
    return head.eval()


def merge_heads(heads: list[Head]) -> Head:
    """One head whose logits are the mean of ``heads``' logits: the hidden layers side by side
    (K x hidden units), the output layer divided by K.  The members must share the input
    standardisation (trained on the same features) and have a hidden layer.  The result has the
    layout of a single head, so an ensemble ships in the same checkpoint."""
    first = heads[0]
    if any(len(h.net) != 5 for h in heads):
        raise ValueError("only heads with a hidden layer can be merged")
    if any(not (torch.equal(h.mean, first.mean) and torch.equal(h.std, first.std)) for h in heads):
        raise ValueError("heads standardise their input differently")
    hidden = sum(h.net[1].out_features for h in heads)
    merged = Head(first.mean.clone(), first.std.clone(), HeadConfig(hidden=hidden))
    with torch.no_grad():
        merged.net[1].weight.copy_(torch.cat([h.net[1].weight for h in heads]))
        merged.net[1].bias.copy_(torch.cat([h.net[1].bias for h in heads]))
        merged.net[4].weight.copy_(torch.cat([h.net[4].weight for h in heads], dim=1) / len(heads))
        merged.net[4].bias.copy_(torch.stack([h.net[4].bias for h in heads]).mean(0))
    return merged.eval()


def train_heads(x: np.ndarray, y: np.ndarray, cfg: HeadConfig = HeadConfig(), log=None) -> Head:
    """:func:`train_head`, or for ``cfg.members`` > 1 that many heads with consecutive seeds,
    merged into one (:func:`merge_heads`)."""
    if cfg.members <= 1:
        return train_head(x, y, cfg, log)
    return merge_heads([train_head(x, y, replace(cfg, seed=cfg.seed + i, members=1), log)
                        for i in range(cfg.members)])


def out_of_fold_scores(xs: list[np.ndarray], ys: list[np.ndarray], cfg: HeadConfig) -> list[np.ndarray]:
    """Leave-one-fold-out: the scores of fold k from a head trained on the other folds."""
    out = []
    for k in range(len(xs)):
        x = np.concatenate([xs[j] for j in range(len(xs)) if j != k])
        y = np.concatenate([ys[j] for j in range(len(ys)) if j != k])
        out.append(train_heads(x, y, cfg).scores(xs[k]))
    return out
