"""AudioSet segment CSVs (both header styles), the paper's subset counts, caps, ontology."""

from __future__ import annotations

import pytest

from mulse_author.errors import FormatError
from mulse_author.labels import AUDIOSET_MIDS, LABELS
from training.datasets.audioset import (
    Segment,
    label_counts,
    label_evidence,
    load_ontology,
    read_audioset_manifest,
    read_segments,
    select_segments,
    to_recordings,
    write_manifest,
)
from training.datasets.local import read_manifest

M = AUDIOSET_MIDS
OFFICIAL = f"""# Segments csv created Sun Mar  5 10:54:31 2017
# num_ytids=3, num_segs=3, num_unique_labels=4, num_positive_labels=5
# YTID, start_seconds, end_seconds, positive_labels
--aaILOrkII, 200.000, 210.000, "{M['Gunshot']},/m/073cg4"
-99daJhXYJY, 30.000, 40.000, "/m/019jd,{M['Wind']}"
abc, 0.000, 9.500, "/m/09x0r"
"""
PLAIN = f"""YTID,start_seconds,end_seconds,positive_labels
--aaILOrkII,200.000,210.000,"{M['Gunshot']},/m/073cg4"
-99daJhXYJY,30.000,40.000,"/m/019jd,{M['Wind']}"
abc,0.000,9.500,"/m/09x0r"
"""


@pytest.mark.parametrize("text", [OFFICIAL, PLAIN], ids=["official", "plain"])
def test_both_header_styles(tmp_path, text):
    p = tmp_path / "segs.csv"
    p.write_text(text)
    segs = read_segments(p)
    assert segs == [Segment("--aaILOrkII", 200.0, 210.0, (M["Gunshot"], "/m/073cg4")),
                    Segment("-99daJhXYJY", 30.0, 40.0, ("/m/019jd", M["Wind"])),
                    Segment("abc", 0.0, 9.5, ("/m/09x0r",))]
    assert segs[0].clip_name == "--aaILOrkII_200000"


@pytest.mark.parametrize("line, msg", [
    ('x, 1.0, 2.0\n', "4 fields"),
    ('x, one, 2.0, "/m/1"\n', "not numbers"),
    ('x, 5.0, 2.0, "/m/1"\n', "not after"),
])
def test_bad_rows(tmp_path, line, msg):
    p = tmp_path / "bad.csv"
    p.write_text("# a\n# b\n# c\n" + line)
    with pytest.raises(FormatError, match=msg) as err:
        read_segments(p)
    assert "bad.csv:4" in str(err.value)


def test_paper_subset_counts(shared_dir):
    """Step 1 on the full lists gives the paper's 576 eval / 582 balanced clips, exactly the
    clips of the shared subset files (read in the other header style)."""
    a = shared_dir / "audioset"
    ev = label_evidence()
    for full, subset, n, per_label in [
        ("eval_segments.csv", "subset_eval_segments.csv", 576,
         dict(Wind=183, Thunder=63, Rain=104, Ocean=68, Fire=61, Explosion=60, Gunshot=174)),
        ("balanced_train_segments.csv", "subset_balanced_train_segments.csv", 582,
         dict(Wind=168, Thunder=70, Rain=113, Ocean=68, Fire=62, Explosion=63, Gunshot=178)),
    ]:
        chosen = select_segments(read_segments(a / full), ev, cap=None)
        ref = read_segments(a / subset)
        assert len(chosen) == len(ref) == n
        assert {s for s, _ in chosen} == set(ref)
        assert label_counts(chosen) == per_label | {"clips": n}
        assert label_counts(select_segments(ref, ev, cap=None)) == per_label | {"clips": n}


def test_unbalanced_2000max_subset(shared_dir):
    segs = read_segments(shared_dir / "audioset" / "2000max_subset_unbalanced_train_segments.csv")
    ev = label_evidence()
    everything = select_segments(segs, ev, cap=None)
    assert label_counts(everything) == dict(Wind=2691, Thunder=1163, Rain=2324, Ocean=2000,
                                            Fire=1322, Explosion=2009, Gunshot=2000,
                                            clips=11518)
    capped = label_counts(select_segments(segs, ev, cap=2000))
    assert capped["Thunder"] == 1163 and capped["Fire"] == 1322  # fewer than the cap: all kept
    assert all(capped[lab] >= 2000 for lab in ("Wind", "Rain", "Ocean", "Explosion", "Gunshot"))
    assert capped["Gunshot"] == 2000  # the last label visited stops exactly at the cap
    rarest = label_counts(select_segments(segs, ev, cap=2000, order="rarest"))
    assert all(rarest[lab] == min(2000, everything_count)
               for lab, everything_count in label_counts(everything).items() if lab != "clips")


def test_ontology_children_as_evidence(shared_dir):
    onto = load_ontology(shared_dir / "audioset" / "ontology.json")
    ev = label_evidence(onto, children=True)
    name = {e["name"]: mid for mid, e in onto.items()}
    assert ev[name["Rain on surface"]] == {"Rain"}
    assert ev[name["Waves, surf"]] == {"Ocean"}
    assert ev[name["Crackle"]] == {"Fire"}
    assert ev[name["Machine gun"]] == {"Gunshot"}  # nearest ancestor, not Explosion too
    assert ev[name["Fireworks"]] == {"Explosion"}
    assert ev[M["Gunshot"]] == {"Gunshot"}  # Gunshot sits under Explosion: not propagated
    assert name["Speech"] not in ev
    assert label_evidence()[M["Rain"]] == {"Rain"} and name["Rain on surface"] not in label_evidence()

    a = shared_dir / "audioset"
    eval_children = label_counts(select_segments(read_segments(a / "eval_segments.csv"), ev,
                                                 cap=None))
    assert eval_children == dict(Wind=243, Thunder=63, Rain=116, Ocean=75, Fire=123,
                                 Explosion=319, Gunshot=233, clips=1026)
    # the paper's own eval subset: children add labels to 5 Ocean / 1 Explosion clips only
    sub = label_counts(select_segments(read_segments(a / "subset_eval_segments.csv"), ev, cap=None))
    assert sub == dict(Wind=183, Thunder=63, Rain=104, Ocean=73, Fire=61, Explosion=61,
                       Gunshot=174, clips=576)


def test_hierarchy_on_a_tiny_ontology(tmp_path):
    onto = [{"id": M[lab], "name": lab, "child_ids": []} for lab in LABELS]
    onto[LABELS.index("Rain")]["child_ids"] = ["/x/drop"]
    onto.append({"id": "/x/drop", "name": "Drop", "child_ids": ["/x/tiny"]})
    onto.append({"id": "/x/tiny", "name": "Tiny drop", "child_ids": []})
    p = tmp_path / "ontology.json"
    import json
    p.write_text(json.dumps(onto))
    ev = label_evidence(load_ontology(p), children=True)
    assert ev["/x/tiny"] == {"Rain"}  # grandchildren count too
    with pytest.raises(FormatError):
        label_evidence(None, children=True)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(FormatError, match="JSON"):
        load_ontology(tmp_path / "bad.json")


def test_cap_by_hand():
    W, R, OC = M["Wind"], M["Rain"], M["Ocean"]
    segs = [Segment(f"v{i}", 0, 10, mids) for i, mids in enumerate(
        [(W,), (W, R), (R,), (R,), (OC, W), (OC,), (OC,), ("/m/other",)])]
    picked = select_segments(segs, label_evidence(), cap=2)
    # Wind: v0, v1 (count 2, Rain 1); Rain: v2 (Rain 2); Ocean: v4 (Wind 3), v5 (Ocean 2)
    assert [s.ytid for s, _ in picked] == ["v0", "v1", "v2", "v4", "v5"]
    assert label_counts(picked) == {lab: 0 for lab in LABELS} | dict(Wind=3, Rain=2, Ocean=2,
                                                                     clips=5)
    assert [s.ytid for s, _ in select_segments(segs, label_evidence(), cap=None)] == \
        [f"v{i}" for i in range(7)]
    with pytest.raises(FormatError):
        select_segments(segs, label_evidence(), cap=2, order="alphabetical")


def test_seeded_selection_is_reproducible():
    segs = [Segment(f"v{i}", 0, 10, (M[LABELS[i % 7]],)) for i in range(100)]
    a = select_segments(segs, label_evidence(), cap=5, seed=1)
    assert a == select_segments(segs, label_evidence(), cap=5, seed=1)
    assert a != select_segments(segs, label_evidence(), cap=5, seed=2)
    assert label_counts(a) == {lab: 5 for lab in LABELS} | {"clips": 35}


def test_manifest_roundtrip(tmp_path):
    segs = [Segment("yt1", 30.0, 40.0, (M["Rain"], M["Thunder"])),
            Segment("yt2", 0.0, 10.0, (M["Fire"],))]
    picked = select_segments(segs, label_evidence(), cap=None)
    path = write_manifest(picked, tmp_path / "as" / "manifest.csv")
    back = read_audioset_manifest(path)
    assert [(s, p, labs) for s, p, labs in back] == [
        (segs[0], "clips/yt1_30000.mp4", ("Thunder", "Rain")),
        (segs[1], "clips/yt2_0.mp4", ("Fire",))]
    recs = read_manifest(path)  # the training side reads the same file
    assert [r.labels for r in recs] == [("Thunder", "Rain"), ("Fire",)]
    assert [r.source for r in recs] == ["yt1", "yt2"]
    assert recs[0].path == str(tmp_path / "as" / "clips" / "yt1_30000.mp4")
    assert [r.path for r in to_recordings(picked)] == ["clips/yt1_30000.mp4", "clips/yt2_0.mp4"]
