"""The report's sections: freins levés, partenariats, victoires intermédiaires, trajectoires,
sorties et suivis. Each figure calls the analytics function of its page with the year's filters
and draws it with the page's chart builder and arguments, so the printed chart is the one on the
screen; the table beside it is what the page's « Voir le tableau » shows, in fewer columns.
"""

from __future__ import annotations

import math

import polars as pl

from parcours import contract
from parcours.analytics import barriers, masking, outcomes, partnerships
from parcours.presentation import charts, figures
from parcours.presentation import formatting as fmt
from parcours.publish.content import (
    Figure,
    Section,
    drawable,
    figure,
    masked_note,
    table,
    text,
    year_filters,
)
from parcours.warehouse.reader import Filters, Scope, Where, query

NOT_OBSERVED = float("nan")  # in a share column: not followed that long (null: masked)


def _observed_share(value) -> str:
    """A share that may be masked (null: « masqué ») or not observed (NaN: « — »)."""
    if isinstance(value, float) and math.isnan(value):
        return fmt.MISSING
    return fmt.share(value)


def _two_decimals(value) -> str:
    return fmt.number(value, 2)


MASKED = -1  # stands for a masked count while pivoting (a cell absent from the frame is 0)
PROTECTED = -2  # a masked count of 5 or more (« masqué »)


def _pivot(frame: pl.DataFrame, index: str, on: str, values: str, order: list[str]) -> pl.DataFrame:
    """Long → wide for a compact table: a cell absent from the frame is a zero count, a masked
    one stays masked: null (« < 5 ») or `PROTECTED` (« masqué »), see `_count`."""
    if frame.is_empty():
        return frame
    shown = f"{values}_shown"
    protected = pl.col(shown) == masking.PROTECTED if shown in frame.columns else pl.lit(False)
    marked = frame.with_columns(
        pl.when(pl.col(values).is_null() & protected)
        .then(PROTECTED)
        .otherwise(pl.col(values).fill_null(MASKED))
        .alias(values)
    )
    wide = marked.pivot(on=on, index=index, values=values, aggregate_function="first")
    present = [c for c in order if c in wide.columns]
    others = sorted(c for c in wide.columns if c != index and c not in present)
    cells = [*present, *others]
    return wide.select(
        index,
        *(
            pl.when(pl.col(c) == MASKED).then(None).otherwise(pl.col(c).fill_null(0)).alias(c)
            for c in cells
        ),
    )


def _count(value) -> str:
    """A pivoted count: « masqué » for `PROTECTED`, else as `fmt.count` (null: « < 5 »)."""
    return masking.PROTECTED if value == PROTECTED else fmt.count(value)


def _pivot_columns(frame: pl.DataFrame, index: str, header: str, formatter) -> list:
    first = [(index, header, text)]
    return first + [(c, c, formatter) for c in frame.columns if c != index]


# --- freins levés --------------------------------------------------------------------------


def barriers_section(scope: Scope, year: int) -> Section:
    f = year_filters(year)
    section = Section(
        "freins",
        "Freins levés",
        "Isolement, précarité, mobilité, santé, logement, confiance en soi : les freins viennent "
        f"d'abord. Freins identifiés en {year} : combien sont levés, en combien de temps, et le "
        "chemin parcouru.",
    )
    # One masked load, as the Freins levés page: the same cells are masked on paper.
    loaded = barriers.page(scope, f)
    groups = loaded["groups"]
    if groups.is_empty():
        section.absent = f"Aucun frein identifié en {year} dans ce périmètre."
        return section
    counts = [
        ("episodes", "Épisodes", fmt.count),
        ("trainees", "Stagiaires", fmt.count),
        ("lifted", "Levés", fmt.count),
        ("lift_rate", "Taux de levée", fmt.share),
        ("km_median_days", "Durée médiane", fmt.days),
        ("setbacks", "Rechutes", fmt.count),
    ]
    section.figures.append(
        figure(
            "freins_groupes",
            "Par groupe de freins",
            None,
            caption="Épisodes de freins identifiés dans l'année, par groupe (psychosocial, "
            "matériel, compétences).",
            definition="Taux de levée : épisodes levés / épisodes identifiés. Durée médiane : "
            "estimation de Kaplan–Meier, le jour où la moitié des épisodes sont levés. Rechute : "
            "un frein qui revient après avoir été levé." + masked_note(scope),
            source="fct_barrier_episodes, dim_participants",
            table=table(groups, [("group_label", "Groupe", text), *counts]),
            drawn=False,
        )
    )
    per = loaded["barriers"]
    data = drawable(per, "lift_rate")
    chart = None
    if data is not None:
        chart = figures.lift_rate_by_barrier(data)
    section.figures.append(
        figure(
            "freins_par_frein",
            "Taux de levée par frein",
            chart,
            caption=f"Part des épisodes identifiés en {year} qui ont été levés, par frein.",
            definition="Levé : une évaluation ultérieure au niveau 0. Les freins dont le taux est "
            "masqué (effectifs < 5) ne sont pas dessinés." + masked_note(scope),
            source="fct_barrier_episodes, dim_participants",
            table=table(per, [("barrier_label", "Frein", text), *counts]),
        )
    )
    curves = loaded["curves"]
    chart = None
    if not curves.is_empty():
        # Only the columns drawn: the curves have a point per day with a lift or a censoring.
        chart = figures.time_to_lift(curves.select("key", "time", "survival"))
    section.figures.append(
        figure(
            "freins_duree",
            "Combien de temps pour lever un frein ?",
            chart,
            caption="Part des épisodes levés selon le nombre de jours depuis leur identification.",
            definition="Estimation de Kaplan–Meier : chaque épisode compte, levé (à sa date de "
            "levée) ou encore ouvert (suivi jusqu'à sa dernière évaluation). La médiane des "
            "seuls freins levés ignorerait les freins encore ouverts, souvent les plus longs."
            + (
                " La courbe s'arrête quand moins de 5 épisodes sont encore suivis."
                if scope.mask_small_counts
                else ""
            ),
            source="fct_barrier_episodes",
            table=table(
                _lifted_by(curves, (90, 180, 365)),
                [
                    ("key", "Groupe", text),
                    ("d90", "Levés à 90 jours", _observed_share),
                    ("d180", "à 180 jours", _observed_share),
                    ("d365", "à 365 jours", _observed_share),
                ],
            ),
        )
    )
    dist = loaded["distance"]
    shown = dist.filter(pl.col("first_level").is_not_null()) if not dist.is_empty() else dist
    chart = None
    if not shown.is_empty():
        chart = charts.dumbbell(
            shown,
            "barrier_label",
            "first_level",
            "latest_level",
            category_title="Frein",
            value_title="Niveau moyen (0 = levé, 3 = fort)",
        )
    section.figures.append(
        figure(
            "freins_chemin",
            "Chemin parcouru",
            chart,
            caption="Niveau moyen de chaque frein à la première évaluation et à la plus récente.",
            definition="Par stagiaire et par frein : le niveau à la première évaluation et à la "
            "plus récente (0 = absent ou levé, 3 = fort), en moyenne par frein. Un point bleu "
            "(dernière évaluation) à gauche du point orange (première) : le frein a reculé.",
            source="fct_barrier_episodes",
            table=table(
                dist,
                [
                    ("barrier_label", "Frein", text),
                    ("trainees", "Stagiaires évalués", fmt.count),
                    ("first_level", "Niveau à la 1re évaluation", _two_decimals),
                    ("latest_level", "à la dernière", _two_decimals),
                ],
            ),
        )
    )
    return section


def _lifted_by(curves: pl.DataFrame, days: tuple[int, ...]) -> pl.DataFrame:
    """Share lifted at each horizon, per curve; unknown (—) past the curve's last point."""
    rows = []
    if curves.is_empty():
        return pl.DataFrame()
    for (key,), curve in curves.partition_by("key", as_dict=True, maintain_order=True).items():
        row: dict = {"key": key}
        for d in days:
            known = curve.filter(pl.col("time") <= d)
            followed = not known.is_empty() and curve["time"].max() >= d
            row[f"d{d}"] = 1 - known["survival"][-1] if followed else NOT_OBSERVED
        rows.append(row)
    return pl.DataFrame(rows, schema={"key": pl.String, **{f"d{d}": pl.Float64 for d in days}})


# --- partenariats --------------------------------------------------------------------------


def partnerships_section(scope: Scope, year: int) -> Section:
    f = year_filters(year)
    section = Section(
        "partenariats",
        "Partenariats",
        "Stages, formations qualifiantes, promotion sociale, employeurs, CPAS : les partenaires "
        f"ouvrent des portes au bon moment. Partenariats commencés en {year}.",
    )
    # One masked load, as the Partenariats page.
    loaded = partnerships.page(scope, f)
    types = loaded["types"]
    if types.is_empty():
        section.absent = f"Aucun partenariat commencé en {year} dans ce périmètre."
        return section
    data = drawable(types, "trainees")
    chart = None
    if data is not None:
        chart = figures.partner_types(data)
    section.figures.append(
        figure(
            "partenaires_types",
            "Quels partenaires ?",
            chart,
            caption="Stagiaires concernés par type de partenaire.",
            definition="Stagiaires concernés : stagiaires distincts avec au moins un partenariat "
            "de ce type commencé dans l'année ; partenariats : nombre d'enregistrements ; "
            "résultat tel que déclaré par le centre." + masked_note(scope),
            source="fct_partnerships, dim_participants",
            table=table(
                types,
                [
                    ("type_label", "Type de partenaire", text),
                    ("trainees", "Stagiaires", fmt.count),
                    ("engagements", "Partenariats", fmt.count),
                    ("completed", "Terminés", fmt.count),
                    ("ongoing", "En cours", fmt.count),
                    ("interrupted", "Interrompus", fmt.count),
                ],
            ),
        )
    )
    purposes = loaded["purposes"]
    data = drawable(purposes, "engagements")
    chart = None
    if data is not None:
        chart = charts.bar(
            data,
            "type_label",
            "engagements",
            category_title="Type de partenaire",
            value_title="Partenariats",
            color="purpose_label",
            color_title="Objet",
        )
    wide = _pivot(purposes, "type_label", "purpose_label", "engagements", [])
    section.figures.append(
        figure(
            "partenaires_objets",
            "Pour quoi faire ?",
            chart,
            caption="Partenariats par type de partenaire et par objet déclaré.",
            definition="Objet déclaré de chaque partenariat : stage, formation, accompagnement "
            "social, mise à l'emploi…" + masked_note(scope),
            source="fct_partnerships",
            table=table(wide, _pivot_columns(wide, "type_label", "Type de partenaire", _count)),
        )
    )
    timing = loaded["timing"]
    shown = timing.filter(pl.col("median_days").is_not_null())
    chart = None
    if not shown.is_empty():
        chart = charts.ranges(
            shown,
            "type_label",
            "q1_days",
            "median_days",
            "q3_days",
            category_title="Type de partenaire",
            value_title="Jours depuis l'entrée en formation",
        )
    section.figures.append(
        figure(
            "partenaires_moment",
            "À quel moment du parcours ?",
            chart,
            caption="Jours entre l'entrée du stagiaire et le début du partenariat.",
            definition="Le point est la médiane, la barre va du 1er au 3e quartile (la moitié "
            "des partenariats commencent dans cet intervalle). Masqué quand moins de 5 "
            "partenariats.",
            source="fct_partnerships, dim_participants",
            table=table(
                timing,
                [
                    ("type_label", "Type de partenaire", text),
                    ("engagements", "Partenariats", fmt.count),
                    ("q1_days", "1er quartile", fmt.days),
                    ("median_days", "Médiane", fmt.days),
                    ("q3_days", "3e quartile", fmt.days),
                ],
            ),
        )
    )
    section.figures.extend(_association(loaded["association"], scope, year))
    top = loaded["organisations"].head(10)
    section.figures.append(
        figure(
            "partenaires_organismes",
            "Les partenaires les plus sollicités",
            None,
            caption="Les 10 organismes partenaires qui ont accompagné le plus de stagiaires.",
            definition="Nom de l'organisme tel que déclaré par les centres." + masked_note(scope),
            source="fct_partnerships",
            table=table(
                top,
                [
                    ("partner_name", "Organisme", text),
                    ("type_label", "Type", text),
                    ("trainees", "Stagiaires", fmt.count),
                    ("engagements", "Partenariats", fmt.count),
                    ("centres", "Centres", fmt.integer),
                ],
            ),
            drawn=False,
        )
    )
    return section


def _association(frame: pl.DataFrame, scope: Scope, year: int) -> list[Figure]:
    if frame.is_empty():
        return []
    out = []
    for measure, column in (
        ("Au moins une étape franchie", "milestone_share"),
        ("Sortie positive", "positive_exit_share"),
    ):
        # As on the page: combinations true by definition are left out (`partnerships.CIRCULAR`).
        excluded = column.removesuffix("_share") + "_excluded"
        kept = frame.filter(~pl.col(excluded)) if excluded in frame.columns else frame
        part = kept.filter(pl.col(column).is_not_null())
        chart = None
        if not part.is_empty():
            chart = charts.grouped_bar(
                part,
                "type_label",
                column,
                "group",
                category_title="Type de partenaire",
                value_title=f"Part des stagiaires — {measure.lower()}",
                group_title="",
            )
        out.append(
            figure(
                f"partenaires_{column}",
                f"Avec ou sans partenariat : {measure.lower()}",
                chart,
                caption=f"Parmi les stagiaires en formation en {year}, part de ceux qui ont "
                + (
                    "franchi au moins une étape"
                    if column == "milestone_share"
                    else "une dernière sortie positive (emploi ou formation)"
                )
                + ", selon qu'ils ont eu ou non un partenariat de ce type.",
                definition="Une association, pas une cause : les stagiaires orientés vers un "
                "partenaire ne sont pas tirés au hasard (un stage en entreprise arrive souvent "
                "en fin de parcours, quand l'emploi est déjà proche)." + masked_note(scope),
                source="fct_partnerships, dim_participants",
                table=table(
                    kept,
                    [
                        ("type_label", "Type de partenaire", text),
                        ("group", "Groupe", text),
                        ("trainees", "Stagiaires", fmt.count),
                        (column, "Part", fmt.share),
                    ],
                ),
            )
        )
    return out


# --- victoires intermédiaires --------------------------------------------------------------


def victories_section(scope: Scope, year: int) -> Section:
    f = year_filters(year)
    section = Section(
        "victoires",
        "Victoires intermédiaires",
        "Permis, validation des compétences, premier stage, stabilité : chaque étape est une "
        "victoire, pas seulement l'emploi à la fin.",
    )
    # One masked load, as the Résultats page.
    loaded = outcomes.page(scope, f)
    frame = loaded["victories"]
    if frame.is_empty():
        section.absent = f"Aucune étape franchie enregistrée en {year} dans ce périmètre."
    else:
        data = drawable(frame, "milestones")
        chart = None
        if data is not None:
            chart = charts.columns(
                data,
                "month",
                "milestones",
                x_title="Mois",
                y_title="Étapes franchies",
                color="group_label",
                color_title="Type d'étape",
                x_type="T",
            )
        by_month = frame.with_columns(
            pl.col("month").map_elements(fmt.month, return_dtype=pl.String).alias("month_name")
        ).sort("month")
        wide = _pivot(
            by_month,
            "month_name",
            "group_label",
            "milestones",
            list(outcomes.MILESTONE_GROUPS.values()),
        )
        section.figures.append(
            figure(
                "victoires_mois",
                "Chaque étape est une victoire",
                chart,
                caption=f"Étapes franchies par mois de {year} et par type d'étape.",
                definition="Étapes déclarées par les centres (permis, stage, validation des "
                "compétences, logement stabilisé…), groupées comme dans codes.csv."
                + masked_note(scope),
                source="fct_milestones, dim_participants",
                table=table(wide, _pivot_columns(wide, "month_name", "Mois", _count)),
            )
        )
    cohorts = loaded["cohorts"]
    for measure, title in (
        ("milestone_share", "Part avec une première étape franchie"),
        ("positive_exit_share", "Part avec une sortie positive"),
    ):
        data = drawable(cohorts, measure)
        chart = None
        if data is not None:
            chart = charts.lines(
                data,
                "months_since_entry",
                measure,
                x_title="Mois depuis l'entrée",
                y_title=title,
                color="cohort",
                color_title="Année d'entrée",
                y_format=charts.PCT,
                points=True,
                y_domain=(0, 1),
            )
        section.figures.append(
            figure(
                f"cohortes_{measure}",
                f"Cohortes d'entrée : {title.lower()}",
                chart,
                caption=f"Stagiaires regroupés par année d'entrée (les cinq années jusqu'à {year}) "
                "et suivis mois après mois.",
                definition="À chaque mois depuis l'entrée, la part de la cohorte qui a déjà "
                + (
                    "franchi une première étape."
                    if measure == "milestone_share"
                    else "quitté le centre vers l'emploi ou une formation."
                )
                + " Un mois n'est montré que si toute la cohorte a pu être suivie aussi "
                "longtemps."
                + (
                    " Une cohorte de moins de 5 stagiaires n'est pas montrée."
                    if scope.mask_small_counts
                    else ""
                ),
                source="agg_entry_cohorts",
                table=table(
                    _cohort_table(cohorts, measure),
                    [
                        ("cohort", "Année d'entrée", text),
                        ("cohort_size", "Taille", fmt.count),
                        ("m6", "à 6 mois", _observed_share),
                        ("m12", "à 12 mois", _observed_share),
                        ("m24", "à 24 mois", _observed_share),
                    ],
                ),
                empty="Aucune cohorte d'entrée assez grande à montrer.",
            )
        )
    return section


def _cohort_table(cohorts: pl.DataFrame, measure: str) -> pl.DataFrame:
    if cohorts.is_empty():
        return pl.DataFrame()
    rows = []
    for (cohort,), part in cohorts.partition_by(
        "cohort", as_dict=True, maintain_order=True
    ).items():
        at = dict(zip(part["months_since_entry"], part[measure], strict=True))
        rows.append(
            {
                "cohort": cohort,
                "cohort_size": part["cohort_size"][0],
                **{f"m{m}": at.get(m, NOT_OBSERVED) for m in (6, 12, 24)},
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "cohort": pl.String,
            "cohort_size": pl.Int64,
            "m6": pl.Float64,
            "m12": pl.Float64,
            "m24": pl.Float64,
        },
    )


# --- trajectoires --------------------------------------------------------------------------

STATES = {
    "in_centre": contract.series_labels("state.extra")["in_centre"],
    **contract.group_labels("situation"),
}
TRAJECTORY_MONTHS = (0, 3, 6, 9, 12, 18, 24)


def trajectories(scope: Scope, year: int) -> pl.DataFrame:
    """Entrants of the year: how many are in each monthly state at 0, 3, 6… 24 months after
    their entry (`fct_participant_months`). Masked within each month (the bar's total)."""
    where = Where.scoped(scope, Filters(), centre="m.centre_id", filiere="d.filiere")
    frame = query(
        f"""
        select m.months_since_entry, m.state, count(*)::bigint as trainees
        from fct_participant_months m
        join dim_participants d using (centre_id, participant_id)
        where {where.sql} and year(d.entry_date) = $year
          and m.months_since_entry in (select unnest($months::integer[]))
        group by all
        order by all
        """,
        {**where.params, "year": year, "months": list(TRAJECTORY_MONTHS)},
    )
    frame = frame.with_columns(
        pl.col("state").replace_strict(STATES, default="Inconnue").alias("state_label"),
        (pl.col("months_since_entry").cast(pl.String) + " mois").alias("month_label"),
    )
    return masking.suppress(
        frame, ["trainees"], within=["months_since_entry"], mask=scope.mask_small_counts
    )


def trajectories_section(scope: Scope, year: int) -> Section:
    section = Section(
        "trajectoires",
        "Trajectoires",
        "L'insertion n'est pas linéaire : détours, retours, étapes. L'état de chacun, mois après "
        f"mois, depuis son entrée en {year}.",
    )
    frame = trajectories(scope, year)
    if frame.is_empty():
        section.absent = f"Aucun stagiaire entré en {year} dans ce périmètre."
        return section
    data = drawable(frame, "trainees")
    chart = None
    if data is not None:
        chart = charts.columns(
            data,
            "months_since_entry",
            "trainees",
            x_title="Mois depuis l'entrée",
            y_title="Part des stagiaires",
            color="state_label",
            color_title="État",
            y_format=charts.PCT,
            stack="normalize",
        )
    wide = _pivot(
        frame.sort("months_since_entry"),
        "month_label",
        "state_label",
        "trainees",
        list(STATES.values()),
    )
    section.figures.append(
        figure(
            "trajectoires",
            f"Où en sont les entrés de {year} ?",
            chart,
            caption=f"Stagiaires entrés en {year}, selon leur état 0, 3, 6, 9, 12, 18 et 24 mois "
            "après leur entrée (ceux qui ont pu être suivis aussi longtemps).",
            definition="Au centre jusqu'au mois de la dernière sortie ; ensuite, le groupe de la "
            "dernière situation connue (destination à la sortie ou suivi). Suivi au plus 36 mois, "
            "jusqu'au dernier mois de données du centre." + masked_note(scope),
            source="fct_participant_months, dim_participants",
            table=table(wide, _pivot_columns(wide, "month_label", "Depuis l'entrée", _count)),
        )
    )
    return section


# --- sorties et suivis ---------------------------------------------------------------------


def exits_section(scope: Scope, year: int, destinations: Figure) -> Section:
    section = Section(
        "sorties",
        "Sorties et suivis",
        "Où vont les stagiaires à la sortie, et où en sont-ils six et douze mois plus tard.",
        [destinations],
    )
    five = Filters(years=(year - 4, year))
    # Masked as the Résultats page over the same years (five) and over the year.
    by_year = outcomes.page(scope, five)["destinations"]
    loaded = outcomes.page(scope, year_filters(year))
    data = drawable(by_year, "exits")
    chart = None
    if data is not None:
        chart = charts.columns(
            data,
            "exit_year",
            "exits",
            x_title="Année de sortie",
            y_title="Sorties",
            color="destination",
            color_title="Destination",
        )
    wide = _pivot(
        by_year.with_columns(pl.col("exit_year").cast(pl.String)),
        "exit_year",
        "destination",
        "exits",
        list(outcomes.SITUATION_GROUPS.values()),
    )
    section.figures.append(
        figure(
            "sorties_annees",
            f"Destinations de {year - 4} à {year}",
            chart,
            caption="Sorties par année et par destination.",
            definition="Groupe de la situation à la sortie (codes.csv), destinations inconnues "
            "comprises." + masked_note(scope),
            source="fct_exits, dim_participants",
            table=table(wide, _pivot_columns(wide, "exit_year", "Année", _count)),
        )
    )
    after = loaded["after_exit"]
    data = drawable(after, "trainees")
    chart = None
    if data is not None:
        chart = charts.bar(
            data,
            "horizon_label",
            "trainees",
            category_title="Moment",
            value_title="Stagiaires suivis",
            color="situation",
            color_title="Situation",
            sort=None,
        )
    wide = _pivot(
        after,
        "horizon_label",
        "situation",
        "trainees",
        list(outcomes.SITUATION_GROUPS.values()),
    )
    section.figures.append(
        figure(
            "sorties_suivis",
            "Six et douze mois après la sortie",
            chart,
            caption=f"Sorties de {year} : situation observée six et douze mois après.",
            definition="Le suivi le plus proche de 6 mois (entre 5 et 7) et de 12 mois (entre 11 "
            "et 13) après la sortie, un par stagiaire." + masked_note(scope),
            source="fct_followups, dim_participants",
            table=table(wide, _pivot_columns(wide, "horizon_label", "Moment", _count)),
            empty=f"Aucun suivi après les sorties de {year}.",
        )
    )
    flow = loaded["flow"]
    normalised = not scope.mask_small_counts
    data = drawable(flow, "trainees")
    chart = None
    if data is not None:
        chart = charts.bar(
            data.with_columns(pl.col("trainees").cast(pl.Float64)),
            "status",
            "share" if normalised else "trainees",
            category_title="Situation à l'entrée",
            value_title="Part des sortants" if normalised else "Sortants",
            value_format=charts.PCT if normalised else charts.INT,
            color="destination",
            color_title="Destination à la sortie",
        )
    wide = _pivot(
        flow, "status", "destination", "trainees", list(outcomes.SITUATION_GROUPS.values())
    )
    section.figures.append(
        figure(
            "sorties_flux",
            "De la situation à l'entrée à la destination à la sortie",
            chart,
            caption=f"Stagiaires dont la dernière sortie date de {year} : leur statut à l'entrée "
            "et la destination de cette sortie.",
            definition=(
                "Part : au sein de chaque situation à l'entrée."
                if normalised
                else "Effectifs de sortants." + masked_note(scope)
            ),
            source="dim_participants, fct_exits",
            table=table(wide, _pivot_columns(wide, "status", "Situation à l'entrée", _count)),
        )
    )
    return section


def all_sections(scope: Scope, year: int, destinations: Figure) -> list[Section]:
    return [
        barriers_section(scope, year),
        partnerships_section(scope, year),
        victories_section(scope, year),
        trajectories_section(scope, year),
        exits_section(scope, year, destinations),
    ]
