"""Stage 3b's scoring of recordings over noise floors (``--scored-floors``)."""

import json
from pathlib import Path

import numpy as np
import pytest

from mulse_author.detect.inference import EDGE_PAD, region_starts
from mulse_author.spec import FMAP_STRIDE


@pytest.fixture(scope="module")
def stage(script):
    return script("scripts/model2/3b_select_tune.py")


def _regions(path: Path, rng) -> None:
    """A minimal stage-2b fold: one 30 s timeline (3 regions) and one recording at two gains."""
    tl_q, rec_q = np.array([0, 10, 20]), np.array([-3, -3])
    arrays = {"tl_q": tl_q, "tl_id": np.zeros(3, int), "tl_emb": rng.random((3, 1024), np.float32),
              "tl_base": rng.random((3, 180), np.float32), "rec_q": rec_q, "rec_id": np.zeros(2, int),
              "rec_gain": np.array([0.0, -10.0]), "rec_emb": rng.random((2, 1024), np.float32),
              "rec_base": rng.random((2, 180), np.float32), "env0": np.ones(1300, np.float32)}
    np.savez(path, **arrays)
    meta = {"packages": ["p"], "timelines": [{"duration_s": 30.0, "events": [["Wind", 5.0, 12.0]]}],
            "recordings": [{"label": "Rain", "duration_s": 3.0}]}
    path.with_suffix(".json").write_text(json.dumps(meta))


def _floors(path: Path, rng, pad: int = 24) -> int:
    """A stage-2c --noisy file of two tracks (a gunshot over hiss; an everyday sound, no label)."""
    edge = pad + EDGE_PAD // FMAP_STRIDE
    maps, base, tracks = {}, {}, []
    for i, (n_fmap, events) in enumerate(((60, [["Gunshot", 2.0, 2.6]]), (30, []))):
        maps[f"tl{i}"] = rng.random((n_fmap + 2 * edge, 512)).astype(np.float16)
        maps[f"env{i}"] = np.ones(n_fmap * 8, np.float32)
        base[f"base{i}"] = rng.random((len(region_starts(n_fmap, 1.0)), 180), np.float32)
        tracks.append({"duration_s": n_fmap * 0.1858, "events": events})
    np.savez(path, **maps)
    np.savez(path.with_suffix(".base.npz"), **base)
    path.with_suffix(".json").write_text(json.dumps({"pad_fmap": pad, "timelines": tracks}))
    return sum(len(b) for b in base.values())


def test_floor_tracks_are_scored_after_the_training_rows_and_never_trained_on(stage, tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "regions").mkdir()
    (tmp_path / "fmaps_noisy").mkdir()
    _regions(tmp_path / "regions" / "fold0.npz", rng)
    n_floor = _floors(tmp_path / "fmaps_noisy" / "fold0.npz", rng)
    plain, = stage.load_folds(tmp_path)
    fold, = stage.load_folds(tmp_path, "fmaps_noisy")
    assert np.array_equal(fold.x("emb"), plain.x("emb")) and len(fold.y) == 5  # training rows unchanged
    assert fold.scored_x("emb").shape == (5 + n_floor, 1024)
    assert fold.scored_x("base").shape == (5 + n_floor, 180)
    scores = np.random.default_rng(1).random((5 + n_floor, 7)).astype(np.float32)
    tracks = fold.tracks(scores)
    floors = [t for t in tracks if t.group == stage.FLOOR_GROUP]
    assert [t.label for t in floors] == ["Gunshot", None]
    assert np.array_equal(np.concatenate([t.scores for t in floors]), scores[5:])
    assert floors[0].q[0] == 0 and floors[1].q[0] < 0  # a short track's region is centred (app's layout)
    assert sorted(t.clip_group for t in tracks if t.events is None and t.group is None) == ["-10", "0"]
    assert len(plain.tracks(scores[:5])) == 3
    with pytest.raises(ValueError, match="scored-floors"):
        fold.tracks(scores[:5])  # a cache made without the floors


def test_a_floor_track_holding_two_labels_is_refused(stage, tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "fold0.npz"
    _floors(p, rng)
    meta = json.loads(p.with_suffix(".json").read_text())
    meta["timelines"][0]["events"].append(["Rain", 0.0, 1.0])
    p.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="not one recording alone"):
        stage.floor_tracks(p)


def test_the_report_takes_the_newest_stage_3b_selection_and_not_a_side_folder(tmp_path):
    from training.report_detector import newest_selection

    assert newest_selection(tmp_path) == "select"
    for name in ("select21", "select25", "select27c", "select26a_distr", "select28"):
        (tmp_path / name).mkdir()
        if name != "select28":  # a selection still running has no selection.json yet
            (tmp_path / name / "selection.json").write_text("{}")
    assert newest_selection(tmp_path) == "select25"
    (tmp_path / "select28" / "selection.json").write_text("{}")
    assert newest_selection(tmp_path) == "select28"


def test_added_parts_train_every_head_but_their_own_folds_and_are_never_scored(stage, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    (tmp_path / "regions").mkdir()
    for k in range(3):
        _regions(tmp_path / "regions" / f"fold{k}.npz", rng)
    _regions(tmp_path / "regions" / "added1.npz", rng)  # fold 1's part of the added set
    folds = stage.load_folds(tmp_path)
    assert len(folds) == 3  # an added part is no fold: never scored
    assert stage.added_examples(tmp_path, ["fmaps_aug"], 0) == []
    (x, y), = stage.added_examples(tmp_path, ["fmaps_aug"], 1)
    assert x.shape == (5, 1024) and y.sum(0).tolist() == [3, 0, 2, 0, 0, 0, 0]  # Wind regions, Rain at 2 gains

    class Zero:
        def scores(self, x):
            return np.zeros((len(x), 7), np.float32)

    rows = []
    monkeypatch.setattr(stage, "train_head", lambda x, y, cfg: rows.append(len(x)) or Zero())
    stage.oof_scores(tmp_path, folds, "emb", stage.CANDIDATES["mlp256_e40"], False)
    assert rows == [10, 10, 10]
    rows.clear()
    scores = stage.oof_scores(tmp_path, folds, "emb", stage.CANDIDATES["mlp256_e40"], False, added=True)
    assert rows == [15, 10, 15]  # the head scoring fold 1 never trains on part 1 (fold 1's beds)
    assert [len(s) for s in scores] == [5, 5, 5]


def test_intervals_only_adds_the_chosen_heads_and_the_baselines_intervals_from_the_caches(stage, tmp_path):
    from dataclasses import asdict

    from mulse_author.detect.segmentation import DetectionSettings
    from mulse_author.labels import LABELS

    rng = np.random.default_rng(0)
    (tmp_path / "regions").mkdir()
    for k in range(2):
        _regions(tmp_path / "regions" / f"fold{k}.npz", rng)
    out = tmp_path / "sel"
    out.mkdir()
    for name in ("oof_mlp512_e40x5", "oof_baseline"):
        np.savez(out / f"{name}.npz", **{f"fold{k}": rng.random((5, 7)).astype(np.float32) for k in range(2)})
    block = {**asdict(DetectionSettings()), "thresholds": None}
    th = {lab: 0.5 for lab in LABELS}
    sel = {"chosen": "mlp512_e40x5", "candidates": {"mlp512_e40x5": {"clips": False}}, "settings": block,
           "thresholds": th, "baseline": {"settings": block, "thresholds": th}}
    (out / "selection.json").write_text(json.dumps(sel))
    iv = stage.add_intervals(tmp_path, out, None, [], False)
    assert json.loads((out / "selection.json").read_text())["intervals"] == json.loads(json.dumps(iv))
    assert iv["units"] == {"timeline": 2, "recording": 2, "floor": 0}
    folds = stage.load_folds(tmp_path)
    tracks = stage.oof_tracks(tmp_path, folds, "emb", stage.ENSEMBLES["mlp512_e40x5"], False,
                              out / "oof_mlp512_e40x5.npz")
    want = stage.evaluate(tracks, DetectionSettings(), th).summary()["objective"]
    assert iv["model"]["objective"]["value"] == want
    lo, hi = iv["model"]["objective"]["interval"]
    assert lo <= want <= hi
    d = iv["model_minus_baseline"]["objective"]
    assert d["difference"] == pytest.approx(d["a"] - d["b"])
