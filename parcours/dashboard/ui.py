"""The dashboard's Streamlit helpers — the only module of the package that imports streamlit.

Pages are thin: `user, scope, filters = ui.page_setup(...)`, then `ui.load(query_fn, scope,
filters, ...)` for data (cached by warehouse version, filters and scope), then `ui.show_chart`.

- Login: `require_login()` shows the login form and stops the script until a user is signed in;
  nothing of a page is drawn before. The signed-in user lives in `st.session_state[USER_KEY]`
  (an object with email, role, centre_id, federation: `parcours.store.users.User`).
- Shared filters (years, federation, centre, province, filière) live in `st.session_state` (so
  they survive page changes) and in the URL query string (so a view can be shared):
  `?annees=2023-2024&federation=ACFI&centre=C01&province=Liège&filiere=eft`.
- Every login and every CSV download is written to the audit log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import polars as pl
import streamlit as st
from altair.utils import schemapi as alt_schemapi

from parcours.analytics import masking
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Filters, NoWarehouse, Scope

log = logging.getLogger(__name__)

USER_KEY = "user"
FILTERS_KEY = "_filters"
QP = {"years": "annees", "federation": "federation", "centre_id": "centre", "province": "province"}
QP_FILIERE = "filiere"
ROLE_LABELS = {
    "centre": "Centre",
    "federation": "Fédération",
    "analyst": "Analyste",
    "admin": "Administration",
}


# --- audit ------------------------------------------------------------------------------------


def audit(action: str, detail: dict | None = None, actor: str | None = None) -> None:
    """Write one line to the audit log; a failure to write is logged, never shown as a crash."""
    user = current_user()
    who = actor or (user.email if user else "anonyme")
    try:
        with opstore.connected(DataDir.from_env().ops_db) as conn:
            opstore.audit(conn, who, action, detail)
    except Exception:  # noqa: BLE001 — auditing must not take the page down
        log.exception("audit write failed: %s %s", who, action)


# --- login ------------------------------------------------------------------------------------


def current_user() -> Any | None:
    return st.session_state.get(USER_KEY)


def _authenticate(email: str, password: str):
    from parcours.store import users as auth

    return auth.authenticate(DataDir.from_env(), email, password)


def login_form() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _login_form()


def _login_form() -> None:
    st.title("Parcours")
    st.caption("La plateforme de données des CISP wallons")
    with st.form("login"):
        st.subheader("Connexion")
        email = st.text_input("Adresse e-mail")
        password = st.text_input("Mot de passe", type="password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        email = email.strip().lower()
        try:
            user = _authenticate(email, password) if email and password else None
        except Exception:  # noqa: BLE001 — no traceback reaches a user
            log.exception("authentication failed")
            st.error("La connexion est momentanément impossible. Réessayez plus tard.")
            return
        # `auth.authenticate` writes every attempt (success or failure) to the audit log.
        if user is None:
            st.error("Adresse e-mail ou mot de passe incorrect.")
            return
        st.session_state[USER_KEY] = user
        st.rerun()


def require_login() -> Any:
    """The signed-in user; otherwise draw the login form and stop the script here."""
    user = current_user()
    if user is None:
        login_form()
        st.stop()
    return user


def logout() -> None:
    user = current_user()
    if user is not None:
        audit("logout", actor=user.email)
    for key in (USER_KEY, FILTERS_KEY):
        st.session_state.pop(key, None)


def sidebar_user(user: Any) -> None:
    with st.sidebar:
        where = user.centre_id or user.federation or ""
        st.caption(f"Connecté·e : **{user.email}** — {ROLE_LABELS.get(user.role, user.role)}")
        if where:
            st.caption(where)
        st.button("Se déconnecter", on_click=logout, key="logout")


# --- navigation -------------------------------------------------------------------------------

PAGES = {
    # path: (title, material icon, roles that are offered the page)
    "pages/accueil.py": ("Accueil", "home", ("centre", "federation", "analyst", "admin")),
    "pages/freins.py": ("Freins levés", "lock_open", ("centre", "federation", "analyst", "admin")),
    "pages/partenariats.py": (
        "Partenariats",
        "handshake",
        ("centre", "federation", "analyst", "admin"),
    ),
    "pages/resultats.py": (
        "Résultats dans le temps",
        "timeline",
        ("centre", "federation", "analyst", "admin"),
    ),
    "pages/parcours.py": ("Parcours", "route", ("centre", "admin")),
    "pages/televerser.py": ("Téléverser", "upload", ("centre", "admin")),
    "pages/qualite.py": ("Qualité des données", "rule", ("centre", "analyst", "admin")),
    "pages/transformations.py": ("Transformations", "build", ("analyst", "admin")),
    "pages/rapport.py": (
        "Rapport annuel",
        "picture_as_pdf",
        ("centre", "federation", "analyst", "admin"),
    ),
}
SECTIONS = {
    "Analyses": (
        "pages/accueil.py",
        "pages/freins.py",
        "pages/partenariats.py",
        "pages/resultats.py",
        "pages/parcours.py",
    ),
    "Données": ("pages/televerser.py", "pages/qualite.py", "pages/transformations.py"),
    "Publication": ("pages/rapport.py",),
}


def pages_for(role: str) -> dict[str, list[tuple[str, str, str]]]:
    """The pages offered to a role, by section: (path, title, icon). Offering is convenience;
    every page still reads data through the user's scope."""
    offered = {}
    for section, paths in SECTIONS.items():
        items = [
            (path, PAGES[path][0], f":material/{PAGES[path][1]}:")
            for path in paths
            if role in PAGES[path][2]
        ]
        if items:
            offered[section] = items
    return offered


# --- scope ------------------------------------------------------------------------------------


def scope_for(user: Any) -> Scope:
    """The user's read scope. A member federation's centres come from the centre registry
    (`User.scope_centre_ids`); the Interfédé, analysts and admins read every centre, including
    centres registered after they signed in."""
    if user.role == "federation" and user.federation != warehouse.INTERFEDE:
        with opstore.connected(DataDir.from_env().ops_db) as conn:
            ids = user.scope_centre_ids(conn)
        return Scope.for_user(user, ids)
    return Scope.for_user(user)


# --- filters ----------------------------------------------------------------------------------


def _filters_from_url(options: dict[str, list]) -> Filters:
    qp = st.query_params
    years = None
    raw = qp.get(QP["years"])
    if raw:
        parts = raw.split("-")
        try:
            y0, y1 = int(parts[0]), int(parts[-1])
            years = (min(y0, y1), max(y0, y1))
        except ValueError:
            years = None
    centre_ids = [c for c, _ in options["centres"]]
    return Filters(
        years=years,
        federation=qp.get(QP["federation"])
        if qp.get(QP["federation"]) in options["federations"]
        else None,
        centre_id=qp.get(QP["centre_id"]) if qp.get(QP["centre_id"]) in centre_ids else None,
        province=qp.get(QP["province"]) if qp.get(QP["province"]) in options["provinces"] else None,
        filiere=qp.get(QP_FILIERE) if qp.get(QP_FILIERE) in options["filieres"] else None,
    )


def _write_url(filters: Filters) -> None:
    values = {
        QP["years"]: f"{filters.years[0]}-{filters.years[1]}" if filters.years else None,
        QP["federation"]: filters.federation,
        QP["centre_id"]: filters.centre_id,
        QP["province"]: filters.province,
        QP_FILIERE: filters.filiere,
    }
    for key, value in values.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


ALL = ""  # the « Toutes / Tous » choice (None would show as an empty select box)


def _none_if_all(value: Any) -> Any:
    return None if value == ALL else value


def _seed(key: str, value: Any, allowed: Sequence[Any]) -> None:
    """Set a widget's value from the persisted filters before drawing it, on every run: widget
    state does not survive a page change, the persisted copy (kept current by `_remember`)
    does."""
    value = ALL if value is None else value
    st.session_state[key] = value if value in allowed else allowed[0]


def _remember_years() -> None:
    y0, y1 = st.session_state.get("flt_y0"), st.session_state.get("flt_y1")
    if y0 is not None and y1 is not None:
        saved = st.session_state.get(FILTERS_KEY) or Filters()
        st.session_state[FILTERS_KEY] = saved.with_years((min(y0, y1), max(y0, y1)))


def _remember(field: str, key: str) -> None:
    """on_change of a filter widget: copy its new value into the persisted filters."""
    value = _none_if_all(st.session_state.get(key))
    saved = st.session_state.get(FILTERS_KEY) or Filters()
    st.session_state[FILTERS_KEY] = dataclasses.replace(saved, **{field: value})


def _filter_choice(
    label: str,
    key: str,
    field: str,
    values: list,
    saved_value: str | None,
    *,
    all_label: str,
    name=None,
) -> str:
    """One shared filter: « all » first, seeded from the saved selection, remembered on change."""
    choices = [ALL, *values]
    _seed(key, saved_value, choices)
    return st.selectbox(
        label,
        choices,
        key=key,
        format_func=lambda v: all_label if v == ALL else (name(v) if name else v),
        on_change=_remember,
        args=(field, key),
    )


def filters(scope: Scope) -> Filters:
    """Draw the shared filters in the sidebar; return the current selection."""
    version = warehouse.version()
    if version is None:
        return Filters()
    options = _options(version, scope)
    st.session_state["_filter_options"] = options
    saved: Filters | None = st.session_state.get(FILTERS_KEY)
    if saved is None:
        saved = _filters_from_url(options)
    years = options["years"]
    chosen_years = None
    federation = centre = province = None
    with st.sidebar:
        st.subheader("Filtres")
        if years:
            # By default the last complete year: the current one would compare a few months
            # with a whole previous year.
            last = years[-2] if len(years) > 1 and years[-1] >= date.today().year else years[-1]
            default = saved.years or (last, last)
            default = (max(default[0], years[0]), min(default[1], years[-1]))
            if default[0] > default[1]:
                default = (years[-1], years[-1])
            if len(years) > 1:
                # Two select boxes rather than a range slider: a slider whose two ends are on
                # the same year does not round-trip reliably through widget state.
                first, last = st.columns(2)
                _seed("flt_y0", default[0], years)
                _seed("flt_y1", default[1], years)
                with first:
                    y0 = st.selectbox("De", years, key="flt_y0", on_change=_remember_years)
                with last:
                    y1 = st.selectbox("À", years, key="flt_y1", on_change=_remember_years)
                chosen_years = (min(y0, y1), max(y0, y1))
            else:
                st.caption(f"Année : {years[0]}")
                chosen_years = (years[0], years[0])
        if len(options["centres"]) > 1:
            # A choice with a single value (a member federation's own name) is not offered.
            if len(options["federations"]) > 1:
                federation = _filter_choice(
                    "Fédération",
                    "flt_fed",
                    "federation",
                    options["federations"],
                    saved.federation,
                    all_label="Toutes",
                )
            if len(options["provinces"]) > 1:
                province = _filter_choice(
                    "Province",
                    "flt_prov",
                    "province",
                    options["provinces"],
                    saved.province,
                    all_label="Toutes",
                )
            names = dict(options["centres"])
            centre = _filter_choice(
                "Centre",
                "flt_centre",
                "centre_id",
                list(names),
                saved.centre_id,
                all_label="Tous",
                name=lambda v: f"{names[v]} ({v})",
            )
        labels = _labels("filiere")
        filiere = _filter_choice(
            "Filière",
            "flt_filiere",
            "filiere",
            options["filieres"],
            saved.filiere,
            all_label="Toutes",
            name=lambda v: labels.get(v, v),
        )
    chosen = Filters(
        years=chosen_years,
        federation=_none_if_all(federation),
        centre_id=_none_if_all(centre),
        province=_none_if_all(province),
        filiere=_none_if_all(filiere),
    )
    st.session_state[FILTERS_KEY] = chosen
    _write_url(chosen)
    return chosen


@st.cache_data(show_spinner=False, max_entries=256)
def _options(version: str, scope: Scope) -> dict[str, list]:
    return warehouse.filter_options(scope)


def year_options() -> list[int]:
    """The years that have data in the user's scope (as offered by the shared filter)."""
    return list(st.session_state.get("_filter_options", {}).get("years", []))


def _labels(list_name: str) -> dict[str, str]:
    from parcours import contract

    return contract.load().labels(list_name)


# --- page frame -------------------------------------------------------------------------------


def page_setup(title: str, with_filters: bool = True) -> tuple[Any, Scope, Filters]:
    """Login gate, title, scope and shared filters: the first line of every analytical page."""
    user = require_login()
    _charts_unchecked()
    scope = scope_for(user)
    st.session_state["_page"] = title
    st.title(title)
    chosen = filters(scope) if with_filters else Filters()
    return user, scope, chosen


def warehouse_ready(*tables: str) -> bool:
    """Whether the served warehouse has these tables; otherwise draw the empty state."""
    try:
        version = warehouse.version()
        ok = version is not None and (not tables or _has_tables(version, tuple(tables)))
    except Exception:  # noqa: BLE001
        log.exception("warehouse check failed")
        ok = False
    if not ok:
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
    st.info(message + (f"\n\n**Que faire ?** {action}" if action else ""), icon=":material/info:")


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
    version = warehouse.version()
    if version is None:
        raise NoWarehouse("Aucun entrepôt de données n'est encore construit.")
    return _cached(f"{func.__module__}:{func.__qualname__}", version, scope, flt, tuple(args))


# --- charts and tables ------------------------------------------------------------------------


def csv_bytes(table: pl.DataFrame) -> bytes:
    """CSV as Belgian Excel opens it: `;` separator, decimal comma, UTF-8 with BOM."""
    return table.write_csv(separator=";", decimal_comma=True, include_bom=True).encode("utf-8")


def _audit_export(file_name: str, rows: int) -> None:
    audit("export", {"file": file_name, "rows": rows, "page": _page_name()})


def _page_name() -> str | None:
    try:
        return st.session_state.get("_page")
    except Exception:  # noqa: BLE001
        return None


def show_table(table: pl.DataFrame, file_name: str, counts: Sequence[str] = ()) -> None:
    """A table (masked counts shown as « < 5 ») and its audited CSV download."""
    shown = masking.display(table, counts) if counts else table
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "Télécharger le tableau (CSV)",
        data=csv_bytes(shown),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"dl_{file_name}",
        on_click=_audit_export,
        args=(f"{file_name}.csv", shown.height),
        icon=":material/download:",
    )


def show_chart(
    chart: Any,
    table: pl.DataFrame,
    caption: str,
    file_name: str,
    counts: Sequence[str] = (),
) -> None:
    """Chart + its definition + its table in an expander with a CSV download (audited).

    `counts`: the table's count columns, whose nulls mean « < 5 » (see `analytics.masking`).
    """
    if table.is_empty():
        empty_state(
            "Aucune donnée pour cette sélection.", "Élargissez les filtres (années, centre…)."
        )
        return
    if chart is not None:
        altair_chart(chart, width="stretch")
    st.caption(caption)
    with st.expander("Voir le tableau et le télécharger"):
        show_table(table, file_name, counts)


VALIDATE_CHARTS_ENV = "PARCOURS_VALIDATE_CHARTS"


def _validate_charts() -> bool:
    return os.environ.get(VALIDATE_CHARTS_ENV) == "1"


def _charts_unchecked() -> None:
    """Altair's « debug mode » validates every encoding object against the schema as it is
    made (a third of the chart-building time of a warm page); see `altair_chart` for why the
    dashboard skips it."""
    if not _validate_charts():
        alt_schemapi.disable_debug_mode()


def altair_chart(chart: Any, **kwargs: Any) -> None:
    """`st.altair_chart`, without Altair's JSON-schema validation of the spec at each draw.

    Altair validates a chart against the Vega-Lite schema every time it is serialised: about
    40 % of a warm page run. The charts come from the fixed builders of `charts` and
    `page_charts`; the test suite sets PARCOURS_VALIDATE_CHARTS=1, so every chart a page test
    draws is still validated."""
    if not _validate_charts():
        # Altair's __setattr__ would store the attribute in the spec: bypass it.
        object.__setattr__(
            chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False)
        )
    st.altair_chart(chart, **kwargs)


TOO_SMALL = "Effectifs trop petits pour dessiner le graphique (moins de 5) : voir le tableau."


def drawable(frame: pl.DataFrame, column: str) -> pl.DataFrame | None:
    """The rows a chart can draw (masked values left out); None, with a short note, when
    nothing is left — then pass `chart=None` to `show_chart`, the table still shows « < 5 »."""
    kept = frame.filter(pl.col(column).is_not_null())
    if kept.is_empty() and not frame.is_empty():
        st.caption(TOO_SMALL)
        return None
    return kept


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


def run_build(data_dir: DataDir, actor: str) -> Any:
    """Rebuild the warehouse with a progress bar (dbt runs in its own process; the build is
    audited by `parcours.warehouse.build`). Returns the `BuildResult`."""
    from parcours.presentation.formatting import number
    from parcours.warehouse import build
    from parcours.warehouse import history as build_history

    bar = st.progress(0.0, text="Préparation de la construction…")

    def progress(line: str) -> None:
        fraction = build_history.progress_fraction(line)
        if fraction is None:
            bar.progress(0.0, text=line)
        else:
            bar.progress(fraction, text=f"Construction : {line}")

    result = build.build(data_dir, actor=actor, progress=progress)
    bar.empty()
    if result.ok:
        st.success(
            f"{result.message} Les pages montrent désormais les données envoyées "
            f"(durée : {number(result.duration_s, 0)} s).",
            icon=":material/check_circle:",
        )
    else:
        st.error(result.message, icon=":material/block:")
    return result
