"""The shared filters (years, federation, centre, province, filière, and the population: age band
at entry, gender, education, status at entry): widgets in the sidebar, kept in
`st.session_state` (so they survive page changes) and in the URL query string (so a view can be
shared): `?annees=2023-2024&federation=ACFI&centre=C01&province=Liège&filiere=eft&age=under_25
&genre=F&etudes=cess&statut=dei`. A population value the URL holds that is not a code is reset
to « Tous », with a French warning (never a traceback).

The filters agree with each other: the period cannot be inverted (the « À » list starts at the
« De » year; moving « De » past « À » moves « À » with it), and each list offers only what the
choices above it leave: provinces of the federation's centres, centres of that federation and
province, filières of those centres (or of the centre chosen). A value that no longer fits is
reset to « Tous / Toutes », visibly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import streamlit as st

from parcours import contract
from parcours.core import dates
from parcours.dashboard.session import FILTERS_KEY
from parcours.presentation import wording
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Filters, Scope

QP = {"years": "annees", "federation": "federation", "centre_id": "centre", "province": "province"}
QP_FILIERE = "filiere"
# The population filters: dimension (a `Filters` field) → query parameter.
QP_POPULATION = {
    "age_band": "age",
    "gender": "genre",
    "education": "etudes",
    "status_at_entry": "statut",
}
INVALID_KEY = "_flt_invalid"  # population values of the URL that were reset (to warn about)


# --- filters ----------------------------------------------------------------------------------


def _filters_from_url(options: dict[str, list]) -> Filters:
    qp = st.query_params
    years = None
    raw = qp.get(QP["years"])
    population, invalid = {}, []
    if raw:
        parts = raw.split("-")
        try:
            y0, y1 = int(parts[0]), int(parts[-1])
            years = (min(y0, y1), max(y0, y1))
        except ValueError:
            years = None
        known = options.get("years") or []
        if years is None or not known or years[0] < known[0] or years[1] > known[-1]:
            # Said in French (the period shown is then the nearest one with data).
            invalid.append((YEARS, raw))
    centre_ids = [c for c, _ in options["centres"]]
    for dimension, key in QP_POPULATION.items():
        value = qp.get(key)
        if not value:
            continue
        if value in contract.population_labels(dimension):
            population[dimension] = value
        else:
            invalid.append((dimension, value))
    st.session_state[INVALID_KEY] = invalid
    return Filters(
        years=years,
        federation=qp.get(QP["federation"])
        if qp.get(QP["federation"]) in options["federations"]
        else None,
        centre_id=qp.get(QP["centre_id"]) if qp.get(QP["centre_id"]) in centre_ids else None,
        province=qp.get(QP["province"]) if qp.get(QP["province"]) in options["provinces"] else None,
        filiere=qp.get(QP_FILIERE) if qp.get(QP_FILIERE) in options["filieres"] else None,
        **population,
    )


def _write_url(filters: Filters) -> None:
    values = {
        QP["years"]: f"{filters.years[0]}-{filters.years[1]}" if filters.years else None,
        QP["federation"]: filters.federation,
        QP["centre_id"]: filters.centre_id,
        QP["province"]: filters.province,
        QP_FILIERE: filters.filiere,
        **{key: getattr(filters, dimension) for dimension, key in QP_POPULATION.items()},
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
    """on_change of « De » and « À »: the period starts at « De »; an end before it follows it
    (never silently swapped into another period)."""
    y0, y1 = st.session_state.get("flt_y0"), st.session_state.get("flt_y1")
    if y0 is None:
        return
    y1 = y0 if y1 is None or y1 < y0 else y1
    saved = st.session_state.get(FILTERS_KEY) or Filters()
    st.session_state[FILTERS_KEY] = saved.with_years((y0, y1))


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


def _years(years: list[int], saved: tuple[int, int] | None) -> tuple[int, int] | None:
    """The period: « De » any year, « À » a year from « De » on."""
    if not years:
        return None
    # By default the last complete year: the current one would compare a few months with a
    # whole previous year.
    last = years[-2] if len(years) > 1 and years[-1] >= dates.today().year else years[-1]
    default = saved or (last, last)
    default = (max(default[0], years[0]), min(default[1], years[-1]))
    if default[0] > default[1]:
        default = (years[-1], years[-1])
    if len(years) == 1:
        st.caption(f"Année : {years[0]}")
        return (years[0], years[0])
    # Two select boxes rather than a range slider: a slider whose two ends are on the same
    # year does not round-trip reliably through widget state.
    first, second = st.columns(2)
    _seed("flt_y0", default[0], years)
    with first:
        y0 = st.selectbox("De", years, key="flt_y0", on_change=_remember_years)
    ends = [y for y in years if y >= y0]
    _seed("flt_y1", max(default[1], y0), ends)
    with second:
        y1 = st.selectbox("À", ends, key="flt_y1", on_change=_remember_years)
    return (y0, y1)


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
    federation = centre = province = None
    with st.sidebar:
        st.subheader("Filtres")
        chosen_years = _years(options["years"], saved.years)
        left = warehouse.narrowed(options)
        if len(options["centres"]) > 1:
            # A choice with a single value (a member federation's own name) is not offered.
            if len(options["federations"]) > 1:
                federation = _none_if_all(
                    _filter_choice(
                        "Fédération",
                        "flt_fed",
                        "federation",
                        options["federations"],
                        saved.federation,
                        all_label="Toutes",
                    )
                )
            left = warehouse.narrowed(options, federation)
            if len(left["provinces"]) > 1:
                province = _none_if_all(
                    _filter_choice(
                        "Province",
                        "flt_prov",
                        "province",
                        left["provinces"],
                        saved.province,
                        all_label="Toutes",
                    )
                )
            left = warehouse.narrowed(options, federation, province)
            names = dict(left["centres"])
            if len(names) > 1:
                centre = _none_if_all(
                    _filter_choice(
                        "Centre",
                        "flt_centre",
                        "centre_id",
                        list(names),
                        saved.centre_id,
                        all_label="Tous",
                        name=lambda v: f"{names[v]} ({v})",
                    )
                )
        filieres = left["filieres"]
        if centre is not None:
            details = {d["centre_id"]: d for d in options.get("centre_details", [])}
            filieres = [f for f in filieres if f in details.get(centre, {}).get("filieres", [])]
        labels = _labels("filiere")
        filiere = None
        if filieres:
            filiere = _none_if_all(
                _filter_choice(
                    "Filière",
                    "flt_filiere",
                    "filiere",
                    filieres,
                    saved.filiere,
                    all_label="Toutes",
                    name=lambda v: labels.get(v, v),
                )
            )
        population = _population(saved)
    chosen = Filters(
        years=chosen_years,
        federation=federation,
        centre_id=centre,
        province=province,
        filiere=filiere,
        **population,
    )
    st.session_state[FILTERS_KEY] = chosen
    _write_url(chosen)
    _warn_invalid()
    if chosen.population:
        st.caption(f"Population : {population_text(chosen)}.")
    return chosen


POPULATION_KEYS = {
    "age_band": "flt_age",
    "gender": "flt_gender",
    "education": "flt_education",
    "status_at_entry": "flt_status",
}


def _population(saved: Filters) -> dict[str, str | None]:
    """The four population filters (every code of the contract is offered, so that a shared
    link stays valid whatever the data), « Tous » first."""
    st.markdown("**Population**")
    chosen = {}
    for dimension, name in contract.POPULATION.items():
        labels = contract.population_labels(dimension)
        chosen[dimension] = _none_if_all(
            _filter_choice(
                name,
                POPULATION_KEYS[dimension],
                dimension,
                list(labels),
                getattr(saved, dimension),
                all_label="Tous",
                name=lambda v, labels=labels: labels.get(v, v),
            )
        )
    return chosen


def population_text(chosen: Filters) -> str:
    """« Moins de 25 ans, Femme » — the population chosen, in French (`wording`)."""
    return wording.population(
        {d: contract.population_labels(d)[code] for d, code in chosen.population.items()}
    )


YEARS = "years"


def _warn_invalid() -> None:
    """A population value of the URL that is not a code, or years without data: said once, in
    French."""
    known = year_options()
    for dimension, value in st.session_state.pop(INVALID_KEY, None) or []:
        if dimension == YEARS:
            span = f"de {known[0]} à {known[-1]}" if known else "aucune année"
            st.warning(
                f"Le lien demande les années « {value[:20]} », hors des données ({span}) : "
                "la période affichée est la plus proche qui a des données."
            )
            continue
        st.warning(
            f"Le lien contient une valeur inconnue pour le filtre « "
            f"{contract.POPULATION[dimension]} » (« {value[:40]} ») : ce filtre est remis à "
            "« Tous »."
        )


@st.cache_data(show_spinner=False, max_entries=256)
def _options(version: str, scope: Scope) -> dict[str, list]:
    return warehouse.filter_options(scope)


def year_options() -> list[int]:
    """The years that have data in the user's scope (as offered by the shared filter)."""
    return list(st.session_state.get("_filter_options", {}).get("years", []))


def _labels(list_name: str) -> dict[str, str]:
    from parcours import contract

    return contract.load().labels(list_name)


def centre_names() -> dict[str, str]:
    """centre_id → name of the centres in the user's scope (as offered by the shared filters)."""
    return dict(st.session_state.get("_filter_options", {}).get("centres", []))


def filiere_label(code: str) -> str:
    """The French name of a filière code (« EFT », « DéFI »)."""
    return _labels("filiere").get(code, code)
