"""The player on a generated video: seeking shows the requested frame, stepping, playing."""

from __future__ import annotations

import pytest
from guifixtures import FPS, frame_colour
from PySide6.QtMultimediaWidgets import QVideoWidget

from mulse_author.gui.player import Player


def shown_frame(frame) -> int:
    """Index of the generated frame on screen, read from its colour (red = (i % 32) * 8)."""
    img = frame.toImage()
    return round(img.pixelColor(img.width() // 2, img.height() // 2).red() / 8) % 32


@pytest.fixture
def player(qtbot, video_path):
    w = QVideoWidget()
    qtbot.addWidget(w)
    p = Player(w)
    with qtbot.waitSignal(p.loaded, timeout=10_000):
        p.open(str(video_path), fps=FPS)
    yield p
    p.close()


def seek_and_wait(qtbot, p, ms):
    frames = []
    p.frameShown.connect(frames.append)
    p.seek(ms)
    # the player re-seeks if the decoder lands on a neighbour frame; wait until it settled
    qtbot.waitUntil(lambda: bool(frames) and p.position_ms == p.last_frame_ms, timeout=5_000)
    qtbot.wait(200)  # a late frame from the seek (and the player's correction) shows up here
    p.frameShown.disconnect(frames.append)
    return frames[-1]


@pytest.mark.parametrize("ms", [1_000, 1_990, 420, 2_960])
def test_seek_shows_the_frame_named_by_the_time(qtbot, player, ms):
    frame = seek_and_wait(qtbot, player, ms)
    want = int(ms * FPS // 1000)
    assert frame.startTime() // 1000 == want * 40  # presentation time of the frame shown
    assert shown_frame(frame) == frame_colour(want) // 8  # and its pixels are that frame's
    assert player.position_ms == want * 40  # the playhead sits on it


def test_frame_step_and_second_step(qtbot, player):
    seek_and_wait(qtbot, player, 1_000)
    frames = []
    player.frameShown.connect(frames.append)
    player.step_frames(1)
    qtbot.waitUntil(lambda: player.position_ms == 1_040, timeout=5_000)
    player.step_frames(-3)
    qtbot.waitUntil(lambda: player.position_ms == 920, timeout=5_000)
    player.step_ms(1000)
    qtbot.waitUntil(lambda: player.position_ms == 1_920, timeout=5_000)
    assert shown_frame(frames[-1]) == frame_colour(48) // 8


def test_play_advances_and_pause_stops(qtbot, player):
    seek_and_wait(qtbot, player, 0)
    with qtbot.waitSignal(player.playingChanged, timeout=5_000):
        player.toggle()
    qtbot.waitUntil(lambda: player.position_ms >= 400, timeout=8_000)
    player.toggle()
    qtbot.wait(200)
    t = player.position_ms
    qtbot.wait(300)
    assert player.position_ms == t and not player.is_playing()


def test_shuttle_jkl(qtbot, player):
    seek_and_wait(qtbot, player, 2_000)
    assert player.shuttle("j") == -1.0
    qtbot.waitUntil(lambda: player.position_ms <= 1_700, timeout=5_000)
    assert player.shuttle("j") == -2.0
    assert player.shuttle("k") == 0.0
    assert player.shuttle("l") == 1.0 and player.shuttle("l") == 2.0
    player.shuttle("k")
    assert not player.is_playing()


def test_bad_media_reports_error(qtbot, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    p = Player()
    with qtbot.waitSignal(p.error, timeout=10_000) as blocker:
        p.open(str(bad), fps=25)
    assert blocker.args[0]
