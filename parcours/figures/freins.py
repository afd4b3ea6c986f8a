"""Freins levés: per group (a table), lift rate per barrier, time to lift (Kaplan–Meier),
distance travelled. All read `barriers.page` (one masked load)."""

from __future__ import annotations

import altair as alt
import polars as pl

from parcours.analytics import barriers
from parcours.figures.spec import Column, Figure
from parcours.presentation import charts

SOURCE = "fichiers des centres : freins évalués"
TABLES = "fct_barrier_episodes, dim_participants"
SUMMARY = (
    Column("trainees", "Stagiaires concernés", "count"),
    Column("episodes", "Épisodes", "count"),
    Column("lifted", "Épisodes levés", "count"),
    Column("setbacks", "Rechutes", "count"),
    Column("trainees_with_setback", "Stagiaires avec rechute", "count"),
    Column("lift_rate", "Taux de levée", "share"),
    Column("lift_rate_low", "IC 95 % bas", "share"),
    Column("lift_rate_high", "IC 95 % haut", "share"),
    Column("km_median_days", "Durée médiane (Kaplan–Meier, jours)", "number"),
    Column("naive_median_days", "Médiane des seuls freins levés (jours)", "number"),
)
# On paper: the counts, the rate and the median (the intervals are on the page and in its CSV).
PRINTED = tuple(
    c
    for c in SUMMARY
    if not c.field.startswith("lift_rate_")
    and c.field not in ("trainees_with_setback", "naive_median_days")
)
LIFT_RATE = (
    "Taux de levée : part des épisodes levés (une évaluation ultérieure au niveau 0), avec son "
    "nombre d'épisodes et son intervalle de confiance (Wilson, 95 %). Rechute : un frein qui "
    "revient après avoir été levé (épisode n° 2 ou plus). Durée médiane : lue sur la courbe de "
    f"Kaplan–Meier tant qu'au moins {barriers.KM_MIN_AT_RISK} épisodes sont encore suivis."
)

GROUPS = Figure(
    id="freins_par_groupe",
    title="Par groupe de freins",
    definition="Épisodes de freins identifiés en {years}, par groupe (psychosocial, matériel, "
    "compétences). " + LIFT_RATE,
    source=SOURCE,
    tables=TABLES,
    reads=barriers.page,
    part="groups",
    value="lift_rate",
    draw=None,  # a table (the page shows one card per group above it)
    columns=(Column("group_label", "Groupe"), *SUMMARY),
    empty="Aucun frein identifié pour cette sélection.",
    extra={"printed_columns": (Column("group_label", "Groupe"), *PRINTED)},
)


def _lift_rate(per: pl.DataFrame, tooltips: bool):
    # Every barrier stays on the axis: a masked rate is an empty bar, not a missing row.
    return charts.bar(
        per,
        "barrier_label",
        "lift_rate",
        category_title="Frein",
        value_title="Taux de levée",
        value_format=charts.PCT,
        color="group_label",
        color_title="Groupe",
        palette="barrier.group",
        tooltip=[
            alt.Tooltip("barrier_label:N", title="Frein"),
            alt.Tooltip("group_label:N", title="Groupe"),
            alt.Tooltip("lift_rate:Q", title="Taux de levée", format=charts.PCT),
            alt.Tooltip("lifted:Q", title="Épisodes levés", format=charts.INT),
            alt.Tooltip("episodes:Q", title="Épisodes", format=charts.INT),
            alt.Tooltip("km_median_days:Q", title="Durée médiane (jours)", format=charts.INT),
        ]
        if tooltips
        else None,
    ).configure_mark(invalid="break-paths-show-domains")


BY_BARRIER = Figure(
    id="freins_par_frein",
    title="Taux de levée par frein",
    definition="Freins identifiés en {years}. " + LIFT_RATE,
    source=SOURCE,
    tables=TABLES,
    reads=barriers.page,
    part="barriers",
    value="lift_rate",
    draw=_lift_rate,
    columns=(Column("barrier_label", "Frein"), Column("group_label", "Groupe"), *SUMMARY),
    extra={"printed_columns": (Column("barrier_label", "Frein"), *PRINTED)},
    masking=" Un taux qui permettrait de retrouver un effectif inférieur à 5 est masqué : le "
    "frein garde sa ligne, marquée « masqué ». Effectifs de 1 à 4 masqués (« < 5 »).",
    empty="Aucun frein identifié pour cette sélection.",
)


def _time_to_lift(curves: pl.DataFrame, tooltips: bool):
    data = curves.with_columns((1 - pl.col("survival")).round(3).alias("lifted_share"))
    tooltip = None
    if tooltips:
        tooltip = [
            alt.Tooltip("key:N", title="Groupe"),
            alt.Tooltip("time:Q", title="Jours", format=charts.INT),
            alt.Tooltip("lifted_share:Q", title="Part levée", format=charts.PCT),
        ]
        if "at_risk" in curves.columns and curves["at_risk"].is_not_null().any():
            tooltip.append(
                alt.Tooltip("at_risk:Q", title="Encore ouverts et suivis", format=charts.INT)
            )
    return charts.lines(
        data,
        "time",
        "lifted_share",
        x_title="Jours depuis l'identification du frein",
        y_title="Part des freins levés",
        color="key",
        color_title="Groupe",
        palette="barrier.group",
        y_format=charts.PCT,
        step=True,
        y_domain=(0, 1),
        tooltip=tooltip,
    )


HORIZONS = (90, 180, 365)


def lifted_by(curves: pl.DataFrame, days: tuple[int, ...] = HORIZONS) -> pl.DataFrame:
    """Share lifted at each horizon, per curve; null past the curve's last point (the curve
    stops when fewer than `KM_MIN_AT_RISK` episodes are followed: it says nothing there)."""
    schema = {"key": pl.String, **{f"d{d}": pl.Float64 for d in days}}
    if curves.is_empty():
        return pl.DataFrame(schema=schema)
    rows = []
    for (key,), curve in curves.partition_by("key", as_dict=True, maintain_order=True).items():
        row: dict = {"key": key}
        for d in days:
            known = curve.filter(pl.col("time") <= d)
            followed = not known.is_empty() and curve["time"].max() >= d
            row[f"d{d}"] = 1 - known["survival"][-1] if followed else None
        rows.append(row)
    return pl.DataFrame(rows, schema=schema)


TIME_TO_LIFT = Figure(
    id="freins_duree",
    title="Combien de temps pour lever un frein ?",
    definition="Part des épisodes identifiés en {years} qui sont levés, selon le nombre de jours "
    "depuis leur identification. Estimation de Kaplan–Meier : chaque épisode compte, levé (à sa "
    "date de levée) ou encore ouvert (suivi jusqu'à sa dernière évaluation). La médiane des "
    "seuls freins levés ignorerait les freins encore ouverts, souvent les plus longs. Chaque "
    f"courbe s'arrête quand moins de {barriers.KM_MIN_AT_RISK} épisodes sont encore suivis : "
    "au-delà, elle ne dit plus rien de sûr.",
    source=SOURCE,
    tables="fct_barrier_episodes",
    reads=barriers.page,
    part="curves",
    value="survival",
    draw=_time_to_lift,
    columns=(
        Column("key", "Groupe"),
        Column("time", "Jours"),
        Column("at_risk", "Épisodes suivis"),
        Column("events", "Levés ce jour"),
        Column("censored", "Encore ouverts (dernière évaluation)"),
        Column("lifted_share", "Part levée", "share"),
    ),
    masking=f" Hors des données d'un centre, la courbe est donnée tous les {barriers.KM_GRID_DAYS} "
    "jours, sans les nombres de chaque jour.",
    empty=f"Trop peu d'épisodes pour tracer une courbe (il en faut au moins "
    f"{barriers.KM_MIN_AT_RISK} encore suivis).",
)
# On paper: the share lifted at 90, 180 and 365 days (the curve's points are hundreds).
TIME_TO_LIFT_PRINTED = (
    Column("key", "Groupe"),
    Column("d90", "Levés à 90 jours", "share"),
    Column("d180", "à 180 jours", "share"),
    Column("d365", "à 365 jours", "share"),
)


def curve_table(curves: pl.DataFrame, masked: bool) -> pl.DataFrame:
    """The curves as the table shows them: the per-day counts only on a centre's own view
    (they are small by nature)."""
    if curves.is_empty():
        return curves
    out = curves.with_columns((1 - pl.col("survival")).alias("lifted_share"))
    if masked:
        out = out.drop([c for c in ("at_risk", "events", "censored") if c in out.columns])
    return out


def _distance(dist: pl.DataFrame, tooltips: bool):
    # A masked barrier stays on the axis, without its points.
    return charts.dumbbell(
        dist,
        "barrier_label",
        "first_level",
        "latest_level",
        category_title="Frein",
        value_title="Niveau moyen (0 = levé, 3 = fort)",
    ).configure_mark(invalid="break-paths-show-domains")


DISTANCE = Figure(
    id="freins_chemin",
    title="Chemin parcouru",
    definition="Pour chaque stagiaire et chaque frein identifié en {years} : le niveau à la "
    "première évaluation et à la plus récente (0 = absent ou levé, 1 = faible, 2 = moyen, "
    "3 = fort), en moyenne par frein. Un point bleu (dernière évaluation) à gauche du point "
    "orange (première) : le frein a reculé.",
    source=SOURCE,
    tables="fct_barrier_episodes",
    reads=barriers.page,
    part="distance",
    value="first_level",
    draw=_distance,
    columns=(
        Column("barrier_label", "Frein"),
        Column("trainees", "Stagiaires évalués", "count"),
        Column("first_level", "Niveau moyen à la première évaluation", "number"),
        Column("latest_level", "Niveau moyen à la dernière évaluation", "number"),
    ),
    masking=" Une moyenne sur moins de 5 stagiaires est masquée.",
)

FIGURES = (GROUPS, BY_BARRIER, TIME_TO_LIFT, DISTANCE)
