"""The live effect monitor: what plays at the playhead, in physical units, from the export state."""

from __future__ import annotations

import pytest

from mulse_author.document import MediaRef, Segment, Source, TimelineDocument
from mulse_author.gui.logic.now_playing import NowPlaying


def room_doc():
    doc = TimelineDocument(MediaRef("/nonexistent/v.mp4", 60_000, fps=25.0))
    doc.add([
        Segment("Light", 0, 10_000, color="red", location="left:*:*", intensity=1.0, id="L"),
        Segment("Light", 0, 10_000, color="blue", location="right:*:*", intensity=0.5, id="R"),
        Segment("Temperature", 2_000, 8_000, intensity=0.2, id="heat"),  # 20 + 0.2*25 = 25 °C
        Segment("Wind", 2_000, 6_000, intensity=0.5, keyframes=[(0, 0.0), (4_000, 1.0)], id="wind"),
        Segment("Wind", 3_000, 4_000, intensity=0.1, id="weak"),  # overlaps: the stronger wind plays
        Segment("Flash", 5_000, 5_200, intensity=0.8, id="f"),
        Segment("Scent", 1_000, 9_000, scent="rose", intensity=0.3, source=Source.SUGGESTED, confidence=0.5, id="sc"),
    ])
    return doc


def test_model_what_plays_now():
    np_ = NowPlaying(room_doc().segments())
    now = {p.segment_id: p for p in np_.at(3_000)}
    assert set(now) == {"L", "R", "heat", "wind", "sc"}  # "weak" loses the overlap
    assert now["heat"].text() == "25 °C"
    # keyframed: the level the file holds there (the 1000-1250 ms step of the ramp, at its middle)
    assert now["wind"].value == pytest.approx(12 * 1125 / 4000, abs=0.01)
    lights = np_.lights(3_000)
    assert lights["left"].color == "red" and lights["right"].color == "blue" and lights["center"] is None
    assert any(p.effect == "Flash" and p.value == 800 for p in np_.at(5_100))
    np_.approved_only = True
    assert "sc" not in {p.segment_id for p in np_.at(3_000)}


def test_monitor_follows_playhead_edits_and_row_flags(qtbot, make_window):
    w = make_window()
    w._set_document(room_doc())
    mon = w.monitor
    assert mon.isVisible()
    w.seek(3_000)
    qtbot.waitUntil(lambda: mon.summary().get("Temperature") == "25 °C", timeout=2_000)
    assert mon.summary()["Wind"] == "3.37 Bft" and "Scent" in mon.summary()  # 12 Bft x 0.2812
    # an edit shows at once: what the exporters would write now
    w.editor.update_segments({"heat": {"intensity": 1.0}}, "hotter")
    qtbot.waitUntil(lambda: mon.summary().get("Temperature") == "45 °C", timeout=2_000)
    w.editor.toggle_row_flag(("Temperature", None), "mute")
    qtbot.waitUntil(lambda: "Temperature" not in mon.summary(), timeout=2_000)
    img = mon.canvas.grab().toImage()
    assert not img.isNull()
    # the left zone is painted red-ish
    c = img.pixelColor(20, 20)
    assert c.red() > 150 and c.green() < 90
    w.act_show_monitor.setChecked(False)
    assert not mon.isVisible()


def test_monitor_shows_what_the_exported_file_plays(tmp_path):
    from mulse_author.formats import read_sem, write_sem

    doc = room_doc()
    doc.remove(["weak"])  # the writers refuse overlaps unless asked to resolve them
    out = tmp_path / "room.sem"
    write_sem(doc, out)
    back, _ = read_sem(out)
    model = NowPlaying(doc.segments())
    for t in range(2_000, 6_000, 130):
        (w,) = [s for s in back.segments("Wind") if s.start_ms <= t < s.end_ms]
        (p,) = [p for p in model.at(t) if p.effect == "Wind"]
        assert p.level == pytest.approx(w.intensity, abs=1e-3), t
