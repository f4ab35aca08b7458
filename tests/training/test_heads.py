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


def test_pair_weight_stresses_only_the_explosion_gunshot_boundary():
    from mulse_author.labels import LABELS
    from training.heads import pair_weights

    exp, gun, rain = LABELS.index("Explosion"), LABELS.index("Gunshot"), LABELS.index("Rain")
    y = torch.zeros(4, len(LABELS))
    y[0, exp] = 1  # an explosion: its Gunshot term weighs more
    y[1, gun] = 1  # a gunshot: its Explosion term weighs more
    y[2, exp] = y[2, gun] = 1  # both: no boundary to stress
    y[3, rain] = 1
    assert pair_weights(y, 1.0) is None  # plain BCE, as before the option
    w = pair_weights(y, 3.0)
    want = torch.ones_like(y)
    want[0, gun] = want[1, exp] = 3.0
    assert torch.equal(w, want)


def test_a_stressed_pair_pushes_the_wrong_label_of_a_confusable_region_down():
    from mulse_author.labels import LABELS

    exp, gun = LABELS.index("Explosion"), LABELS.index("Gunshot")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 8)).astype(np.float32)
    y = np.zeros((400, len(LABELS)), np.float32)
    y[:200, exp] = 1
    y[200:, gun] = 1
    x[:200, 0] += 0.3  # two barely separable classes
    plain = train_head(x, y, HeadConfig(hidden=0, epochs=30, input_dropout=0.0))
    stressed = train_head(x, y, HeadConfig(hidden=0, epochs=30, input_dropout=0.0, pair_weight=5.0))
    # over explosion regions the Gunshot score falls (and over gunshot regions the Explosion score)
    assert stressed.scores(x[:200])[:, gun].mean() < plain.scores(x[:200])[:, gun].mean()
    assert stressed.scores(x[200:])[:, exp].mean() < plain.scores(x[200:])[:, exp].mean()
