"""The seven AudioSet scene components of Abreu, dos Santos & Bezerra (IJCNN 2018).

The order is the model's output order and never changes: checkpoints store it in their
model card and loading refuses a card whose labels differ.
"""

LABELS: tuple[str, ...] = ("Wind", "Thunder", "Rain", "Ocean", "Fire", "Explosion", "Gunshot")

#: AudioSet machine ids (``/m/...``) of each label, as in ``class_labels_indices.csv``.
AUDIOSET_MIDS: dict[str, str] = {
    "Wind": "/m/03m9d0z",
    "Thunder": "/m/0ngt1",
    "Rain": "/m/06mb1",
    "Ocean": "/m/05kq4",
    "Fire": "/m/02_41",
    "Explosion": "/m/014zdl",
    "Gunshot": "/m/032s66",  # AudioSet display name: "Gunshot, gunfire"
}

NUM_LABELS = len(LABELS)


def label_index(name: str) -> int:
    """Index of a label, case-insensitive (``"gunshot"`` -> 6). Raises ``KeyError``."""
    for i, lab in enumerate(LABELS):
        if lab.lower() == name.strip().lower():
            return i
    raise KeyError(f"unknown scene label {name!r}; expected one of {', '.join(LABELS)}")
