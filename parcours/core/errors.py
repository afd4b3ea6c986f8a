"""Errors meant for the people using Parcours: their message is French and shown as is."""


class ParcoursError(Exception):
    """A problem the user can act on (bad input, unknown batch…). The CLI exits 2."""


class FileRejected(ParcoursError):
    """A whole file is refused: nothing of it is written."""

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.kind = kind


class BuildFailed(Exception):
    """The warehouse build or one of its tests failed; the served warehouse is unchanged."""
