"""Frame tensors for the model."""

import numpy as np
import pytest
import torch

from mulse_author.features.frames import frame_windows, frames_to_tensor, window_start_frame
from mulse_author.media.decode import sample_time


def test_frames_to_tensor_layout():
    hwc = np.random.default_rng(0).random((5, 32, 32, 3), dtype=np.float32)
    t = frames_to_tensor(hwc)
    assert t.shape == (5, 3, 32, 32) and t.is_contiguous()
    assert torch.equal(t[2, 1], torch.from_numpy(hwc[2, :, :, 1]))


def test_frames_to_tensor_rejects_bad_input():
    with pytest.raises(ValueError):
        frames_to_tensor(np.zeros((5, 3, 32, 32), np.float32))
    with pytest.raises(TypeError):
        frames_to_tensor(np.zeros((5, 32, 32, 3), np.uint8))


def test_frame_windows():
    frames = torch.arange(40.0)[:, None, None, None].expand(40, 3, 2, 2)
    w = frame_windows(frames, [0, 4, 8])
    assert w.shape == (3, 32, 3, 2, 2)
    assert w[1, :, 0, 0, 0].tolist() == list(range(4, 36))
    with pytest.raises(IndexError):
        frame_windows(frames, [9])


@pytest.mark.parametrize("start", [0.0, 1.25, 2.5, 12.5])
def test_window_start_frame_gives_32_frames_inside_the_clip(start):
    k = window_start_frame(start)
    t = sample_time(np.arange(k, k + 32))
    assert t[0] >= start and t[-1] < start + 10
    assert sample_time(k - 1) < start
