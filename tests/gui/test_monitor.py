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


# -- the light surround around the picture -----------------------------------------------------
def band_pixel(w, zone: str):
    """A pixel of the surround just outside the picture, in ``zone`` (left / center / right)."""
    img = w.surround.grab().toImage()
    P = w.surround.picture
    x = {"left": P.left() - 3, "center": P.center().x(), "right": P.right() + 4}[zone]
    y = P.center().y() if zone != "center" else P.top() - 3
    return img.pixelColor(x, y)


def test_surround_glows_the_lights_playing_now_around_the_picture(qtbot, make_window):
    from mulse_author.document import MediaRef

    w = make_window()
    doc = room_doc()
    doc.media = MediaRef("/nonexistent/v.mp4", 60_000, fps=25.0, width=640, height=360)
    doc.add(Segment("Light", 6_000, 9_000, color="bright_green", location="center:*:*", intensity=1.0,
                    source=Source.SUGGESTED, confidence=0.6, id="C"))
    w._set_document(doc)
    sur = w.surround
    assert sur.isVisible() and sur.glow
    P = sur.picture  # the picture keeps the media's 16:9 with room for the glow on every side
    assert abs(P.width() / P.height() - 16 / 9) < 0.02 and P.left() >= 10 and P.top() >= 10
    assert w.video.geometry() == P
    w.seek(3_000)
    qtbot.waitUntil(lambda: band_pixel(w, "left").red() > 150, timeout=2_000)
    left, right, centre = band_pixel(w, "left"), band_pixel(w, "right"), band_pixel(w, "center")
    assert left.red() > 150 and left.green() < 60 and left.blue() < 60  # red light, full intensity
    assert right.blue() > 70 and right.red() < 40 and right.blue() < left.red()  # blue at half intensity
    assert max(centre.red(), centre.green(), centre.blue()) < 40  # nothing lights the centre
    # the centre light (a suggestion) glows green until Approved only leaves it out
    w.seek(7_000)
    qtbot.waitUntil(lambda: band_pixel(w, "center").green() > 150, timeout=2_000)
    w.monitor.approved.setChecked(True)
    qtbot.waitUntil(lambda: band_pixel(w, "center").green() < 40, timeout=2_000)
    w.monitor.approved.setChecked(False)
    # a flash: a bright frame around the picture, gone after it
    w.seek(5_100)
    qtbot.waitUntil(lambda: sur.state()[2] is not None, timeout=2_000)
    img = sur.grab().toImage()
    assert img.pixelColor(P.center().x(), P.top() - 3).lightness() > 200
    w.seek(5_600)
    qtbot.waitUntil(lambda: sur.state()[2] is None, timeout=2_000)
    # muting the left row darkens the left zone; solo on the right row leaves only it lit
    w.seek(3_000)
    w.editor.toggle_row_flag(("Light", "left:*:*"), "mute")
    qtbot.waitUntil(lambda: band_pixel(w, "left").red() < 40, timeout=2_000)
    w.editor.undo_stack.undo()
    qtbot.waitUntil(lambda: band_pixel(w, "left").red() > 150, timeout=2_000)
    w.editor.toggle_row_flag(("Light", "right:*:*"), "solo")
    qtbot.waitUntil(lambda: band_pixel(w, "left").red() < 40 and band_pixel(w, "right").blue() > 70, timeout=2_000)


def test_surround_view_toggle_and_passed_flash(qtbot, make_window):
    w = make_window()
    w._set_document(room_doc())
    sur = w.surround
    w.act_surround.setChecked(False)
    assert not sur.glow and w.video.geometry() == sur.rect()  # the picture takes the whole area
    assert w.settings.get("view/surround", True, bool) is False
    w.act_surround.setChecked(True)
    assert sur.glow and w.video.geometry() != sur.rect()
    # the surround keeps following the playhead with the monitor panel hidden
    w.act_show_monitor.setChecked(False)
    w.seek(3_000)
    qtbot.waitUntil(lambda: sur.zone_colours()["left"].red() > 150, timeout=2_000)
    w.seek(20_000)
    qtbot.waitUntil(lambda: sur.zone_colours()["left"].red() < 40, timeout=2_000)
    w.act_show_monitor.setChecked(True)
    # playing: a flash that starts and ends between two refreshes is still shown
    feed = w.now_feed
    w.editor.set_playhead(4_980)
    feed.refresh()
    assert feed.flash is None
    w.editor.set_playhead(5_210)  # the 5000-5200 flash was passed over
    feed.refresh()
    assert feed.flash is not None and feed.flash.segment_id == "f"
    w.editor.set_playhead(5_400)
    feed.refresh()
    assert feed.flash is None
    w.editor.toggle_row_flag(("Flash", None), "mute")
    w.editor.set_playhead(5_100)
    feed.refresh()
    assert feed.flash is None  # muted


def test_surround_geometry_and_flash_query_are_plain_python():
    from mulse_author.gui.logic.now_playing import lights_of
    from mulse_author.gui.logic.sublanes import RowStates
    from mulse_author.gui.logic.surround import glow_margin, picture_rect

    assert picture_rect(1000, 400, 16 / 9, 20) == (180, 20, 640, 360)  # height-bound: side bands wider
    assert picture_rect(400, 1000, 16 / 9, 20) == (20, 399, 360, 202)
    assert picture_rect(1000, 400, None, 20)[2:] == (640, 360)  # no picture size: 16:9
    assert 10 <= glow_margin(320, 180) <= glow_margin(1600, 900) <= 36
    model = NowPlaying(room_doc().segments())
    assert model.flash_between(4_000, 5_000).segment_id == "f"  # touches its start
    assert model.flash_between(5_200, 6_000) is None  # ends before
    rows = RowStates()
    rows.toggle(("Flash", None), "mute")
    assert model.flash_between(4_000, 6_000, rows) is None
    zones = lights_of(model.at(3_000))
    assert zones["left"].segment_id == "L" and zones["center"] is None


def test_values_read_as_numbers():
    now = {p.segment_id: p for p in NowPlaying(room_doc().segments()).at(3_000)}
    assert now["L"].text() == "1000 lux" and now["R"].text() == "500 lux"
