"""Training datasets: recordings, local folders and CSV manifests, AudioSet, splits.

See :mod:`training.datasets.recordings` for the :class:`Recording` type they share.
"""

from training.datasets.recordings import Recording, canonical_label, group_by_label, parse_labels

__all__ = ["Recording", "canonical_label", "group_by_label", "parse_labels"]
