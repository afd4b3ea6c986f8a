"""Trajectoires — the paths themselves: the share of a cohort in each situation month by month
(chronogram), and where trainees go after they leave."""

import altair as alt
import polars as pl
import streamlit as st

from parcours import contract
from parcours.analytics import (
    level_journeys,
    path_types,
    trajectories,
    transition_flows,
)
from parcours.dashboard import benchmark, ui
from parcours.figures import trajectoires as figures
from parcours.presentation import alluvial, charts
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
    st.subheader(figures.CHRONOGRAM.words(masked=False, year=year).title)
    by = ui.breakdown("trajectoires_ventiler")
    if by is not None:
        show_chronogram_by(year, by)
        return
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
    ui.show_figure(figures.CHRONOGRAM, frame, heading=False, file_suffix=f"_{year}", year=year)


def show_chronogram_by(year: int, by: str) -> None:
    """The chronogram of each group of one population dimension (« Ventiler par »)."""
    frame = ui.load(trajectories.chronogram_by, scope, filters, year, by)
    name = ui.BREAKDOWN_LABELS[by]
    if frame.is_empty():
        ui.empty_state(f"Pas de cohorte affichable pour {year} (moins de 5 stagiaires ou aucun).")
        return
    cohort = frame["cohort"][0]
    st.caption(
        f"Cohorte : {fmt.count(cohort) if cohort is not None else 'masquée'} stagiaires entrés "
        f"en {year}, par {name.lower()} à l'entrée. Dans chaque groupe, la part de chaque "
        "situation est celle des stagiaires du groupe encore observés ce mois-là."
    )
    for group in frame["group"].unique(maintain_order=True):
        part = frame.filter(pl.col("group") == group)
        size = part.filter(pl.col("month") == 0)["observable"].max()
        count = "effectif masqué"
        if size is not None:
            count = f"{fmt.count(size)} stagiaire{'s' if size > 1 else ''}"
        st.markdown(f"**{group}** — {count}")
        if ui.drawable(part, "share") is not None:
            ui.draw(
                ui.Drawing(
                    ("trajectoires.chronogram_by",),
                    (part,),
                    lambda part=part: figures.chronogram_chart(part, False, height=200),
                ),
                width="stretch",
            )
        else:
            st.caption("Groupe masqué : trop peu de stagiaires pour le montrer.")
    st.caption(
        f"Chronogramme par {name.lower()} : les groupes d'un mois s'additionnent aux stagiaires "
        "observés ce mois-là (« Aucun » pour voir la cohorte entière)." + MASKED
    )
    with st.expander("Voir le tableau et le télécharger"):
        ui.show_table(
            frame.select(
                pl.col("group").alias(name),
                pl.col("month").alias("Mois depuis l'entrée"),
                pl.col("state").alias("Situation"),
                pl.col("trainees").alias("Stagiaires"),
                pl.col("observable").alias("Observés ce mois"),
                pl.col("share").alias("Part"),
            ),
            f"trajectoires_chronogramme_{year}_{by}",
            counts=["Stagiaires", "Observés ce mois"],
        )


def show_transitions(year: int, frames: dict) -> None:
    st.subheader("De l'entrée à 12 mois après la sortie")
    if not frames:
        ui.empty_state(
            f"Pas de flux affichable pour la cohorte {year} : aucune sortie, ou trop peu de "
            "sortants pour les montrer sans dévoiler de petits effectifs."
        )
        return
    links, nodes, total = frames["links"], frames["nodes"], frames["total"]
    st.caption(
        f"Stagiaires de la cohorte {year} sortis : {total['trainees_shown'][0]}. Chaque bande "
        "relie deux étapes : de la situation à l'entrée à la sortie, puis à 6 et à 12 mois."
    )
    orders = {stage: transition_flows.order_of(stage) for stage in transition_flows.STAGES}
    chart = ui.Drawing(
        ("trajectoires.alluvial",),
        (links, nodes),
        lambda: alluvial.alluvial(
            links,
            nodes,
            transition_flows.STAGES,
            orders,
            palette="state",
            entry_stage=transition_flows.ENTRY,
        ),
    )
    ui.show_chart(
        chart,
        links.select(
            pl.col("source_stage_label").alias("De"),
            pl.col("source_label").alias("Situation de départ"),
            pl.col("target_stage_label").alias("Vers"),
            pl.col("target_label").alias("Situation d'arrivée"),
            pl.col("trainees_shown").alias("Stagiaires"),
        ),
        "Flux des stagiaires sortis de la cohorte, d'une étape à la suivante : statut à l'entrée "
        "(« Non précisé » s'il n'est pas connu), groupe de la destination à la sortie, puis "
        "groupe de la situation observée au suivi le plus proche de 6 mois (entre 4 et 8 mois "
        "après la sortie) et de 12 mois (entre 10 et 14 mois) ; « Non observé » quand aucun "
        "suivi ne tombe dans la fenêtre. Une bande prend la couleur de la situation qu'elle "
        "quitte (celles qui partent de l'entrée, de la destination à la sortie) ; l'effectif "
        "de chaque étape est écrit à côté de sa barre. Une bande masquée (« < 5 » ou "
        "« masqué ») reste dessinée, pâle et en pointillé, avec une épaisseur conventionnelle "
        "qui ne dit rien de son effectif." + MASKED,
        f"trajectoires_flux_{year}",
        counts=["Stagiaires"],
    )
    st.markdown("**Après la sortie : à 6 et 12 mois**")
    if "after_exit" not in frames:
        st.caption(
            "Le détail chemin par chemin (sortie, 6 mois, 12 mois) n'est montré que dans la vue "
            "d'un centre : à côté du diagramme, des effectifs masqués s'en déduiraient. Le "
            "diagramme et son tableau donnent les mêmes passages, étape par étape."
        )
        return
    after = frames["after_exit"]
    ui.show_table(
        after.select(
            pl.col("destination_group_label").alias("À la sortie"),
            pl.col("state_at_6_months_label").alias("6 mois après"),
            pl.col("state_at_12_months_label").alias("12 mois après"),
            pl.col("trainees_shown").alias("Stagiaires"),
        ),
        f"trajectoires_transitions_{year}",
        counts=["Stagiaires"],
    )
    st.caption(
        "Stagiaires sortis de la cohorte, par chemin : destination à la sortie, puis situation "
        "observée au suivi le plus proche de 6 mois (entre 4 et 8 mois) et de 12 mois (entre 10 "
        "et 14 mois) ; « Non observé » quand aucun suivi ne tombe dans la fenêtre."
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
        "stagiaires dont les 24 premiers mois se ressemblent ; "
        f"{path_types.NAME_DEFINITION}."
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
            chart = ui.Drawing(
                ("trajectoires.path_type",),
                (path,),
                lambda path=path: figures.representative_path_chart(path, height=110),
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


def show_event_order(year: int, frames: dict) -> None:
    st.subheader(figures.EVENT_ORDER.title)
    events, after = frames["events"], frames["after_lifts"]
    if events["cohort"][0] is None:
        ui.empty_state(f"Pas de cohorte affichable pour {year} (moins de 5 stagiaires).")
        return
    st.caption(f"Cohorte : {fmt.count(events['cohort'][0])} stagiaires entrés en {year}.")
    ui.show_figure(
        figures.EVENT_ORDER,
        events,
        heading=False,
        rows=figures.event_order_table(events),
        file_suffix=f"_{year}",
    )
    if after.is_empty():
        ui.empty_state(
            "Aucun stagiaire de cette cohorte n'a à la fois un frein évalué et une étape "
            "qualifiante ou un emploi."
        )
        return
    data = after.with_columns(
        pl.when(pl.col("share_masked")).then(None).otherwise(pl.col("share")).alias("share"),
        pl.col("share_masked").alias("masked"),
    )
    chart = ui.Drawing(
        ("trajectoires.steps_after_lifts",),
        (data,),
        lambda: charts.bar(
            data,
            "label",
            "share",
            category_title="Groupe de freins",
            value_title="Part dont l'étape est venue après une levée",
            color="label",
            palette="barrier.group",
            value_format=charts.PCT,
            sort=data["label"].to_list(),
            tooltip=[
                alt.Tooltip("label:N", title="Groupe de freins"),
                alt.Tooltip("share:Q", title="Part", format=charts.PCT),
                alt.Tooltip("step_after_lift_shown:N", title="Étape après une levée"),
                alt.Tooltip("trainees_with_step_shown:N", title="Stagiaires (base)"),
            ],
        ),
    )
    ui.show_chart(
        chart,
        after.select(
            pl.col("label").alias("Groupe de freins"),
            pl.col("step_after_lift_shown").alias("Étape après une levée"),
            pl.col("trainees_with_step_shown").alias("Stagiaires (base)"),
            (pl.when(pl.col("share_masked")).then(None).otherwise(pl.col("share")) * 100).alias(
                "Part (%)"
            ),
        ),
        "Parmi les stagiaires qui avaient un frein du groupe et ont atteint une étape "
        "qualifiante ou un emploi (contrat de travail signé ou sortie vers l'emploi), la part "
        "dont un frein de ce groupe a été levé au plus tard le jour de la première de ces "
        "étapes ; « Tous les freins » : n'importe quel frein. Chaque part est donnée avec son "
        "effectif et sa base." + MASKED,
        f"trajectoires_freins_d_abord_{year}",
        counts=["Étape après une levée", "Stagiaires (base)"],
    )


@st.fragment
def show_level_journeys(year: int) -> None:
    """A fragment: choosing another barrier redraws this section only, not the whole page."""
    with ui.guard("les niveaux des freins"):
        _level_journeys(year)


def _level_journeys(year: int) -> None:
    st.subheader("Les niveaux des freins, mois après mois")
    assessed = ui.load(level_journeys.barriers_assessed, scope, filters, year)
    if not assessed:
        ui.empty_state(
            f"Aucun frein évalué pour la cohorte {year}, ou trop peu de stagiaires évalués "
            "chaque mois (moins de 5) pour les montrer."
        )
        return
    names = contract.load().labels("barrier")
    barrier = st.selectbox(
        "Frein", assessed, format_func=lambda code: names.get(code, code), key="traj_barrier"
    )
    frame = ui.load(level_journeys.journey, scope, filters, year, barrier)
    data = frame.with_columns(
        pl.when(pl.col("share_masked")).then(None).otherwise(pl.col("share")).alias("share"),
        pl.col("share_masked").alias("masked"),
    )
    chart = ui.Drawing(
        ("trajectoires.level_journey",),
        (data,),
        lambda: charts.columns(
            data,
            "month",
            "share",
            x_title="Mois depuis l'entrée (0 = mois d'entrée)",
            y_title="Part des stagiaires évalués ce mois",
            color="level_label",
            color_title="Niveau",
            palette="level",
            y_format=charts.PCT,
            tooltip=[
                alt.Tooltip("month:O", title="Mois depuis l'entrée"),
                alt.Tooltip("share:Q", title="Part", format=charts.PCT),
                alt.Tooltip("trainees_shown:N", title="Stagiaires à ce niveau"),
                alt.Tooltip("assessed_shown:N", title="Évalués ce mois"),
            ],
        ),
    )
    ui.show_chart(
        chart,
        frame.select(
            pl.col("month").alias("Mois depuis l'entrée"),
            pl.col("level_label").alias("Niveau"),
            pl.col("trainees_shown").alias("Stagiaires"),
            pl.col("assessed_shown").alias("Évalués ce mois"),
            (pl.when(pl.col("share_masked")).then(None).otherwise(pl.col("share")) * 100).alias(
                "Part (%)"
            ),
        ),
        f"Le « parcours » du frein {names.get(barrier, barrier)} : à chaque mois depuis "
        "l'entrée où des stagiaires de la cohorte ont été évalués, la répartition de leurs "
        "niveaux — 3 fort, 2 moyen, 1 faible, 0 absent ou levé — parmi les stagiaires évalués "
        "ce mois-là (leur nombre est dans le tableau) ; un stagiaire évalué deux fois dans le "
        "mois compte une fois, à sa dernière évaluation. Tous les mois d'évaluation sont "
        "montrés, pas seulement la première et la dernière." + MASKED,
        f"trajectoires_niveaux_{barrier}_{year}",
        counts=["Stagiaires", "Évalués ce mois"],
    )


if ui.warehouse_ready(
    "agg_cohort_state_spells",
    "agg_transitions",
    "agg_event_order",
    "agg_steps_after_lifts",
    "agg_barrier_level_journeys",
    "agg_path_types",
    "agg_path_type_sequences",
):
    with ui.guard("les trajectoires"):
        year = choose_year()
        if year is not None:
            show_chronogram(year)
            # Masked together: the leavers of the one are the exits of the other.
            sections = ui.load(transition_flows.sections, scope, filters, year)
            show_transitions(year, sections["flows"])
            show_event_order(year, sections["events"])
            show_level_journeys(year)
            show_path_types(year)
            # The cohort of the year chosen above, compared.
            benchmark.show(scope, filters.with_years((year, year)), ["event_months"], "Étape")
