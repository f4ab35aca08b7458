"""Features: the paper's preprocessing (torch log-mel equal to librosa's, streaming mel, frame
tensors). Constants live in :mod:`mulse_author.features.constants`."""

from .constants import (  # noqa: F401
    AUDIO_FRAMES, CLIP_SECONDS, FRAME_SIZE, HOP, N_FFT, N_MELS, SAMPLE_RATE, TOP_DB, VIDEO_FPS,
    VIDEO_FRAMES,
)
from .mel import (  # noqa: F401
    StreamingLogMel, log_mel, mel_filter_bank, mel_power, n_frames, power_to_db, window_db,
)
