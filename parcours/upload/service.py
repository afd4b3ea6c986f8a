"""What the « Téléverser » page does, without streamlit: who may upload for which centre, the
uploaded files handed to the ingest pipeline (the same one as `parcours ingest`), the batch
history and the withdrawals.

A centre user uploads and withdraws for its own centre only; an admin for any centre; the other
roles neither. The check is made here, not by hiding widgets. Uploads and withdrawals are
audited by `parcours.upload.ingest`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import polars as pl

from parcours.core.errors import ParcoursError
from parcours.store import opstore, registry, roles
from parcours.store.datadir import DataDir
from parcours.upload import checks, ingest, isolation
from parcours.upload.limits import UploadLimits, check_count, check_size

UPLOAD_ROLES = roles.roles_with("upload")


class AccessDenied(ParcoursError):
    """The user's role or centre does not allow this action."""


def upload_centres(data_dir: DataDir, user) -> list[str]:
    """The centres this user may upload for: its own for a centre, every one for an admin."""
    if user.role == "centre":
        return [user.centre_id] if user.centre_id else []
    if user.role == "admin":
        with opstore.connected(data_dir.ops_db) as conn:
            return [c["centre_id"] for c in opstore.list_centres(conn)]
    return []


def _check_centre(data_dir: DataDir, user, centre_id: str) -> None:
    if user.role not in UPLOAD_ROLES:
        raise AccessDenied(
            "Seuls le personnel d'un centre et les administrateurs peuvent déposer des fichiers."
        )
    if user.role == "centre" and centre_id != user.centre_id:
        raise AccessDenied("Vous ne pouvez déposer des fichiers que pour votre propre centre.")


# A file name longer than this is shortened (its end and extension kept): file systems refuse
# names over 255 bytes, and the registry, the audit log and the messages need no more.
MAX_NAME_CHARS = 120


def safe_name(name: str) -> str:
    """The uploaded file's own name, without any folder part (a browser may send one), control
    characters or invisible formatting, and at most `MAX_NAME_CHARS` characters
    (« début…fin.csv »)."""
    base = Path(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if base in ("", ".", ".."):
        return "fichier"
    if len(base) > MAX_NAME_CHARS:
        stem, dot, extension = base.rpartition(".")
        if not stem or len(extension) > 8:
            stem, extension = base, ""
        else:
            extension = dot + extension
        room = MAX_NAME_CHARS - len(extension) - 1  # the « … »
        head = room * 2 // 3
        base = stem[:head].rstrip() + "…" + stem[len(stem) - (room - head) :].lstrip() + extension
    return base


def ingest_uploads(
    data_dir: DataDir,
    user,
    centre_id: str,
    files: Iterable[tuple[str, bytes]],
    *,
    dry_run: bool,
    complete: bool = False,
) -> list[ingest.FileReport]:
    """Check (`dry_run`) or store uploaded files for one centre; one report per file.

    The number of files and the size of each are checked first (`UploadLimits`): too many files
    refuse the upload whole; a file too large is refused without being read. The bytes are
    never written anywhere: they go from memory to the checking process through a pipe
    (`parcours.upload.isolation`), and only the accepted, pseudonymised rows are stored.

    At most `PARCOURS_MAX_CONCURRENT_CHECKS` uploads are checked at once in this process
    (`checks.slot`); beyond, `Busy` (« réessayez dans un instant »)."""
    _check_centre(data_dir, user, centre_id)
    files = list(files)
    limits = UploadLimits.from_env()
    check_count(len(files), limits)

    def bounded(content: bytes, name: str) -> bytes:
        check_size(name, len(content), limits)
        return content

    uploads = [
        ingest.Upload(safe_name(name), safe_name(name), partial(bounded, content, safe_name(name)))
        for name, content in files
    ]
    with checks.slot(limits):
        try:
            return ingest.ingest_uploads(
                data_dir,
                centre_id,
                uploads,
                user.email,
                dry_run=dry_run,
                complete=complete,
                limits=limits,
            )
        finally:
            # The next upload (« Confirmer » after « Vérifier », another centre) finds a
            # checking process that has already made its imports.
            isolation.prestart()


def withdraw_batch(data_dir: DataDir, user, batch_id: str) -> list[str]:
    """Withdraw one batch (and its replays): a centre user only its own centre's."""
    if user.role == "centre":
        return ingest.withdraw(data_dir, batch_id, user.email, centre_id=user.centre_id)
    if user.role == "admin":
        return ingest.withdraw(data_dir, batch_id, user.email)
    raise AccessDenied("Seuls le centre concerné et les administrateurs peuvent retirer un envoi.")


# The columns of the history shown to users, typed as in the registry snapshot.
BATCH_SCHEMA = {
    column: registry.BATCH_SCHEMA[column]
    for column in (
        "batch_id",
        "centre_id",
        "kind",
        "file_name",
        "received_at",
        "received_by",
        "rows_read",
        "rows_stored",
        "rows_quarantined",
        "withdrawn_at",
        "replay_of",
    )
}


def batch_history(data_dir: DataDir, user, centre_id: str) -> pl.DataFrame:
    """The uploads of one centre, latest first (the centre's own for a centre user)."""
    _check_centre(data_dir, user, centre_id)
    rows = ingest.list_batches(data_dir, centre_id)
    frame = pl.DataFrame(
        [{k: r.get(k) for k in BATCH_SCHEMA} for r in rows], schema=BATCH_SCHEMA, orient="row"
    )
    return frame.reverse()


def report_rows(report: ingest.FileReport) -> pl.DataFrame:
    """A file's row-level messages as a table: line (as counted in the file, header excluded),
    column, value, message."""
    return pl.DataFrame(
        [(e.get("row"), e.get("column"), e.get("value"), e.get("message")) for e in report.errors],
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String},
        orient="row",
    )
