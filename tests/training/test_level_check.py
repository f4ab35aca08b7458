"""Level stability counts (training.level_check) on the demo soundtrack with the shipped model."""

from pathlib import Path

import numpy as np
import pytest

from mulse_author.media import load_audio
from mulse_author.model import default_model_path, load_checkpoint
from training.level_check import decision_flips, window_scores
from training.probes import DEMO


@pytest.fixture(scope="module")
def net_and_demo():
    path = default_model_path()
    if path is None:
        pytest.skip("no trained model")
    net, _ = load_checkpoint(path)
    net.eval()
    return net, load_audio(DEMO)[: 22050 * 20]


def test_the_same_level_changes_nothing(net_and_demo):
    net, x = net_and_demo
    r = decision_flips(net, np.full(7, 0.5), [x, x], gains_db=(0,))
    assert r["signals"] == 2 and r["decisions"] == 2 * window_scores(net, x).size
    assert r["flips"] == {"0": 0} and r["mean_abs_change"] == {"0": 0.0}


def test_a_threshold_between_the_two_scores_counts_as_a_change(net_and_demo):
    net, x = net_and_demo
    ref, quiet = window_scores(net, x), window_scores(net, x * np.float32(10 ** (-30 / 20)))
    w, lab = np.unravel_index(np.argmax(np.abs(ref - quiet)), ref.shape)
    assert abs(ref[w, lab] - quiet[w, lab]) > 1e-4  # 30 dB quieter moves some score
    th = np.full(ref.shape[1], 2.0)  # never reached: only the chosen label can change
    th[lab] = (ref[w, lab] + quiet[w, lab]) / 2
    expected = int(((ref[:, lab] >= th[lab]) != (quiet[:, lab] >= th[lab])).sum())
    r = decision_flips(net, th, [x], gains_db=(-30,))
    assert r["flips"]["-30"] == expected >= 1
    assert r["mean_abs_change"]["-30"] == pytest.approx(np.abs(ref - quiet).mean(), abs=1e-5)


def test_a_checkpoint_is_counted_at_its_own_thresholds(net_and_demo):
    from mulse_author.model import read_card
    from training.level_check import checkpoint_flips, signal_sets

    net, x = net_and_demo
    assert list(signal_sets()) == ["demo"]
    path = default_model_path()
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    card = read_card(folder / "model_card.json")
    version, figs = checkpoint_flips(folder, {"part": [x]})
    assert version == card.version
    assert figs["part"] == decision_flips(net, np.array(card.threshold_list()), [x])


def test_a_signal_in_two_sets_is_scored_once(net_and_demo, monkeypatch):
    import training.level_check as lc

    net, x = net_and_demo
    y = x[: 22050 * 9] * np.float32(0.5)
    calls = []
    real = lc.signal_figures
    monkeypatch.setattr(lc, "signal_figures", lambda *a, **k: calls.append(1) or real(*a, **k))
    path = default_model_path()
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    _, figs = lc.checkpoint_flips(folder, {"demo": [x], "demo and more": [x, y]})
    assert len(calls) == 2  # x once, y once
    th = np.array(load_checkpoint(folder)[1].threshold_list())
    assert figs["demo"] == lc.pooled([real(net, th, x)])
    assert figs["demo and more"] == decision_flips(net, th, [x, y])


def test_a_checkpoint_can_be_counted_in_another_precision(net_and_demo):
    """``precision`` runs the checkpoint's encoder as the app would (here int8, which 2.9's card
    validates): the figures are those of the network set to that precision."""
    from mulse_author.model import precision as prec
    from training.level_check import checkpoint_flips

    net, x = net_and_demo
    path = default_model_path()
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    card = load_checkpoint(folder)[1]
    if "int8" not in prec.validated_precisions(card) or not prec.int8_runnable():
        pytest.skip("the shipped card does not validate int8, or this torch cannot run it")
    _, figs = checkpoint_flips(folder, {"part": [x]}, "int8")
    old = prec.set_precision(net, "int8", card)
    try:
        int8_figs = decision_flips(net, np.array(card.threshold_list()), [x])
        int8_scores = window_scores(net, x)
    finally:
        prec.set_precision(net, old)
    assert figs["part"] == int8_figs
    assert not np.array_equal(int8_scores, window_scores(net, x))  # int8 really ran
