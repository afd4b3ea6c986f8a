"""The uploaded files a dashboard session holds: in memory only, and not more than its share.

Streamlit keeps each uploaded file in the server's memory (its `MemoryUploadedFileManager`)
until the file leaves the drop zone or the session ends. Two things are bounded here:

- **Nothing on disk.** Streamlit's upload route parses the multipart body with Starlette, which
  spools any part above 1 Mo to a temporary file in /tmp: the upload, as it came, on disk.
  `keep_in_memory` raises Starlette's spool threshold above the largest body the route accepts,
  so no part is ever written.
- **Per-session memory.** `refusal` answers an upload request (before its body is read) that
  would take the session's uploaded files beyond `UploadLimits.max_session_bytes`
  (`PARCOURS_MAX_SESSION_UPLOAD_MB`), or a file beyond the size limit, in French — Streamlit's
  own answers are English (« File too large »). `forget_uploads` drops a session's files once
  they have been stored (the page's next drop zone starts empty, and the old one's files would
  otherwise stay in memory until the session ends).
"""

from __future__ import annotations

from parcours.upload.limits import MB, UploadLimits, megabytes

# Streamlit's route allows this much multipart framing around a file.
_FRAMING = 1 * MB


def keep_in_memory(limits: UploadLimits | None = None) -> None:
    """Starlette's multipart parser keeps a file part in memory up to the largest accepted body."""
    from starlette.formparsers import MultiPartParser
    from streamlit import config

    limits = limits or UploadLimits.from_env()
    largest = max(limits.max_bytes, int(config.get_option("server.maxUploadSize")) * MB)
    wanted = largest + 2 * _FRAMING
    if MultiPartParser.spool_max_size < wanted:
        MultiPartParser.spool_max_size = wanted


def session_bytes(streamlit_session: str) -> int:
    """The bytes of the files this Streamlit session holds (0 when unknown)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return 0
    manager = Runtime.instance().uploaded_file_mgr
    storage = getattr(manager, "file_storage", {}).get(streamlit_session) or {}
    return sum(len(record.data) for record in list(storage.values()))


def refusal(
    streamlit_session: str, headers: list[tuple[bytes, bytes]], limits: UploadLimits | None = None
) -> tuple[int, str] | None:
    """(HTTP status, French text) when this upload request must be refused before its body is
    read; None when it may go on. Also makes sure the body stays in memory (`keep_in_memory`)."""
    limits = limits or UploadLimits.from_env()
    keep_in_memory(limits)
    length_text = next((v for k, v in headers if k.lower() == b"content-length"), None)
    try:
        length = int(length_text) if length_text is not None else None
    except ValueError:
        length = None
    if length is None or length < 0:
        return 411, "Dépôt refusé : la taille de l'envoi doit être annoncée (Content-Length)."
    if length > limits.max_bytes + _FRAMING:
        return 413, (
            f"Fichier refusé : {megabytes(length)} dépasse la taille maximale d'un fichier "
            f"({megabytes(limits.max_bytes)}, PARCOURS_MAX_UPLOAD_MB). Envoyez l'export en "
            "plusieurs fichiers (par exemple un par année)."
        )
    held = session_bytes(streamlit_session)
    if held + length > limits.max_session_bytes + _FRAMING:
        return 413, (
            f"Dépôt refusé : les fichiers déposés dans cette session dépasseraient "
            f"{megabytes(limits.max_session_bytes)} (PARCOURS_MAX_SESSION_UPLOAD_MB ; "
            f"{megabytes(held)} déjà déposés). Vérifiez et enregistrez d'abord ceux qui sont "
            "dans la zone de dépôt, ou retirez-en."
        )
    return None


def too_much(sizes: list[int], limits: UploadLimits | None = None) -> str | None:
    """The French refusal of a drop zone whose files together exceed the session's share (the
    page says it too, whatever let them in)."""
    limits = limits or UploadLimits.from_env()
    total = sum(sizes)
    if total <= limits.max_session_bytes:
        return None
    return (
        f"Envoi refusé : les fichiers déposés font ensemble {megabytes(total)}, plus que les "
        f"{megabytes(limits.max_session_bytes)} qu'une session peut déposer à la fois "
        "(PARCOURS_MAX_SESSION_UPLOAD_MB). Retirez-en de la zone de dépôt et envoyez-les en "
        "plusieurs fois. Rien n'a été lu ni enregistré."
    )


def forget_uploads() -> None:
    """Drop every file this session uploaded from the server's memory."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return
    Runtime.instance().uploaded_file_mgr.remove_session_files(ctx.session_id)
