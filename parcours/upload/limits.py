"""The limits an uploaded file must stay within, so that no file can hurt the server.

Each limit has a default fit for the sector's real exports and can be changed with an environment
variable (read at each call, so a test or an operator can set it without a restart):

- size of one file: 50 Mo (`PARCOURS_MAX_UPLOAD_MB`; also `server.maxUploadSize` in
  `.streamlit/config.toml`) — a centre's yearly hours export is well under 1 Mo;
- files in one upload: 20 (`PARCOURS_MAX_FILES`) — seven kinds, room for several periods;
- data lines: 1 048 576 (`PARCOURS_MAX_ROWS`) — the most an Excel sheet holds;
- columns: 256 (`PARCOURS_MAX_COLUMNS`) — the contract has at most 13, room for extras;
- cells (lines × columns): 10 000 000 (`PARCOURS_MAX_CELLS`) — bounds a sheet read whole;
- characters in one value: 32 767 (`PARCOURS_MAX_FIELD_CHARS`) — the most an Excel cell holds;
- `.xlsx` uncompressed: 300 Mo (`PARCOURS_MAX_XLSX_UNCOMPRESSED_MB`) — a million-row sheet is
  about 100 Mo of XML; compression ratio of a member: 200 (`PARCOURS_MAX_XLSX_RATIO`) — real
  sheets compress 5 to 30 times, a zip bomb a thousand times;
- memory of the checking process: 2 048 Mo of address space (`PARCOURS_CHECK_MEMORY_MB`;
  polars alone reserves about 0,7 Go at start); its time: 180 s per file
  (`PARCOURS_CHECK_SECONDS`) — a million rows take a few seconds;
- uploads checked at once by one server process: 2 (`PARCOURS_MAX_CONCURRENT_CHECKS`) — one per
  core, each child up to its memory limit; the next waits a few seconds, then is asked to try
  again (`parcours.upload.checks`);
- uploaded bytes one dashboard session may hold (the files in its drop zone, all together):
  100 Mo (`PARCOURS_MAX_SESSION_UPLOAD_MB`) — two files at the size limit; Streamlit keeps
  uploaded files in memory until they leave the page.

Every refusal names its limit in French (« Fichier refusé : … »).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 50 * MB
    max_files: int = 20
    max_rows: int = 1_048_576
    max_columns: int = 256
    max_cells: int = 10_000_000
    max_field_chars: int = 32_767
    max_xlsx_uncompressed: int = 300 * MB
    max_xlsx_ratio: int = 200
    check_memory_bytes: int = 2048 * MB
    check_seconds: int = 180
    max_concurrent_checks: int = 2
    max_session_bytes: int = 100 * MB

    @classmethod
    def from_env(cls) -> UploadLimits:
        d = cls()
        return cls(
            max_bytes=_env_int("PARCOURS_MAX_UPLOAD_MB", d.max_bytes // MB) * MB,
            max_files=_env_int("PARCOURS_MAX_FILES", d.max_files),
            max_rows=_env_int("PARCOURS_MAX_ROWS", d.max_rows),
            max_columns=_env_int("PARCOURS_MAX_COLUMNS", d.max_columns),
            max_cells=_env_int("PARCOURS_MAX_CELLS", d.max_cells),
            max_field_chars=_env_int("PARCOURS_MAX_FIELD_CHARS", d.max_field_chars),
            max_xlsx_uncompressed=_env_int(
                "PARCOURS_MAX_XLSX_UNCOMPRESSED_MB", d.max_xlsx_uncompressed // MB
            )
            * MB,
            max_xlsx_ratio=_env_int("PARCOURS_MAX_XLSX_RATIO", d.max_xlsx_ratio),
            check_memory_bytes=_env_int("PARCOURS_CHECK_MEMORY_MB", d.check_memory_bytes // MB)
            * MB,
            check_seconds=_env_int("PARCOURS_CHECK_SECONDS", d.check_seconds),
            max_concurrent_checks=_env_int(
                "PARCOURS_MAX_CONCURRENT_CHECKS", d.max_concurrent_checks
            ),
            max_session_bytes=_env_int("PARCOURS_MAX_SESSION_UPLOAD_MB", d.max_session_bytes // MB)
            * MB,
        )


def megabytes(size: int) -> str:
    """`52428800` → « 50 Mo »; `1_600_000` → « 1,5 Mo »."""
    value = size / MB
    if value >= 10 or float(value).is_integer():
        return f"{number(round(value))} Mo"
    return f"{value:.1f} Mo".replace(".", ",")


def number(value: int) -> str:
    """`1048576` → « 1 048 576 » (Belgian thousands separator)."""
    return f"{value:,}".replace(",", " ")


def refused(file_name: str, reason: str) -> str:
    """The one shape of every refusal for a limit: « Fichier refusé : x.csv — reason. »"""
    return f"Fichier refusé : {file_name} — {reason}"


def check_size(file_name: str, size: int, limits: UploadLimits) -> None:
    """Refuse a file larger than the size limit, before anything reads it."""
    from parcours.core.errors import FileRejected

    if size > limits.max_bytes:
        raise FileRejected(
            refused(
                file_name,
                f"{megabytes(size)} dépasse la taille maximale d'un fichier "
                f"({megabytes(limits.max_bytes)}). Envoyez l'export en plusieurs fichiers "
                "(par exemple un par année).",
            )
        )


def check_count(count: int, limits: UploadLimits) -> None:
    """Refuse an upload of more files than the file-count limit (nothing is read)."""
    from parcours.core.errors import ParcoursError

    if count > limits.max_files:
        raise ParcoursError(
            f"Envoi refusé : {count} fichiers, alors qu'un envoi en compte au plus "
            f"{limits.max_files}. Envoyez-les en plusieurs fois. Rien n'a été enregistré."
        )
