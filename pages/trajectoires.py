"""Trajectoires — the paths themselves: the share of a cohort in each situation month by month
(chronogram), and where trainees go after they leave."""

import altair as alt
import polars as pl
import streamlit as st

from parcours.analytics import path_types, trajectories
from parcours.dashboard import ui
from parcours.presentation import charts
from parcours.presentation import formatting as fmt

user, scope, filters = ui.page_setup("Trajectoires")
MASKED = (
    " Hors des données de votre centre, un effectif inférieur à 5 est masqué (« < 5 »)."
    if scope.mask_small_counts
    else ""
)


def choose_year() -> int | None:
    years = ui.load(trajectories.cohort_years, scope, filters)
    if not years:
        ui.empty_state(
            "Aucune cohorte d'entrée pour cette sélection.",
            "Les trajectoires se calculent à partir des dates d'entrée des stagiaires.",
        )
        return None
    wanted = filters.years[1] if filters.years else years[-1]
    default = max((y for y in years if y <= wanted), default=years[0])
    return st.selectbox("Cohorte (année d'entrée)", years, index=years.index(default))


def show_chronogram(year: int) -> None:
    st.subheader("Mois après mois : où en sont les stagiaires entrés en " + str(year))
    frame = ui.load(trajectories.chronogram, scope, filters, year)
    if frame.is_empty():
        ui.empty_state(f"Pas de cohorte affichable pour {year} (moins de 5 stagiaires ou aucun).")
        return
    cohort = frame.filter(pl.col("month") == 0)["observable"].max()
    st.caption(
        f"Cohorte : {fmt.count(cohort)} stagiaires entrés en {year}. La part de chaque "
        "situation est celle des stagiaires encore observés ce mois-là (leur centre a envoyé des "
        "données jusque-là) ; leur nombre est dans le tableau."
    )
    data = ui.drawable(frame, "share")
    chart = None
    if data is not None:
        chart = charts.columns(
            data,
            "month",
            "share",
            x_title="Mois depuis l'entrée (0 = mois d'entrée)",
            y_title="Part des stagiaires observés",
            color="state",
            color_title="Situation",
            palette="state",
            y_format=charts.PCT,
            tooltip=[
                alt.Tooltip("month:O", title="Mois depuis l'entrée"),
                alt.Tooltip("state:N", title="Situation"),
                alt.Tooltip("share:Q", title="Part", format=charts.PCT),
                alt.Tooltip("trainees:Q", title="Stagiaires", format=charts.INT),
                alt.Tooltip("observable:Q", title="Observés ce mois", format=charts.INT),
            ],
        )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("month").alias("Mois depuis l'entrée"),
            pl.col("state").alias("Situation"),
            pl.col("trainees").alias("Stagiaires"),
            pl.col("observable").alias("Observés ce mois"),
            pl.col("share").alias("Part"),
        ),
        "Chronogramme : chaque colonne est un mois depuis l'entrée ; « Au centre » avant le mois "
        "de la dernière sortie, puis le groupe de la dernière situation connue (destination à la "
        "sortie ou suivi ultérieur). Les allers-retours restent visibles : une personne peut "
        "passer par la formation, le chômage puis l'emploi." + MASKED,
        f"trajectoires_chronogramme_{year}",
        counts=["Stagiaires", "Observés ce mois"],
    )


def show_transitions(year: int) -> None:
    st.subheader("Après la sortie : à 6 et 12 mois")
    frame = ui.load(trajectories.transitions, scope, filters, year)
    if frame.is_empty():
        ui.empty_state(f"Aucune sortie enregistrée pour la cohorte {year}.")
        return
    ui.show_table(
        frame.select(
            pl.col("destination_group").alias("À la sortie"),
            pl.col("state_at_6_months").alias("6 mois après"),
            pl.col("state_at_12_months").alias("12 mois après"),
            pl.col("trainees").alias("Stagiaires"),
        ),
        f"trajectoires_transitions_{year}",
        counts=["Stagiaires"],
    )
    st.caption(
        "Stagiaires sortis de la cohorte, par chemin : destination à la sortie, puis situation "
        "observée au suivi le plus proche de 6 mois (entre 4 et 8 mois) et de 12 mois (entre 10 "
        "et 14 mois) ; « Non observé » quand aucun suivi ne tombe dans la fenêtre." + MASKED
    )


def show_path_types(year: int) -> None:
    """« Parcours types »: the cohort's trainees by typical path, each with its representative
    path, its outcomes and its barrier profile (`parcours.analytics.path_types`)."""

    def caption(outcomes: pl.DataFrame, barriers: pl.DataFrame, drawn: bool) -> str:
        def parts(frame: pl.DataFrame, label: str) -> str:
            shown = []
            for r in frame.iter_rows(named=True):
                if r["trainees"] == 0:
                    continue
                count = r["trainees_shown"] if r["trainees"] is None else fmt.count(r["trainees"])
                share = "" if r["share"] is None else f", {fmt.share(r['share'])}"
                shown.append(f"{r[label]} {count}{share}")
            return " ; ".join(shown) or "aucun"

        at_exit = outcomes.filter(pl.col("outcome") == path_types.OUTCOMES["exit"])
        at_12 = outcomes.filter(pl.col("outcome") == path_types.OUTCOMES["at_12"])
        if drawn:
            path = (
                "Parcours représentatif (en haut) : la situation, mois par mois sur les 24 "
                "premiers mois, du parcours le plus proche de tous les autres du type ; il "
                "s'arrête plus tôt quand son centre n'a pas encore envoyé de données au-delà. "
            )
        else:
            path = (
                "Parcours représentatif non affiché : moins de 5 stagiaires du secteur le "
                "partagent exactement. "
            )
        return (
            path + f"À la sortie : {parts(at_exit, 'category')}. Au 12e mois après l'entrée : "
            f"{parts(at_12, 'category')}. Freins (au moins un épisode, par groupe) : "
            f"{parts(barriers, 'barrier')}. Les parts sont celles des stagiaires de ce "
            "parcours type dans la cohorte. Les parcours types sont calculés à chaque "
            "construction pour tout le secteur : les 24 premiers mois de chaque stagiaire sont "
            "comparés mois par mois (un changement de situation coûte moins quand il est "
            "fréquent, comme « au centre » puis « formation »), regroupés autour de parcours "
            "représentatifs, et chacun rejoint le plus proche." + MASKED
        )

    st.subheader("Parcours types")
    if not ui.has_tables("agg_path_types", "agg_path_type_sequences"):
        ui.empty_state("Les parcours types seront calculés à la prochaine construction.")
        return
    frames = ui.load(path_types.path_types, scope, filters, year)
    types = frames["types"]
    if types.is_empty():
        ui.empty_state(f"Pas de parcours types affichables pour {year} (moins de 5 stagiaires).")
        return
    st.caption(
        f"Les {fmt.count(frames['cohort']['trainees'][0])} stagiaires entrés en {year}, "
        "répartis entre les parcours types du secteur. Chaque parcours type regroupe les "
        "stagiaires dont les 24 premiers mois se ressemblent ; son nom décrit son parcours "
        "représentatif."
    )
    for row in types.iter_rows(named=True):
        kind = row["path_type"]
        size = row["trainees_shown"] if row["trainees"] is None else fmt.count(row["trainees"])
        share = "" if row["share"] is None else f" ({fmt.share(row['share'])} de la cohorte)"
        noun = "stagiaire" if row["trainees"] == 1 else "stagiaires"
        st.markdown(f"**{row['name']}** — {size} {noun}{share}")
        # The months after the representative path's last observed one are left undrawn.
        path = frames["paths"].filter(
            (pl.col("path_type") == kind) & (pl.col("state") != path_types.AT_12["not_observed"])
        )
        outcomes = frames["outcomes"].filter(pl.col("path_type") == kind)
        barriers = frames["barriers"].filter(pl.col("path_type") == kind)
        chart = None
        if not path.is_empty():
            chart = charts.columns(
                path,
                "month",
                "months",
                x_title="Mois depuis l'entrée (0 = mois d'entrée)",
                y_title="",
                color="state",
                color_title="Situation",
                palette="state",
                tooltip=[
                    alt.Tooltip("month:O", title="Mois depuis l'entrée"),
                    alt.Tooltip("state:N", title="Situation"),
                ],
                height=110,
            )
        ui.show_chart(
            chart,
            # Zero rows left out (the caption skips them too); a masked count as its label
            # (« < 5 », or « masqué » for a count of 5 or more masked to protect another).
            pl.concat(
                [
                    outcomes.select(
                        pl.col("outcome").alias("Indicateur"),
                        pl.col("category").alias("Valeur"),
                        pl.col("trainees_shown").alias("Stagiaires"),
                        pl.col("share").alias("Part du parcours type"),
                        pl.col("trainees").alias("n"),
                    ),
                    barriers.select(
                        pl.lit("Freins identifiés").alias("Indicateur"),
                        pl.col("barrier").alias("Valeur"),
                        pl.col("trainees_shown").alias("Stagiaires"),
                        pl.col("share").alias("Part du parcours type"),
                        pl.col("trainees").alias("n"),
                    ),
                ]
            )
            .filter(pl.col("n").is_null() | (pl.col("n") > 0))
            .drop("n"),
            caption(outcomes, barriers, chart is not None),
            f"trajectoires_parcours_type_{kind}_{year}",
            counts=["Stagiaires"],
        )


if ui.warehouse_ready("agg_cohort_state_spells", "agg_transitions"):
    with ui.guard("les trajectoires"):
        year = choose_year()
        if year is not None:
            show_chronogram(year)
            show_transitions(year)
            show_path_types(year)
