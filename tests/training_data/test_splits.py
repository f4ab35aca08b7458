"""Splitting by source: no source in two splits, labels spread over splits."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mulse_author.errors import FormatError
from mulse_author.labels import LABELS
from training.datasets.recordings import Recording
from training.datasets.splits import check_disjoint, label_counts, split_by_group, split_by_source


def _dataset(n_sources_per_label=8, clips_per_source=(1, 6), seed=0):
    rng = random.Random(seed)
    recs = []
    for lab in LABELS:
        for s in range(n_sources_per_label):
            for c in range(rng.randint(*clips_per_source)):
                recs.append(Recording(f"/d/{lab}/{s}_{c}.wav", (lab,), f"{lab}-src{s}"))
    for s in range(4):
        recs.append(Recording(f"/d/bg/{s}.wav", (), f"bg{s}"))
    return recs


def test_no_source_in_two_splits_and_every_label_everywhere():
    recs = _dataset()
    splits = split_by_source(recs, seed=3)
    check_disjoint(splits)
    assert sorted(r.path for v in splits.values() for r in v) == sorted(r.path for r in recs)
    counts = label_counts(splits)
    for split in ("train", "val", "test"):
        for lab in LABELS:
            assert counts[split][lab] > 0, (split, lab)
    n = len(recs)
    assert 0.5 * n < len(splits["train"]) < 0.85 * n


def test_rare_label_with_three_sources_lands_in_each_split():
    recs = _dataset(n_sources_per_label=10)
    recs = [r for r in recs if r.labels != ("Ocean",)]
    recs += [Recording(f"/o/{i}.wav", ("Ocean",), f"ocean{i}") for i in range(3)]
    counts = label_counts(split_by_source(recs, seed=0))
    assert [counts[s]["Ocean"] for s in ("train", "val", "test")] == [1, 1, 1]


def test_deterministic_per_seed():
    recs = _dataset()
    a = split_by_source(recs, seed=5)
    b = split_by_source(list(recs), seed=5)
    assert a == b


def test_multilabel_sources_kept_whole():
    recs = [Recording(f"/m/{v}_{w}.wav", ("Rain", "Thunder") if w % 2 else ("Wind",), f"video{v}",
                      start_s=10.0 * w, end_s=10.0 * w + 10) for v in range(12) for w in range(5)]
    splits = split_by_source(recs, seed=1)
    check_disjoint(splits)
    assert all(len(v) % 5 == 0 for v in splits.values())  # whole videos only


def test_split_by_group_package_holdout():
    recs = [Recording(f"/p/{pkg}__{i}.wav", ("Fire",), f"{pkg}__{i}")
            for pkg in ("0ad", "wesnoth", "ufoai") for i in range(4)]
    pkg = lambda r: r.source.split("__")[0]  # noqa: E731
    splits = split_by_group(recs, key=pkg, assign={"ufoai": "val"})
    assert {pkg(r) for r in splits["val"]} == {"ufoai"}
    assert {pkg(r) for r in splits["train"]} == {"0ad", "wesnoth"}
    check_disjoint(splits, key=pkg)


def test_check_disjoint_detects_leak():
    a = Recording("/a.wav", ("Rain",), "same")
    b = Recording("/b.wav", ("Rain",), "same")
    with pytest.raises(FormatError, match="same"):
        check_disjoint({"train": [a], "val": [b]})


def test_bad_fractions():
    with pytest.raises(FormatError):
        split_by_source(_dataset(), fractions={"train": -1, "val": 1})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.sets(st.sampled_from(LABELS), max_size=3)),
                min_size=1, max_size=60), st.integers(0, 3))
def test_property_sources_never_shared(items, seed):
    recs = [Recording(f"/x/{i}.wav", tuple(labs), f"s{src}") for i, (src, labs) in enumerate(items)]
    splits = split_by_source(recs, seed=seed)
    check_disjoint(splits)
    assert sum(len(v) for v in splits.values()) == len(recs)
