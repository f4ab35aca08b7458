"""Pretrained audio encoders that can replace the paper's audio module (``ModelConfig.audio_encoder``)."""
