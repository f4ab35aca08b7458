"""training.heads: a head learns, and an ensemble merges into one head with the mean logits."""

import numpy as np
import pytest
import torch

from training.heads import Head, HeadConfig, merge_heads, train_head, train_heads


def _toy(n=400, d=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = np.zeros((n, 7), np.float32)
    y[:, 0] = x[:, 0] > 0  # each label a different direction
    y[:, 1] = x[:, 1] + x[:, 2] > 0.5
    return x, y


def test_head_learns_a_separable_label():
    x, y = _toy()
    head = train_head(x, y, HeadConfig(hidden=32, epochs=60, lr=1e-2))
    s = head.scores(x)
    assert ((s[:, 0] >= 0.5) == (y[:, 0] > 0)).mean() > 0.95
    assert ((s[:, 1] >= 0.5) == (y[:, 1] > 0)).mean() > 0.9


def test_merged_heads_give_the_mean_logit():
    x, y = _toy()
    heads = [train_head(x, y, HeadConfig(hidden=8, epochs=3, seed=s)) for s in range(3)]
    merged = merge_heads(heads)
    assert merged.net[1].out_features == 24
    xt = torch.from_numpy(x)
    with torch.inference_mode():
        want = torch.stack([h(xt) for h in heads]).mean(0)
        got = merged(xt)
    assert torch.allclose(got, want, atol=1e-5)
    assert not torch.allclose(heads[0](xt), heads[1](xt))  # the seeds do differ
    # the merged head saves and loads as an ordinary head of that width
    again = Head(merged.mean, merged.std, HeadConfig(hidden=24))
    again.load_state_dict(merged.state_dict())
    assert np.allclose(again.scores(x), merged.scores(x))


def test_train_heads_members():
    x, y = _toy(n=100)
    one = train_heads(x, y, HeadConfig(hidden=8, epochs=2))
    three = train_heads(x, y, HeadConfig(hidden=8, epochs=2, members=3))
    assert one.net[1].out_features == 8 and three.net[1].out_features == 24
    # member 0 of the ensemble is the single head (same seed)
    assert torch.equal(three.net[1].weight[:8], one.net[1].weight)


def test_merge_refuses_mismatched_heads():
    x, y = _toy(n=100)
    a = train_head(x, y, HeadConfig(hidden=8, epochs=1))
    b = train_head(x * 2, y, HeadConfig(hidden=8, epochs=1))
    with pytest.raises(ValueError, match="standardise"):
        merge_heads([a, b])
    with pytest.raises(ValueError, match="hidden layer"):
        merge_heads([train_head(x, y, HeadConfig(hidden=0, epochs=1))])
