"""Sensory effects from analysis: the scene-label -> effect rules, the signal cues and the
flattening of overlaps. The effect types themselves are in :mod:`mulse_author.mpegv`."""
