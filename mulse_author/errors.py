"""Exception types shared by the engine. Each carries a message fit to show a user as is."""


class MulseError(Exception):
    """Base class: a problem the user can act on (bad file, bad setting)."""


class MediaError(MulseError):
    """A media file cannot be opened or decoded."""


class DocumentError(MulseError):
    """A project file is missing, corrupt or of an unsupported version."""


class CheckpointError(MulseError):
    """A model checkpoint is missing, truncated or does not match its model card."""


class FormatError(MulseError):
    """An NCL / SEM file cannot be read or written."""


class OverlapError(FormatError):
    """Two segments of one effect at one location overlap, so a renderer cannot play both.

    ``ids`` names the segments (the editor selects them)."""

    def __init__(self, message: str, ids: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.ids = list(ids)
