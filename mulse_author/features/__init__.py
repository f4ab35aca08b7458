"""Features: the paper's preprocessing (torch log-mel equal to librosa's, streaming mel, frame
tensors). Constants live in :mod:`mulse_author.spec`."""

from .mel import (  # noqa: F401
    StreamingLogMel,
    log_mel,
    mel_filter_bank,
    mel_power,
    n_frames,
    power_to_db,
    window_db,
)
