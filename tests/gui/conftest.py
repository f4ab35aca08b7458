"""GUI test fixtures: Qt offscreen, generated videos (PyAV) and documents."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from guifixtures import fake_analyze, make_video  # noqa: E402


@pytest.fixture(scope="session")
def video_path(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "frames.mp4")


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Builds main windows with their own settings and autosave folder (closed at the end)."""
    from mulse_author.gui.main_window import MainWindow
    from mulse_author.gui.settings import AppSettings

    made = []

    def make(analyze_fn=None, interval=60.0, size=(1400, 900)):
        w = MainWindow(settings=AppSettings(tmp_path / "settings.ini"), autosave_dir=tmp_path / "autosave",
                       analyze_fn=analyze_fn or fake_analyze(), autosave_interval_s=interval)
        w.confirm_unsaved = lambda: "discard"
        qtbot.addWidget(w)
        if size:
            w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.runner.cancel()
        w.runner.wait(5000)
        w.player.close()


def pytest_collection_modifyitems(config, items):
    # pytest-qt's Qt message capture runs a Python handler on whatever thread logs; the
    # multimedia decoder threads log while QMediaPlayer.stop() holds the GIL waiting for them,
    # which deadlocks.  The app itself installs no Python message handler.
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.no_qt_log)
