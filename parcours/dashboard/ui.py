"""The page frame and what every page draws with: `user, scope, filters = ui.page_setup(...)`,
then `ui.load(query_fn, scope, filters, ...)` for data (cached by warehouse version, filters and
scope), then `ui.show_chart` / `ui.show_table` (chart + definition + table + audited CSV
download), empty states and the section guard that keeps one failing section from taking the
page down.

Sign-in is `session`, the page offering and scope `navigation`, the shared filters `filters`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st
from altair.utils import schemapi as alt_schemapi

from parcours.analytics import masking
from parcours.dashboard import french, server, warm
from parcours.dashboard.filters import filters
from parcours.dashboard.navigation import scope_for
from parcours.dashboard.session import TOKEN_KEY, audit_as, current_user, require_login
from parcours.presentation import exports, tables
from parcours.presentation import formatting as fmt
from parcours.store import sessions
from parcours.store.datadir import DataDir
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Filters, NoWarehouse, Scope

log = logging.getLogger(__name__)


# --- page frame -------------------------------------------------------------------------------

MASKING_KEY = "_masking"  # whether the page's scope masks small counts (for the tables)


def page_setup(title: str, with_filters: bool = True) -> tuple[Any, Scope, Filters]:
    """Login gate, title, scope and shared filters: the first line of every analytical page."""
    user = require_login()
    _charts_unchecked()
    scope = scope_for(user)
    st.session_state["_page"] = title
    st.session_state[MASKING_KEY] = scope.mask_small_counts
    st.title(title)
    data_status(user, scope)
    chosen = filters(scope) if with_filters else Filters()
    _read_closed_year(chosen if with_filters else Filters())
    return user, scope, chosen


FROZEN_KEY = "_frozen_warehouse"


def _read_closed_year(chosen: Filters) -> None:
    """A period of one closed year shows that year's figures as published: this run's queries
    read the frozen copy made when the year was closed (`publish.periods`), and the page says so
    (« chiffres arrêtés au … »). Later uploads change nothing there; the yearly report lists
    what they would revise."""
    from parcours.publish import periods

    st.session_state.pop(FROZEN_KEY, None)
    if chosen.years is None or chosen.years[0] != chosen.years[1]:
        return
    data_dir = DataDir.from_env()
    closure = periods.get(data_dir, chosen.years[0])
    if closure is None or not closure.path(data_dir).exists():
        return
    st.session_state[FROZEN_KEY] = str(closure.path(data_dir))
    st.info(
        fmt.typography(
            f"Chiffres arrêtés au {fmt.day(closure.closed_on)} : l'année {chosen.years[0]} est "
            "clôturée, ce sont ses chiffres tels que publiés. Les révisions apportées depuis "
            "par de nouveaux envois sont listées dans le rapport annuel."
        ),
        icon=":material/lock:",
    )


# « Ventiler par » : a main chart broken down by one population dimension (the reader's choice).
BREAKDOWN_LABELS = {
    None: "Aucun",
    "age_band": "Âge",
    "gender": "Genre",
    "education": "Niveau d'études",
    "status_at_entry": "Statut",
}


def breakdown_value(key: str) -> str | None:
    """The dimension chosen in the « Ventiler par » box `key` (None: none), before it is drawn
    (the page loads its data first)."""
    value = st.session_state.get(key)
    return value if value in BREAKDOWN_LABELS else None


def breakdown(key: str) -> str | None:
    """Draw the « Ventiler par » box; returns the dimension chosen (None: « Aucun »)."""
    return st.selectbox(
        "Ventiler par",
        list(BREAKDOWN_LABELS),
        format_func=BREAKDOWN_LABELS.get,
        key=key,
        help="Découpe le graphique selon un trait de la population (à l'entrée). Chaque groupe "
        "est masqué comme le reste ; les groupes d'un mois s'additionnent au total du mois.",
    )


def warehouse_ready(*tables: str) -> bool:
    """Whether the served warehouse has these tables; otherwise draw the empty state."""
    version = None
    try:
        version = warehouse.version()
        ok = version is not None and (not tables or _has_tables(version, tuple(tables)))
    except Exception:  # noqa: BLE001
        log.exception("warehouse check failed")
        ok = False
    if not ok and version is not None:
        # Built, but by an older Parcours that did not write every table this one reads.
        empty_state(
            "Aucune donnée à afficher pour l'instant : l'entrepôt servi date d'une version "
            "antérieure de Parcours.",
            "Relancez une construction (« parcours build » ou page « Transformations »).",
        )
    elif not ok:
        empty_state(
            "Aucune donnée à afficher pour l'instant : l'entrepôt de données n'est pas encore "
            "construit.",
            "Téléversez les exports de votre centre (page « Téléverser »), puis lancez une "
            "construction (« parcours build » ou page « Transformations »).",
        )
    return ok


@st.cache_data(show_spinner=False, max_entries=64)
def _has_tables(version: str, tables: tuple[str, ...]) -> bool:
    # A build swaps in a new file (a new version): the answer for one version never changes.
    return warehouse.has_tables(*tables)


def has_tables(*tables: str) -> bool:
    """`warehouse.has_tables`, asked once per warehouse version."""
    version = warehouse.version()
    return version is not None and _has_tables(version, tuple(tables))


def empty_state(message: str, action: str | None = None) -> None:
    """Say what is missing and what to do about it, instead of an empty chart or an error."""
    text = message + (f"\n\n**Que faire ?** {action}" if action else "")
    st.info(fmt.typography(text), icon=":material/info:")


@contextlib.contextmanager
def guard(what: str) -> Iterator[None]:
    """Run a section of a page; an unexpected error becomes a short French message."""
    try:
        yield
    except NoWarehouse as error:
        empty_state(str(error))
    except Exception as error:
        # Streamlit's own control flow (st.stop, st.rerun) must pass through.
        if type(error).__module__.startswith("streamlit"):
            raise
        log.exception("section failed: %s", what)
        st.error(f"Impossible d'afficher {what} pour le moment.")


# --- data -------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=1024, ttl=6 * 3600)
def _cached(target: str, version: str, scope: Scope, flt: Filters, args: tuple):
    module, name = target.split(":")
    func = getattr(importlib.import_module(module), name)
    return func(scope, flt, *args)


def load(func: Callable, scope: Scope, flt: Filters, *args: Any):
    """Call a query function `func(scope, filters, *args)` of a `parcours` module, cached by
    (warehouse version, scope, filters, args). A new build changes the version: no stale data."""
    frozen = st.session_state.get(FROZEN_KEY)
    # A closed year's page reads its frozen copy (`_read_closed_year`); its version is the copy's.
    with warehouse.reading_from(frozen) if frozen else contextlib.nullcontext():
        version = warehouse.version()
        if version is None:
            raise NoWarehouse("Aucun entrepôt de données n'est encore construit.")
        target = f"{func.__module__}:{func.__qualname__}"
        if not frozen:
            # The served warehouse's loads are warmed again after each build (`warm`).
            warm.remember(target, scope, flt, tuple(args))
        return _cached(target, version, scope, flt, tuple(args))


def replay_load(target: str, version: str, scope: Scope, flt: Filters, args: tuple):
    """A load computed into the pages' cache off any page (`warm`)."""
    return _cached(target, version, scope, flt, args)


# --- charts and tables ------------------------------------------------------------------------


csv_bytes = exports.csv_bytes  # the one way a table becomes CSV (text cells neutralised)


def _page_name() -> str | None:
    try:
        return st.session_state.get("_page")
    except Exception:  # noqa: BLE001
        return None


def download_button(
    label: str,
    produce: Callable[[], bytes],
    file_name: str,
    *,
    mime: str,
    key: str,
    detail: dict | None = None,
    icon: str = ":material/download:",
) -> None:
    """The one download button of the dashboard. The bytes are produced only when the person
    clicks (`data` is a callable), by the session that drew the button and only while it is
    live; producing them writes the export to the audit log; the file is then served only to
    that session (`server.register_download`). File name: `exports.safe_file_name`."""
    name = exports.safe_file_name(file_name)
    user = current_user()
    actor = user.email if user else "anonyme"
    token = st.session_state.get(TOKEN_KEY)
    page = _page_name()

    def data() -> bytes:
        # Runs on Streamlit's own thread at the click, without the page: no st.* here.
        data_dir = DataDir.from_env()
        live = sessions.check(data_dir, token, touch=True) if token else None
        if token and live is None:
            raise PermissionError("session ended: no download")
        content = produce()
        audit_as(
            actor, "export", {"file": name, "page": page, "bytes": len(content), **(detail or {})}
        )
        if live is not None:
            server.register_download(content, live.session_id)
        return content

    st.download_button(
        label, data=data, file_name=name, mime=mime, key=key, on_click="ignore", icon=icon
    )


# Drawings replayed from Streamlit's cache: a function decorated with `st.cache_data` that
# draws elements (no widget) records them, and a later call with the same key sends the same
# elements again without running the function. What it draws depends only on its hashed
# arguments (the frames' fingerprint and every option), never on the session: a scope's
# drawing is replayed only where the same content would have been drawn anyway.
_DRAWN = {"show_spinner": False, "max_entries": 2048, "ttl": 6 * 3600}


def fingerprint(*frames: pl.DataFrame) -> str | None:
    """The exact content of frames (schema and values), as a cache key: two frames that differ
    in anything never share a key, whoever drew them (a shorter key that sampled rows, as
    Streamlit's own hashing of large frames does, could hand one scope another's drawing).
    Written as text, not Arrow: the same values give the same text, while Arrow's bytes also
    carry how polars happens to hold them (chunks, string buffers), which differs between a
    frame just queried and the same frame from the cache. None when a frame cannot be written
    as text (nested columns): it is then drawn uncached."""
    digest = hashlib.sha256()
    for frame in frames:
        try:
            text = frame.write_csv(null_value=_NULL, float_precision=None)
        except Exception:  # noqa: BLE001 — only the sharing is lost
            return None
        digest.update(repr(frame.schema).encode())
        digest.update(text.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


_NULL = "\x00null\x00"  # a null is never the text of a value


@dataclass(frozen=True)
class Drawing:
    """A chart built only when its content was never drawn before: `build()` makes it from
    `frames` and the options named in `what` alone (nothing else: the session, the scope, the
    time — or two drawings with the same key would differ). `what` names the builder and those
    options; `too_small`: the note drawn instead when `build()` returns None."""

    what: tuple
    frames: tuple[pl.DataFrame, ...]
    build: Callable[[], Any]
    too_small: str | None = None


def draw(drawing: Drawing, description: str | None = None, **kwargs: Any) -> None:
    """`altair_chart(drawing.build(), description, **kwargs)`, built once per content and
    replayed from then on, in every session that draws the same content."""
    key = fingerprint(*drawing.frames)
    options = tuple(sorted(kwargs.items()))
    if key is None:
        _draw_chart(drawing, description, options)
    else:
        _drawn_chart(drawing.what, key, description, options, drawing.too_small, drawing)


@st.cache_data(**_DRAWN)
def _drawn_chart(
    what: tuple, key: str, description: str | None, options: tuple, too_small, _drawing
) -> None:
    _draw_chart(_drawing, description, options)


def _draw_chart(drawing: Drawing, description: str | None, options: tuple) -> None:
    chart = drawing.build()
    if chart is None:
        if drawing.too_small:
            st.caption(drawing.too_small)
        return
    altair_chart(chart, description=description, **dict(options))


def dataframe(table: pl.DataFrame, counts: Sequence[str] = ()) -> None:
    """`st.dataframe` in Belgian French: every column formatted (`1 234`, `32,9 %`,
    `15/03/2024`, masked counts « < 5 »), numbers aligned right with « < 5 » among them.

    Streamlit formats numbers with the browser's locale or printf patterns (`%,d` → `1,234`),
    never `1 234`: the text comes from `presentation.tables` through a pandas Styler, whose
    display values Streamlit shows while it keeps the numbers underneath (sorting a column
    still sorts numbers). The Styler is the costliest part of a page run: it is drawn once per
    content and replayed (`_drawn_dataframe`)."""
    masked = bool(st.session_state.get(MASKING_KEY))
    key = fingerprint(table)
    if key is None:
        _draw_dataframe(table, tuple(counts), masked)
    else:
        _drawn_dataframe(key, tuple(counts), masked, table)


@st.cache_data(**_DRAWN)
def _drawn_dataframe(key: str, counts: tuple[str, ...], masked: bool, _table: pl.DataFrame):
    _draw_dataframe(_table, counts, masked)


def _draw_dataframe(table: pl.DataFrame, counts: tuple[str, ...], masked: bool) -> None:
    view = tables.shown(table, counts, masking=masked)
    frame = view.frame.to_pandas()
    styled = frame.style.format({c: f for c, f in view.formats.items() if c in frame.columns})
    config = {
        name: (
            st.column_config.NumberColumn(alignment="right")
            if view.frame.schema[name].is_numeric()
            else st.column_config.TextColumn(alignment="right")
        )
        for name in view.right
    }
    st.dataframe(
        styled, hide_index=True, width="stretch", column_config=config, placeholder=fmt.MISSING
    )


def show_table(table: pl.DataFrame, file_name: str, counts: Sequence[str] = ()) -> None:
    """A table (masked counts shown as « < 5 ») and its audited CSV download (numbers with a
    decimal comma, « < 5 » for masked counts)."""
    shown = masking.display(table, counts) if counts else table
    dataframe(table, counts)
    download_button(
        "Télécharger le tableau (CSV)",
        lambda: csv_bytes(shown),
        f"{file_name}.csv",
        mime="text/csv",
        key=f"dl_{file_name}",
        detail={"rows": shown.height},
    )


def show_chart(
    chart: Any,
    table: pl.DataFrame,
    caption: str,
    file_name: str,
    counts: Sequence[str] = (),
) -> None:
    """Chart + its definition + its table in an expander with a CSV download (audited).

    `chart`: an Altair chart, a `Drawing` (built once per content, then replayed) or None.
    `counts`: the table's count columns, whose nulls mean « < 5 » (see `analytics.masking`).
    """
    if table.is_empty():
        empty_state(
            "Aucune donnée pour cette sélection.", "Élargissez les filtres (années, centre…)."
        )
        return
    if isinstance(chart, Drawing):
        draw(chart, description=fmt.typography(caption), width="stretch")
    elif chart is not None:
        altair_chart(chart, width="stretch", description=fmt.typography(caption))
    st.caption(fmt.typography(caption))
    with st.expander("Voir le tableau et le télécharger"):
        show_table(table, file_name, counts)


def show_figure(
    spec: Any,
    frame: pl.DataFrame,
    *,
    heading: bool = True,
    rows: pl.DataFrame | None = None,
    file_suffix: str = "",
    **values: Any,
) -> None:
    """Draw a figure specification (`parcours.figures`): its title, chart, definition with its
    public source and masking note, and its table with the audited CSV download. `rows`: the
    table's rows when they are not the chart's (e.g. with a column added for reading);
    `values`: what the words name (`years`, `year`…)."""
    words = spec.words(masked=bool(st.session_state.get(MASKING_KEY)), **values)
    if heading:
        st.subheader(words.title)
    if frame.is_empty():
        empty_state(spec.empty)
        return
    chart = None
    if spec.drawable(frame):
        # The chart is the same for the same frame: built once, replayed in every session.
        chart = Drawing(
            ("figure", spec.id, spec.draw.__qualname__),
            (frame,),
            lambda: spec.chart(frame),
            TOO_SMALL,
        )
    elif spec.draw is not None:
        st.caption(TOO_SMALL)
    table, counts = spec.table(frame if rows is None else rows)
    show_chart(
        chart,
        table,
        f"{words.definition} Source : {words.source}.",
        spec.id + file_suffix,
        counts=counts,
    )


VALIDATE_CHARTS_ENV = "PARCOURS_VALIDATE_CHARTS"


def _validate_charts() -> bool:
    return os.environ.get(VALIDATE_CHARTS_ENV) == "1"


def _charts_unchecked() -> None:
    """Altair's « debug mode » validates every encoding object against the schema as it is
    made (a third of the chart-building time of a warm page); see `altair_chart` for why the
    dashboard skips it."""
    if not _validate_charts():
        alt_schemapi.disable_debug_mode()


def altair_chart(chart: Any, description: str | None = None, **kwargs: Any) -> None:
    """`st.altair_chart`, without Altair's JSON-schema validation of the spec at each draw.

    Altair validates a chart against the Vega-Lite schema every time it is serialised: about
    40 % of a warm page run. The charts come from the fixed builders of `charts` and
    `page_charts`; the test suite sets PARCOURS_VALIDATE_CHARTS=1, so every chart a page test
    draws is still validated. `description`: what a screen reader says of the chart, in French
    (`french.for_screen_readers`)."""
    chart = french.for_screen_readers(chart, description)
    if not _validate_charts():
        # Altair's __setattr__ would store the attribute in the spec: bypass it.
        object.__setattr__(
            chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False)
        )
    st.altair_chart(chart, **kwargs)


TOO_SMALL = "Effectifs trop petits pour dessiner le graphique (moins de 5) : voir le tableau."


def drawable(frame: pl.DataFrame, column: str) -> pl.DataFrame | None:
    """The rows of a chart, masked ones included (the chart builders draw them as « < 5 » in
    their place, see `presentation.charts`); None, with a short note, when every value is
    masked — then pass `chart=None` to `show_chart`, the table still shows « < 5 »."""
    if not frame.is_empty() and frame[column].is_null().all():
        st.caption(TOO_SMALL)
        return None
    return frame


def metric(label: str, value: str, delta: str | None = None, help: str | None = None) -> None:
    st.metric(label, value, delta=delta, help=help, border=True)


# --- dbt docs ---------------------------------------------------------------------------------

DOCS_FILES = ("manifest.json", "catalog.json", "index.html", "static_index.html")


@st.cache_resource(show_spinner=False, max_entries=4)
def _dbt_docs(docs_dir: str, stamp: tuple) -> tuple[dict | None, bytes | None]:
    from pathlib import Path

    from parcours.warehouse import lineage

    return lineage.load_manifest(Path(docs_dir)), lineage.static_docs_html(Path(docs_dir))


def dbt_docs(docs_dir: Any) -> tuple[dict | None, bytes | None]:
    """The published dbt docs: the manifest and the self-contained HTML page (3 MB at full
    scale), read again only when a build rewrites the files. Shared, not copied, between
    sessions (`cache_resource`): callers only read them."""
    from pathlib import Path

    folder = Path(docs_dir)
    stamp = tuple(warehouse._file_key(folder / name) for name in DOCS_FILES)
    return _dbt_docs(str(folder), stamp)


# --- builds -----------------------------------------------------------------------------------


def request_build(data_dir: DataDir, actor: str, reason: str, centre_id: str | None) -> None:
    """Ask the build worker for a build (it runs in its own process, whatever this page or
    session does next); the status line of every page then says when the data will show."""
    from parcours.warehouse import worker

    try:
        worker.request_build(data_dir, actor, reason, centre_id)
    except Exception:  # noqa: BLE001 — the data is stored; the next page will ask again
        log.exception("build request failed")
        st.warning(
            "Vos données sont enregistrées, mais la mise à jour des pages n'a pas pu être "
            "demandée. Prévenez l'administrateur (page « Transformations »).",
            icon=":material/warning:",
        )


STATUS_POLL_SECONDS = 2.0


def _clock(moment) -> str:
    from parcours.core.dates import BRUSSELS

    return moment.astimezone(BRUSSELS).strftime("%H:%M")


def _day_and_time(moment) -> str:
    from parcours.core.dates import BRUSSELS

    return moment.astimezone(BRUSSELS).strftime("%d/%m à %H:%M")


def data_status_text(status: Any, own: bool) -> str:
    """The status line's words: « Vos données du 07/12 à 10:41 seront visibles vers 10:42 »."""
    from datetime import UTC, datetime

    whose = "Vos données" if own else "Les données déposées"
    when = _day_and_time(status.requested_at)
    if status.state == "up_to_date":
        return f"{whose} du {when} : à jour dans les pages."
    if status.state == "failed":
        return f"La mise à jour des pages avec {whose.lower()} du {when} a échoué."
    late = status.eta is None or status.eta <= datetime.now(UTC)
    eta = "d'un instant à l'autre" if late else f"vers {_clock(status.eta)}"
    text = f"{whose} du {when} seront visibles {eta}"
    if status.state == "building" and status.progress:
        done, total = status.progress
        text += f" (mise à jour en cours : étape {fmt.integer(done)} sur {fmt.integer(total)})"
    elif status.state == "waiting":
        text += " (mise à jour demandée)"
    return text + "."


def _status_of(scope: Scope):
    from parcours.warehouse import worker

    try:
        return worker.status_for(DataDir.from_env(), scope.centre_ids)
    except Exception:  # noqa: BLE001 — a status line never takes a page down
        log.exception("build status unavailable")
        return None


def data_status(user: Any, scope: Scope) -> None:
    """Where the user's data stands, on every page: a caption when the pages are up to date, a
    line that follows the build (and reloads the page when it is done) while it runs, a failed
    build in plain French with what to do."""
    status = _status_of(scope)
    if status is None:
        return
    own = user.role == "centre"
    if status.state == "up_to_date":
        st.caption(fmt.typography(data_status_text(status, own)))
    elif status.state == "failed":
        _failed_status(status, user, own)
    else:
        _waiting_status(scope, own)


def _failed_status(status: Any, user: Any, own: bool) -> None:
    what = (
        "Les chiffres affichés restent ceux d'avant. Relancez la mise à jour ci-dessous ; si "
        "elle échoue encore, vérifiez vos derniers fichiers (page « Téléverser ») ou prévenez "
        "l'administrateur."
    )
    st.error(
        fmt.typography(
            f"{data_status_text(status, own)} {status.message}\n\n**Que faire ?** {what}"
        ),
        icon=":material/error:",
    )
    if st.button("Relancer la mise à jour", key="_retry_build", icon=":material/refresh:"):
        request_build(DataDir.from_env(), user.email, "manual", user.centre_id)
        st.rerun()


@st.fragment(run_every=STATUS_POLL_SECONDS)
def _waiting_status(scope: Scope, own: bool) -> None:
    # Polls while the build runs; when it is over, the whole page runs again with the new
    # warehouse (`load` caches by warehouse version: the new figures appear at once).
    status = _status_of(scope)
    if status is None or status.state in {"up_to_date", "failed"}:
        st.rerun(scope="app")
        return
    st.info(fmt.typography(data_status_text(status, own)), icon=":material/autorenew:")


def build_progress() -> None:
    """The running build's progress (Transformations), followed while it runs."""
    from parcours.warehouse import worker

    record = _progress_record()
    if record is None:
        return
    if worker.worker_running(DataDir.from_env()) and _build_running():
        _follow_progress()


def _progress_record() -> dict | None:
    import json

    from parcours.warehouse import worker

    try:
        return json.loads(worker.progress_path(DataDir.from_env()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _build_running() -> bool:
    from parcours.store import opstore

    with opstore.connected(DataDir.from_env().ops_db) as conn:
        row = conn.execute("select 1 from builds where status = 'running' limit 1").fetchone()
    return row is not None


@st.fragment(run_every=STATUS_POLL_SECONDS)
def _follow_progress() -> None:
    from parcours.warehouse import build

    record = _progress_record()
    if record is None or not _build_running():
        st.rerun(scope="app")
        return
    step = build.progress_step(record.get("line", ""))
    fraction = step[0] / step[1] if step and step[1] else 0.0
    st.progress(min(fraction, 1.0), text=record.get("line", "Construction en cours…"))
