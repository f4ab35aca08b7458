"""The bimodal scene classifier: config, network and variants, checkpoints + model card.

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
