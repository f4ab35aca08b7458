"""The bimodal scene classifier: config, network and variants, checkpoints + model card.

- :class:`ModelConfig` (``config.py``): layer sizes, ``paper()`` / ``compact()`` presets,
  the Table I variants (see :data:`VARIANTS`).
- :class:`BimodalNet` (``network.py``): ``forward(mel, frames) -> logits [B, 7]``, the
  sliding-window pieces ``audio_embedding``, ``frame_features``, ``video_embedding``,
  ``fuse``, and ``predict_proba``; ``regularization_loss()`` is the paper's L2 on the audio
  conv kernels.
- :class:`ModelCard` (``card.py``) and ``save_checkpoint`` / ``load_checkpoint``
  (``checkpoint.py``): ``model.safetensors`` + ``model_card.json``, never pickle.

>>> from mulse_author.model import BimodalNet, ModelConfig
>>> net = BimodalNet(ModelConfig.compact())
"""

from mulse_author.model.card import CARD_FORMAT, DEFAULT_PREPROCESSING, CardError, ModelCard
from mulse_author.model.checkpoint import (
    CARD_NAME,
    WEIGHTS_NAME,
    default_model_path,
    load_checkpoint,
    read_card,
    save_checkpoint,
)
from mulse_author.model.config import VARIANTS, ModelConfig, ModelConfigError
from mulse_author.model.network import BimodalNet, ModelInputError, bce_loss

__all__ = [
    "CARD_FORMAT",
    "CARD_NAME",
    "DEFAULT_PREPROCESSING",
    "WEIGHTS_NAME",
    "CardError",
    "ModelCard",
    "default_model_path",
    "load_checkpoint",
    "read_card",
    "save_checkpoint",
    "VARIANTS",
    "BimodalNet",
    "ModelConfig",
    "ModelConfigError",
    "ModelInputError",
    "bce_loss",
]
