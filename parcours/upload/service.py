"""What the « Téléverser » page does, without streamlit: who may upload for which centre, the
uploaded files handed to the ingest pipeline (the same one as `parcours ingest`), the batch
history and the withdrawals.

A centre user uploads and withdraws for its own centre only; an admin for any centre; the other
roles neither. The check is made here, not by hiding widgets. Uploads and withdrawals are
audited by `parcours.upload.ingest`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from parcours.core.errors import ParcoursError
from parcours.store import opstore, registry, roles
from parcours.store.datadir import DataDir
from parcours.upload import ingest, scratch
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


def safe_name(name: str) -> str:
    """The uploaded file's own name, without any folder part (a browser may send one)."""
    base = Path(name.replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else "fichier"


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
    refuse the upload whole; a file too large is refused without being written anywhere. The
    others are written to a private folder of `data/tmp/` (`parcours.upload.scratch`) under
    their original names, so the reports and the batch registry show the names the centre
    knows; that folder is removed whatever happens."""
    _check_centre(data_dir, user, centre_id)
    files = list(files)
    limits = UploadLimits.from_env()
    check_count(len(files), limits)
    too_large: dict[int, ingest.FileReport] = {}
    for index, (name, content) in enumerate(files):
        try:
            check_size(safe_name(name), len(content), limits)
        except ParcoursError as error:
            too_large[index] = ingest.refuse(
                data_dir, centre_id, safe_name(name), str(error), user.email, dry_run=dry_run
            )
    with scratch.upload_folder(data_dir) as tmp:
        paths = []
        for index, (name, content) in enumerate(files):
            if index in too_large:
                continue
            # Two files with the same name each get their own folder.
            folder = tmp / str(index)
            folder.mkdir(mode=0o700)
            path = folder / safe_name(name)
            scratch.write_private(path, content)
            paths.append(path)
        checked = ingest.ingest_files(
            data_dir,
            centre_id,
            paths,
            user.email,
            dry_run=dry_run,
            complete=complete,
            limits=limits,
        )
    for report, path in zip(checked, paths, strict=True):
        report.file = path.name
    reports = []
    for index in range(len(files)):
        reports.append(too_large[index] if index in too_large else checked.pop(0))
    return reports


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
