"""The upload pipeline: check → pseudonymise → landing parquet → batch registry; replay; withdraw.

Each file is independent: a rejected file writes nothing and the others still go on. Accepted
rows go to one immutable landing file per batch (`parcours.upload.landing`); quarantined rows to the
`quarantine` table of the operational store, where a replay can store them once a code mapping
makes them pass.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from parcours import contract
from parcours.core.dates import local_time
from parcours.core.errors import DiskFull, FileRejected, ParcoursError, is_disk_full
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.store.secrets import secret
from parcours.upload import landing, scratch
from parcours.upload.isolation import Checker
from parcours.upload.limits import UploadLimits, check_count, check_size


@dataclass
class FileReport:
    """The outcome of one file: the fields of `parcours ingest --json` (INTERFACES.md §1)."""

    file: str
    kind: str | None
    status: str  # stored | duplicate | rejected
    batch_id: str | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # A complete export: the centre's current records of this kind that it does not contain,
    # which stop counting (0 for an ordinary upload).
    superseded: int = 0

    def to_json(self) -> dict:
        """A plain dict, ready for `json.dumps`."""
        return asdict(self)


@dataclass
class ReplaySummary:
    rows_checked: int = 0
    rows_stored: int = 0
    rows_still_quarantined: int = 0
    batches: list[str] = field(default_factory=list)


class _LostRace(Exception):
    """Another replay stored the same quarantined rows first."""


def register_centre(
    data_dir: DataDir,
    centre_id: str,
    name: str,
    federation: str,
    postal_code: int | str | None = None,
    *,
    actor: str,
) -> dict:
    """Register a centre (see `opstore.add_centre` for the checks)."""
    with opstore.connected(data_dir.ops_db) as conn:
        return opstore.add_centre(conn, centre_id, name, federation, postal_code, actor=actor)


def _require_centre(conn, centre_id: str) -> dict:
    centre = opstore.get_centre(conn, centre_id)
    if centre is None:
        raise ParcoursError(
            f"Centre inconnu : « {centre_id} ». Enregistrez-le d'abord avec "
            f"« parcours centres add {centre_id} --name … --federation … »."
        )
    return centre


def _unreadable(error: OSError) -> str:
    """The OS says why in English: say it in French for the usual cases."""
    if isinstance(error, FileNotFoundError):
        reason = "fichier introuvable (vérifiez le chemin)"
    elif isinstance(error, IsADirectoryError):
        reason = "c'est un dossier, pas un fichier"
    elif isinstance(error, PermissionError):
        reason = "lecture non autorisée (droits du fichier)"
    else:
        reason = f"erreur système {error.errno}"
    return f"Fichier illisible : {reason}."


def _read_bounded(path: Path, limits: UploadLimits) -> bytes:
    """The file's bytes, refused by its size before they are read (and read at most to the
    limit, should the file grow meanwhile)."""
    check_size(path.name, path.stat().st_size, limits)
    with path.open("rb") as handle:
        content = handle.read(limits.max_bytes + 1)
    check_size(path.name, len(content), limits)
    return content


def disk_full_said_in_french(func):
    """polars, SQLite and the OS each say « disk full » their own way: one French `DiskFull`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DiskFull:
            raise
        except Exception as error:
            if is_disk_full(error):
                raise DiskFull() from None
            raise

    return wrapper


@dataclass(frozen=True)
class Upload:
    """One file handed to `ingest_uploads`: the name shown in reports and the registry, and a
    way to get its bytes (read only when its turn comes, so that twenty files are never all in
    memory at once). `load` raises `FileRejected` (a limit) or `OSError` (unreadable)."""

    file: str  # as reported (a path for the CLI, the file's own name for the dashboard)
    name: str  # the file's own name, for messages and the registry
    load: Callable[[], bytes]


@disk_full_said_in_french
def ingest_files(
    data_dir: DataDir,
    centre_id: str,
    paths: list[Path],
    actor: str,
    dry_run: bool = False,
    *,
    complete: bool = False,
    limits: UploadLimits | None = None,
    checker: Checker | None = None,
) -> list[FileReport]:
    """Check and store each file for the centre; one report per file, in the given order.
    With `complete`, each file is a complete export of its kind (EXPORT_FORMAT §5 v1.1).

    At most `limits.max_files` files, each at most `limits.max_bytes`; each file is read and
    validated in a memory- and time-limited child process (`parcours.upload.isolation`): one
    child for the call, or the caller's `checker` (kept open, e.g. across the demo's centres)."""
    limits = limits or (checker.limits if checker else UploadLimits.from_env())
    check_count(len(paths), limits)
    uploads = [
        Upload(str(path), Path(path).name, functools.partial(_read_bounded, Path(path), limits))
        for path in paths
    ]
    return ingest_uploads(
        data_dir,
        centre_id,
        uploads,
        actor,
        dry_run=dry_run,
        complete=complete,
        limits=limits,
        checker=checker,
    )


@disk_full_said_in_french
def ingest_uploads(
    data_dir: DataDir,
    centre_id: str,
    uploads: list[Upload],
    actor: str,
    dry_run: bool = False,
    *,
    complete: bool = False,
    limits: UploadLimits | None = None,
    checker: Checker | None = None,
) -> list[FileReport]:
    """`ingest_files` for bytes held in memory (the dashboard's uploads): the bytes go to the
    checking process through a pipe and are never written anywhere; only the accepted,
    pseudonymised rows reach the disk (the landing file)."""
    limits = limits or (checker.limits if checker else UploadLimits.from_env())
    check_count(len(uploads), limits)
    scratch.sweep(data_dir)  # what an older Parcours, killed mid-upload, may have left
    with opstore.connected(data_dir.ops_db) as conn:
        _require_centre(conn, centre_id)
    reports: list[FileReport] = []
    seen: dict[str, FileReport] = {}  # sha256 → first report, for dry runs (nothing registered)
    with contextlib.nullcontext(checker) if checker else Checker(limits) as checker:
        for upload in uploads:
            try:
                content = upload.load()
            except FileRejected as error:
                reports.append(
                    refuse(data_dir, centre_id, upload.file, str(error), actor, dry_run=dry_run)
                )
                continue
            except OSError as error:
                reports.append(_rejected(upload.file, _unreadable(error)))
                continue
            digest = hashlib.sha256(content).hexdigest()
            if dry_run and digest in seen:
                report = FileReport(
                    file=upload.file,
                    kind=seen[digest].kind,
                    status="duplicate",
                    warnings=[
                        f"Fichier identique à {seen[digest].file}, envoyé dans le même appel."
                    ],
                )
            else:
                report = ingest_content(
                    data_dir,
                    centre_id,
                    upload.name,
                    content,
                    actor,
                    dry_run=dry_run,
                    complete=complete,
                    checker=checker,
                )
                report.file = upload.file
                seen.setdefault(digest, report)
            del content  # the next file's bytes do not join this one's in memory
            reports.append(report)
    return reports


def _rejected(file: str, message: str) -> FileReport:
    return FileReport(file=file, kind=None, status="rejected", errors=[_file_error(message)])


def refuse(
    data_dir: DataDir, centre_id: str, file: str, message: str, actor: str, *, dry_run: bool
) -> FileReport:
    """The report of a file refused before it was read (too large), audited like the others."""
    with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
        opstore.audit(
            conn,
            actor,
            "upload_checked" if dry_run else "upload_rejected",
            _audit_detail(centre_id, Path(file).name, None, dry_run, "rejected")
            | {"reason": "limit"},
        )
    return _rejected(file, message)


def _file_error(message: str) -> dict:
    return {"row": None, "column": None, "value": None, "message": message}


def _pseudonym_key(data_dir: DataDir, dry_run: bool) -> bytes:
    path = data_dir.secrets / "pseudonym.key"
    if dry_run and not path.exists():
        # A dry run writes nothing, not even the key; its pseudonyms are never kept.
        return secrets.token_bytes(32)
    return secret(data_dir, "pseudonym")


def ingest_content(
    data_dir: DataDir,
    centre_id: str,
    file_name: str,
    content: bytes,
    actor: str,
    *,
    dry_run: bool = False,
    complete: bool = False,
    checker: Checker | None = None,
) -> FileReport:
    """Check and store one uploaded file (the CLI and the upload page both come here).

    A `complete` export replaces everything the centre sent earlier for its kind; the report's
    `superseded` counts the current records it does not contain (a dry run says it too).

    The check runs in `checker`'s child process (a fresh one when none is given). A dry run
    stores nothing, but is audited (`upload_checked`), like every upload attempt."""
    if checker is None:
        with Checker() as own:
            return ingest_content(
                data_dir,
                centre_id,
                file_name,
                content,
                actor,
                dry_run=dry_run,
                complete=complete,
                checker=own,
            )
    sha256 = hashlib.sha256(content).hexdigest()
    with opstore.connected(data_dir.ops_db) as conn:
        _require_centre(conn, centre_id)
        first = opstore.find_upload(conn, centre_id, sha256)
        if first is not None:
            with opstore.transaction(conn):
                opstore.audit(
                    conn,
                    actor,
                    "upload_checked" if dry_run else "upload_duplicate",
                    _audit_detail(centre_id, file_name, sha256, dry_run, "duplicate"),
                )
            return _duplicate_report(file_name, first)
        mappings = opstore.get_mappings(conn)

    batch_id = opstore.new_batch_id()
    try:
        checked = checker.check(
            content,
            file_name,
            centre_id,
            pseudonym_key=_pseudonym_key(data_dir, dry_run),
            mappings=mappings,
            # The child sends back the landing file itself; a dry run needs the rows only to
            # count what a complete export would supersede.
            batch_id=batch_id if not dry_run or complete else None,
        )
    except FileRejected as error:
        with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
            opstore.audit(
                conn,
                actor,
                "upload_checked" if dry_run else "upload_rejected",
                _audit_detail(centre_id, file_name, sha256, dry_run, "rejected"),
            )
        return FileReport(
            file=file_name, kind=error.kind, status="rejected", errors=[_file_error(str(error))]
        )

    report = FileReport(
        file=file_name,
        kind=checked.kind,
        status="stored",
        rows_read=checked.rows_read,
        rows_stored=checked.rows_accepted,
        rows_quarantined=len(checked.quarantined),
        errors=[error for row in checked.quarantined for error in row.errors],
        warnings=list(checked.warnings),
    )
    if complete:
        report.superseded = superseded_records(data_dir, centre_id, checked.kind, checked.accepted)
    if dry_run:
        with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
            opstore.audit(
                conn,
                actor,
                "upload_checked",
                _audit_detail(centre_id, file_name, sha256, dry_run, "stored")
                | {"kind": checked.kind, "rows_read": report.rows_read},
            )
        return report

    landing.write_batch_file(data_dir, checked.kind, batch_id, checked.landing_parquet)
    batch = {
        "batch_id": batch_id,
        "centre_id": centre_id,
        "kind": checked.kind,
        "file_name": file_name,
        "sha256": sha256,
        "received_at": opstore.now_iso(),
        "received_by": actor,
        "rows_read": report.rows_read,
        "rows_stored": report.rows_stored,
        "rows_quarantined": report.rows_quarantined,
        "is_complete": complete,
    }
    try:
        with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
            # Checked again under the write lock: the same file may have been sent twice at once.
            first = opstore.find_upload(conn, centre_id, sha256)
            if first is None:
                row = opstore.insert_batch(conn, batch)
                opstore.insert_quarantine(
                    conn, batch_id, centre_id, checked.kind, checked.quarantined
                )
                opstore.audit(
                    conn,
                    actor,
                    "upload_stored",
                    {k: batch[k] for k in ("batch_id", "centre_id", "kind", "file_name", "sha256")}
                    | {"seq": row["seq"]},
                )
    except BaseException:
        # Not registered: the file would be an orphan (ignored by the build); tidy it now.
        landing.batch_path(data_dir, checked.kind, batch_id).unlink(missing_ok=True)
        raise
    if first is not None:
        landing.batch_path(data_dir, checked.kind, batch_id).unlink(missing_ok=True)
        return _duplicate_report(file_name, first)
    report.batch_id = batch_id
    return report


def _audit_detail(
    centre_id: str, file_name: str, sha256: str | None, dry_run: bool, outcome: str
) -> dict:
    detail = {"centre_id": centre_id, "file_name": file_name, "sha256": sha256}
    # A dry run's outcome is what a real upload would do (stored, duplicate, rejected).
    return detail | {"dry_run": True, "outcome": outcome} if dry_run else detail


def superseded_records(data_dir: DataDir, centre_id: str, kind: str, accepted: pl.DataFrame) -> int:
    """How many of the centre's current records of `kind` a complete export would stop counting:
    the keys that count today (EXPORT_FORMAT §1 keys, in the counting batches) and that the
    export does not contain. Only keys are compared: which version of a key wins is the build's
    business, whether the key still counts is the same either way."""
    key = list(contract.load().kinds[kind].key)
    with opstore.connected(data_dir.ops_db) as conn:
        batch_ids = opstore.counting_batch_ids(conn, centre_id, kind)
    files = [landing.batch_path(data_dir, kind, b) for b in batch_ids]
    files = [path for path in files if path.exists()]
    if not files:
        return 0
    current = pl.scan_parquet(files).select(key).unique()
    kept = accepted.lazy().select(key).unique()
    gone = current.join(kept, on=key, how="anti", nulls_equal=True)
    return gone.select(pl.len()).collect().item()


def _duplicate_report(file_name: str, first: dict) -> FileReport:
    return FileReport(
        file=file_name,
        kind=first["kind"],
        status="duplicate",
        batch_id=first["batch_id"],
        warnings=[
            f"Fichier identique déjà reçu le {local_time(first['received_at'])} "
            f"(lot {first['batch_id']}) : rien de nouveau n'est enregistré."
        ],
    )


def list_batches(data_dir: DataDir, centre_id: str | None = None) -> list[dict]:
    with opstore.connected(data_dir.ops_db) as conn:
        return opstore.list_batches(conn, centre_id)


def withdraw(
    data_dir: DataDir, batch_id: str, actor: str, *, centre_id: str | None = None
) -> list[str]:
    """Withdraw an upload and its replay batches (their records disappear at the next build).
    With `centre_id`, only a batch of that centre may be withdrawn (a centre user's own)."""
    with opstore.connected(data_dir.ops_db) as conn:
        batch = opstore.get_batch(conn, batch_id)
        if batch is None or (centre_id is not None and batch["centre_id"] != centre_id):
            raise ParcoursError(f"Lot inconnu : « {batch_id} ».")
        return opstore.withdraw_batch(conn, batch_id, actor=actor)


def add_mapping(data_dir: DataDir, list_name: str, value: str, code: str, *, actor: str) -> dict:
    with opstore.connected(data_dir.ops_db) as conn:
        return opstore.add_mapping(conn, list_name, value, code, actor=actor)


@disk_full_said_in_french
def replay(data_dir: DataDir, centre_id: str | None = None, *, actor: str) -> ReplaySummary:
    """Check the waiting quarantined rows again with today's code mappings. Rows that pass are
    stored in one new batch per original batch (same precedence as the original, so a later
    upload still wins over them); the others keep waiting with their errors brought up to date.
    """
    from parcours.upload.validation import check_rows

    summary = ReplaySummary()
    with opstore.connected(data_dir.ops_db) as conn:
        if centre_id is not None:
            _require_centre(conn, centre_id)
        waiting = opstore.waiting_quarantine(conn, centre_id)
        mappings = opstore.get_mappings(conn)
    key = secret(data_dir, "pseudonym")

    by_batch: dict[str, list[dict]] = {}
    for row in waiting:
        by_batch.setdefault(row["batch_id"], []).append(row)

    for original_id, rows in by_batch.items():
        first = rows[0]
        kind, batch_centre = first["kind"], first["centre_id"]
        raw = pl.DataFrame(
            [{**r["raw"], "row_number": r["row_number"]} for r in rows],
            infer_schema_length=None,
        ).with_columns(pl.col("row_number").cast(pl.Int32))
        raw = raw.with_columns(pl.exclude("row_number").cast(pl.String))
        accepted, still = check_rows(kind, raw, batch_centre, pseudonym_key=key, mappings=mappings)
        summary.rows_checked += len(rows)
        summary.rows_still_quarantined += len(still)

        replay_id = None
        if accepted.height:
            replay_id = opstore.new_batch_id()
            digest = landing.write_batch(data_dir, kind, replay_id, accepted)
        try:
            with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
                for row in still:
                    opstore.update_quarantine_errors(conn, original_id, row.row_number, row.errors)
                if replay_id is not None:
                    numbers = accepted["row_number"].to_list()
                    resolved = opstore.resolve_quarantine(conn, original_id, numbers, replay_id)
                    if resolved != len(numbers):
                        raise _LostRace
                    original = opstore.get_batch(conn, original_id)
                    opstore.insert_batch(
                        conn,
                        {
                            "batch_id": replay_id,
                            "precedence": original["precedence"],
                            "replay_of": original_id,
                            "centre_id": batch_centre,
                            "kind": kind,
                            "file_name": f"{original['file_name']} (rejeu)",
                            "sha256": digest,
                            "received_at": opstore.now_iso(),
                            "received_by": actor,
                            "rows_read": len(rows),
                            "rows_stored": accepted.height,
                            "rows_quarantined": len(still),
                        },
                    )
                    opstore.audit(
                        conn,
                        actor,
                        "replay_stored",
                        {"batch_id": replay_id, "replay_of": original_id, "rows": accepted.height},
                    )
        except _LostRace:
            landing.batch_path(data_dir, kind, replay_id).unlink(missing_ok=True)
            summary.rows_still_quarantined -= len(still)
            continue
        if replay_id is not None:
            summary.rows_stored += accepted.height
            summary.batches.append(replay_id)

    if not waiting:
        return summary
    with opstore.connected(data_dir.ops_db) as conn, opstore.transaction(conn):
        opstore.audit(
            conn,
            actor,
            "replay",
            {"centre_id": centre_id, **asdict(summary)},
        )
    return summary
