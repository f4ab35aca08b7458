"""The README's demo command, end to end, with the shipped model when trained/ has one.

This is the guard that ``python -m mulse_author demo`` works: analysis with the real model,
the project written and loadable, and both exports written and valid.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from mulse_author.cli import DEMO_VIDEO, main
from mulse_author.document import load_project
from mulse_author.effects.overlaps import has_overlaps
from mulse_author.model import default_model_path

pytestmark = pytest.mark.skipif(not DEMO_VIDEO.is_file(), reason=f"demo video {DEMO_VIDEO} not built")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("demo")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--out", str(out_dir), "--no-progress"])
    return code, out_dir, out.getvalue(), err.getvalue()


def test_demo_exits_0_and_writes_a_loadable_project(demo):
    code, out_dir, out, err = demo
    assert code == 0, err
    assert "error" not in err
    doc = load_project(out_dir / "demo_project.json")
    assert len(doc) > 0 and doc.media is not None and doc.media.duration_ms > 0
    shipped = default_model_path()
    assert doc.analysis["scene_detection"] is (shipped is not None)
    if shipped is not None:  # the shipped model ran: scene suggestions are there
        assert doc.analysis["suggestions"]["scene"] > 0
        assert any(s.label is not None for s in doc.segments())
    assert not has_overlaps(doc.segments())
    for name in ("demo.sem", "demo.ncl"):
        assert (out_dir / name).is_file() and f"export: {out_dir / name}" in out


def test_demo_exports_validate(demo, shared_dir):
    from mulse_author.document.keyframes import seg_value_at
    from mulse_author.formats import read_ncl, read_sem, validate

    code, out_dir, _, err = demo
    assert code == 0, err
    doc = load_project(out_dir / "demo_project.json")
    for name, reader in (("demo.sem", read_sem), ("demo.ncl", read_ncl)):
        issues = validate(out_dir / name, shared_dir / "schemas")
        assert [str(i) for i in issues if i.is_error] == []
        back, _ = reader(out_dir / name)
        # keyframed segments (seeded from the loudness) are written as held steps: compare
        # what plays at each segment's middle, and the time covered, not the counts
        for seg in doc.segments():
            mid = (seg.start_ms + seg.end_ms) // 2
            (b,) = [x for x in back.segments(seg.effect) if x.location == seg.location and x.start_ms <= mid < x.end_ms]
            assert seg_value_at(b, mid) == pytest.approx(seg_value_at(seg, mid), abs=0.1), (name, seg)
        assert sum(s.duration_ms for s in back) == sum(s.duration_ms for s in doc)
