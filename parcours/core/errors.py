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


DISK_FULL_MESSAGE = (
    "Le disque du serveur est plein : rien n'a été enregistré. Prévenez l'administrateur, qui "
    "doit libérer de la place dans le dossier de données, puis réessayez."
)
_FULL_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
# SQLite's own codes: a full disk also shows as « disk I/O error » when the WAL index (-shm)
# or the WAL cannot grow.
_SQLITE_FULL = {"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_WRITE"}


class DiskFull(ParcoursError):
    """The data folder's disk is full (or over quota): nothing was written."""

    def __init__(self, message: str = DISK_FULL_MESSAGE):
        super().__init__(message)


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the disk is full: ENOSPC/EDQUOT from the OS,
    SQLITE_FULL from SQLite, or the same words in a native library's message (polars, DuckDB
    raise their own types with the OS message inside)."""
    import errno

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(current).lower() for text in _FULL_TEXTS):
            return True
        if getattr(current, "sqlite_errorname", None) in _SQLITE_FULL:
            return True
        current = current.__cause__ or current.__context__
    return False
