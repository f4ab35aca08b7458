"""Fixtures for the feature tests."""

from __future__ import annotations

import numpy as np
import pytest
from feature_signals import scene_signal


@pytest.fixture(scope="session")
def scene_audio() -> np.ndarray:
    return scene_signal()
