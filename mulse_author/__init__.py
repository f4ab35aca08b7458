"""Mulse Author: an authoring assistant for mulsemedia (multi-sensory media).

Engine path: media -> features -> model -> per-label curves -> segments -> effects
-> timeline document -> exporters.  Everything outside ``mulse_author.gui`` is Qt-free.
"""

__version__ = "0.1.0"
