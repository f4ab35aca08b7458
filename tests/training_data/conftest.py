"""Fixtures for the training-data tests: small media files written with PyAV."""

from __future__ import annotations

import pytest
from audiogen import SR, tone, write_audio, write_video  # noqa: F401  (helpers live in audiogen.py)


@pytest.fixture
def media_writer():
    """``media_writer.audio(path, signal)`` / ``media_writer.video(path, seconds)``."""

    class _W:
        audio = staticmethod(write_audio)
        video = staticmethod(write_video)

    return _W
