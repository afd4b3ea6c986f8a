"""« Se situer », the section every analytical page ends with: the figure of the centre looked
at beside its federation's and the sector's, or the spread of the centres of a selection
(`parcours.analytics.comparison`, which decides what is compared and masks it)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from parcours.analytics import comparison, masking
from parcours.dashboard import ui
from parcours.presentation import charts
from parcours.presentation import formatting as fmt
from parcours.warehouse.reader import Filters, Scope

HEADINGS = {
    "levels": "Se situer : le centre, sa fédération, le secteur",
    "spread": "Se situer : d'un centre à l'autre",
    "none": "Se situer",
}
SCOPE_NOTE = (
    "La comparaison garde la période, la filière et le public choisis ; le centre, la "
    "fédération et la province choisis disent qui est comparé. Hors des données de votre "
    "centre, un effectif de moins de 5 — ou la différence entre deux niveaux, qui donnerait "
    "celui des autres centres — est masqué."
)


def value_text(value: float | None, statistic: comparison.Statistic) -> str:
    if value is None:
        return fmt.MISSING
    if statistic.kind == "share":
        return fmt.share(value)
    if statistic.kind == "km_median":
        return fmt.days(value)
    return f"{fmt.integer(value)} mois"


def _chart_format(statistic: comparison.Statistic) -> str:
    return charts.PCT if statistic.kind == "share" else charts.INT


def _counts_text(row: dict, figure: comparison.Figure) -> str:
    if row["masked"]:
        if row["masked_text"] == masking.LABEL:
            return f"masqué : un effectif de moins de 5 {figure.unit} dans le calcul"
        return (
            "masqué : l'écart avec le niveau voisin donnerait un effectif de moins de 5 "
            "d'autres centres"
        )
    if row["value"] is None and row["base"]:
        return f"non atteinte — {_base_text(row, figure)}"
    return _base_text(row, figure)


def _base_text(row: dict, figure: comparison.Figure) -> str:
    if row["hits"] is None:
        return f"sur {fmt.integer(row['base'])} {figure.unit}"
    return f"{fmt.integer(row['hits'])} sur {fmt.integer(row['base'])} {figure.unit}"


def _levels(result: comparison.Comparison, subject: str, figure: comparison.Figure) -> None:
    rows = result.levels.filter(pl.col("subject") == subject).to_dicts()
    for column, row in zip(st.columns(len(rows)), rows, strict=True):
        with column:
            shown = "masqué" if row["masked"] else value_text(row["value"], figure.statistic)
            ui.metric(row["level_label"], shown, help=figure.definition)
            st.caption(_counts_text(row, figure))


def _spread(result: comparison.Comparison, subject: str, figure: comparison.Figure) -> None:
    references = result.levels.filter(pl.col("subject") == subject)
    points = result.spread.filter(pl.col("subject") == subject)
    counted = result.hidden.filter(pl.col("subject") == subject).to_dicts()
    shown, hidden = (
        (counted[0]["centres_shown"], counted[0]["centres_hidden"]) if counted else (0, 0)
    )
    for column, row in zip(st.columns(len(references)), references.to_dicts(), strict=True):
        with column:
            value = "masqué" if row["masked"] else value_text(row["value"], figure.statistic)
            ui.metric(row["level_label"], value, help=figure.definition)
            st.caption(_counts_text(row, figure))
    if shown:
        title, value_format = figure.label, _chart_format(figure.statistic)
        drawing = ui.Drawing(
            ("benchmark.spread", title, value_format),
            (points, references),
            lambda: charts.spread(points, references, value_title=title, value_format=value_format),
        )
        ui.draw(drawing, width="stretch")
    if shown:
        note = f"Un trait gris par centre ({shown} centre{'s' if shown > 1 else ''}), sans nom"
    else:
        note = "Aucun centre ne peut être montré seul"
    if hidden:
        reasons = f"moins de 5 {figure.unit} ou un effectif de 1 à 4 dans le calcul"
        if figure.statistic.kind != "share":
            reasons += ", ou une médiane non atteinte"
        plural = "s" if hidden > 1 else ""
        note += f" ; {hidden} centre{plural} non montré{plural} : {reasons}"
    st.caption(fmt.typography(note + "."))


def show(
    scope: Scope,
    filters: Filters,
    keys: list[str],
    subject_title: str | None = None,
    default: str | None = None,
) -> None:
    """The section, for the figures `keys` of `comparison.FIGURES` (they share their subjects:
    one choice of `subject_title` — « Frein », « Type de partenaire »… — for all)."""
    results = {key: ui.load(comparison.compare_figure, scope, filters, key) for key in keys}
    first = results[keys[0]]
    st.subheader(HEADINGS[first.view])
    if first.view == "none":
        st.caption("Rien à comparer pour cette sélection.")
        return
    figures = {key: comparison.FIGURES[key] for key in keys}
    labels = figures[keys[0]].subjects()
    # One pass over the levels, not one filter per subject (dozens, at every page run).
    counted = set(first.levels.filter(pl.col("base").fill_null(1) > 0)["subject"].to_list())
    present = [code for code in labels if code in counted]
    if not present:
        st.caption("Aucune donnée à comparer pour cette sélection.")
        return
    subject = present[0]
    if len(present) > 1:
        subject = st.selectbox(
            subject_title or "Sujet",
            present,
            index=present.index(default) if default in present else 0,
            format_func=labels.get,
            key=f"benchmark_{keys[0]}",
        )
    for key, figure in figures.items():
        result = results[key]
        title = figure.label if len(present) <= 1 else f"{figure.label} — {labels[subject]}"
        st.markdown(f"**{title}**")
        if result.view == "levels":
            _levels(result, subject, figure)
        else:
            _spread(result, subject, figure)
        st.caption(fmt.typography(figure.definition))
    st.caption(fmt.typography(SCOPE_NOTE))
