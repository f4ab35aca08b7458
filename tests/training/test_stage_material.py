"""Stage 2b's split of the training timelines' everyday sounds into folds."""

import pytest

from training.datasets.recordings import Recording


@pytest.fixture
def stage(script):
    return script("scripts/model2/2b_regions.py")


def test_fold_distractors_split_whole_packages_and_leave_out_music_and_ambience(stage):
    beds = [Recording(f"/b/{p}__sfx{i}.ogg", (), p, duration_s=1.0)
            for p, n in (("a", 40), ("b", 30), ("c", 20), ("d", 10), ("e", 5)) for i in range(n)]
    beds += [Recording("/b/a__music_theme.ogg", (), "a", duration_s=1.0),
             Recording("/b/b__wind_amb.ogg", (), "b", duration_s=30.0)]
    folds = [stage.fold_distractors(k, beds) for k in range(4)]
    every = [p for f in folds for p in f]
    assert sorted(every) == sorted(b.path for b in beds[:105])  # no music, no ambience, each clip once
    pkgs = [{p.split("/")[-1].split("__")[0] for p in f} for f in folds]
    assert all(pkgs) and sum(len(p) for p in pkgs) == 5  # whole packages, every fold some
    assert sorted(len(f) for f in folds) == [15, 20, 30, 40]  # the largest first, to the emptiest fold


def test_no_impacts_leaves_out_hits_and_steps_and_keeps_the_folds(stage):
    names = ["wp_hammer_hit-01", "doors_door_close", "grass_footstep.1", "voices_British_Watchit", "horn", "Kiss"]
    beds = [Recording(f"/b/{p}__{n}.ogg", (), p, duration_s=1.0) for p in ("a", "b") for n in names]
    for k in range(4):
        soft = stage.fold_distractors(k, beds, impacts=False)
        assert soft == [p for p in stage.fold_distractors(k, beds) if not stage.is_impact(p)]
    kept = {p.split("__")[-1] for k in range(4) for p in stage.fold_distractors(k, beds, impacts=False)}
    assert kept == {"voices_British_Watchit.ogg", "horn.ogg", "Kiss.ogg"}  # a voice saying "watch it" stays
    assert not stage.is_impact("/b/hit__horn.ogg")  # the package prefix does not count


def test_stage_2c_writes_each_material_to_its_own_folder(script):
    import argparse

    stage = script("scripts/model2/2c_fmaps.py")
    base = dict(negatives=False, no_impacts=False, noisy=False, augment=False, round=0, extra=False, distractors=False,
                wide=False)
    cases = [({}, "fmaps"), ({"extra": True}, "fmaps_extra"), ({"extra": True, "augment": True}, "fmaps_aug"),
             ({"extra": True, "augment": True, "round": 2}, "fmaps_aug2"),
             ({"extra": True, "augment": True, "distractors": True}, "fmaps_aug_distr"),
             ({"negatives": True}, "fmaps_neg"), ({"negatives": True, "no_impacts": True}, "fmaps_neg_soft"),
             ({"negatives": True, "noisy": True}, "fmaps_neg_noisy"),
             ({"negatives": True, "no_impacts": True, "noisy": True}, "fmaps_neg_soft_noisy"),
             ({"noisy": True}, "fmaps_noisy"), ({"noisy": True, "wide": True}, "fmaps_noisy_wide"),
             ({"noisy": True, "round": 2}, "fmaps_noisy2"),
             ({"negatives": True, "no_impacts": True, "noisy": True, "round": 2}, "fmaps_neg_soft_noisy2")]
    names = [stage.set_name(argparse.Namespace(**{**base, **kw})) for kw, _ in cases]
    assert names == [want for _, want in cases]
    assert len(set(names)) == len(names)  # no two materials share a folder


def _labelled_set(root, files):
    """A labelled set in get_fresh_heldout_audio.sh's layout: ``files`` of ``(label, package, seconds)``."""
    import numpy as np
    import soundfile as sf

    (root / "manifest.tsv").write_text("split\tlabel\tpackage\tsource\tduration_s\n")
    for i, (label, pkg, secs) in enumerate(files):
        d = root / "test" / label
        d.mkdir(parents=True, exist_ok=True)
        sf.write(d / f"{pkg}__f{i}.wav", np.zeros(int(secs * 8000), np.float32), 8000)
    return root


def test_an_added_set_is_split_by_package_and_refused_when_it_shares_one_with_the_corpus(tmp_path):
    from training.film import added_recordings

    root = _labelled_set(tmp_path, [("explosion", "a", 3), ("explosion", "a", 2), ("gunshot", "b", 1),
                                    ("thunder", "c", 4), ("rain", "d", 5), ("explosion", "e", 1)])
    recs, parts = added_recordings(root, [Recording("/x/z__w.wav", ("Wind",), "z")])
    assert len(recs) == 6 and set(parts) == {"a", "b", "c", "d", "e"}
    assert set(parts.values()) <= {0, 1, 2, 3} and len(set(parts.values())) > 1  # spread, whole packages
    with pytest.raises(ValueError, match="already in the training corpus: c"):
        added_recordings(root, [Recording("/x/c__w.wav", ("Wind",), "c")])
    with pytest.raises(ValueError, match="no labelled recordings"):
        added_recordings(tmp_path / "test", [])
