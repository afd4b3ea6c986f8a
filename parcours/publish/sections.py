"""The report's sections: freins levés, partenariats, victoires intermédiaires, trajectoires,
sorties et suivis. A figure the pages show is their specification (`parcours.figures`), read
with the year's filters from the same analytics function and drawn with the same chart; the
report only chooses which rows its printed table keeps (`content.render`).
"""

from __future__ import annotations

import polars as pl

from parcours.analytics import barriers, outcomes, partnerships, trajectories, transition_flows
from parcours.figures import freins, resultats, trajectoires
from parcours.figures import partenariats as partner_figures
from parcours.figures.spec import span
from parcours.presentation import charts
from parcours.presentation import formatting as fmt
from parcours.publish.content import (
    Figure,
    Section,
    figure,
    masked_note,
    render,
    table,
    text,
    year_filters,
)
from parcours.warehouse.reader import Filters, Scope

PARTNERS = partner_figures.SOURCE

# --- freins levés --------------------------------------------------------------------------


def barriers_section(scope: Scope, year: int) -> Section:
    masked = scope.mask_small_counts
    section = Section(
        "freins",
        "Freins levés",
        "Isolement, précarité, mobilité, santé, logement, confiance en soi : les freins viennent "
        f"d'abord. Freins identifiés en {year} : combien sont levés, en combien de temps, et le "
        "chemin parcouru.",
    )
    # One masked load, as the Freins levés page: the same cells are masked on paper.
    loaded = barriers.page(scope, year_filters(year))
    if loaded["groups"].is_empty():
        section.absent = f"Aucun frein identifié en {year} dans ce périmètre."
        return section
    years = str(year)
    section.figures += [
        render(freins.GROUPS, loaded["groups"], masked=masked, drawn=False, years=years),
        render(freins.BY_BARRIER, loaded["barriers"], masked=masked, years=years),
        render(
            freins.TIME_TO_LIFT,
            loaded["curves"],
            masked=masked,
            rows=freins.lifted_by(loaded["curves"]),
            columns=freins.TIME_TO_LIFT_PRINTED,
            caption="Part levée à 90, 180 et 365 jours (« — » : la courbe s'est arrêtée avant).",
            years=years,
        ),
        render(freins.DISTANCE, loaded["distance"], masked=masked, years=years),
    ]
    return section


# --- partenariats --------------------------------------------------------------------------


def partnerships_section(scope: Scope, year: int) -> Section:
    masked = scope.mask_small_counts
    section = Section(
        "partenariats",
        "Partenariats",
        "Stages, formations qualifiantes, promotion sociale, employeurs, CPAS : les partenaires "
        f"ouvrent des portes au bon moment. Partenariats commencés en {year}.",
    )
    # One masked load, as the Partenariats page.
    loaded = partnerships.page(scope, year_filters(year))
    if loaded["types"].is_empty():
        section.absent = f"Aucun partenariat commencé en {year} dans ce périmètre."
        return section
    years = str(year)
    section.figures += [
        render(spec, spec.frame(loaded), masked=masked, years=years)
        for spec in (partner_figures.TYPES, partner_figures.PURPOSES, partner_figures.TIMING)
    ]
    section.figures.extend(_association(loaded["association"], scope, year))
    top = loaded["organisations"].head(10)
    section.figures.append(
        figure(
            "partenaires_organismes",
            "Les partenaires les plus sollicités",
            None,
            caption="Les 10 organismes partenaires qui ont accompagné le plus de stagiaires.",
            definition="Nom de l'organisme tel que déclaré par les centres." + masked_note(scope),
            source=PARTNERS,
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
                source=PARTNERS,
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
    masked = scope.mask_small_counts
    section = Section(
        "victoires",
        "Victoires intermédiaires",
        "Permis, validation des compétences, premier stage, stabilité : chaque étape est une "
        "victoire, pas seulement l'emploi à la fin.",
    )
    # One masked load, as the Résultats page.
    loaded = outcomes.page(scope, year_filters(year))
    if loaded["victories"].is_empty():
        section.absent = f"Aucune étape franchie enregistrée en {year} dans ce périmètre."
    else:
        section.figures.append(
            render(resultats.VICTORIES, loaded["victories"], masked=masked, years=str(year))
        )
    for spec in (resultats.COHORT_MILESTONE, resultats.COHORT_POSITIVE_EXIT):
        section.figures.append(
            render(
                spec,
                loaded["cohorts"],
                masked=masked,
                caption="Le tableau donne les parts à 6, 12 et 24 mois.",
                year=year,
            )
        )
    return section


# --- trajectoires --------------------------------------------------------------------------


def trajectories_section(scope: Scope, year: int) -> Section:
    """The Trajectoires page's figures for the cohort that entered in `year`."""
    masked = scope.mask_small_counts
    section = Section(
        "trajectoires",
        "Trajectoires",
        "L'insertion n'est pas linéaire : détours, retours, étapes. L'état de chacun, mois après "
        f"mois, depuis son entrée en {year}, et l'ordre des étapes.",
    )
    chronogram = trajectories.chronogram(scope, Filters(), year)
    if chronogram.is_empty():
        section.absent = f"Aucune cohorte affichable pour les entrés de {year} dans ce périmètre."
        return section
    cohort = chronogram.filter(pl.col("month") == 0)["observable"].max()
    section.figures.append(
        render(
            trajectoires.CHRONOGRAM,
            chronogram,
            masked=masked,
            caption=f"Cohorte : {fmt.count(cohort)} stagiaires entrés en {year} ; le tableau "
            "donne les stagiaires dans chaque situation 0, 3, 6, 9, 12, 18, 24 et 36 mois après "
            "l'entrée.",
            year=year,
        )
    )
    events = transition_flows.sections(scope, Filters(), year)["events"]["events"]
    if events["cohort"][0] is not None:
        section.figures.append(
            render(
                trajectoires.EVENT_ORDER,
                events,
                masked=masked,
                rows=trajectoires.event_order_table(events),
                year=year,
            )
        )
    return section


# --- sorties et suivis ---------------------------------------------------------------------


def exits_section(scope: Scope, year: int, destinations: Figure) -> Section:
    masked = scope.mask_small_counts
    section = Section(
        "sorties",
        "Sorties et suivis",
        "Où vont les stagiaires à la sortie, et où en sont-ils six et douze mois plus tard.",
        [destinations],
    )
    # Masked as the Résultats page over the same years (five) and over the year.
    by_year = outcomes.page(scope, Filters(years=(year - 4, year)))["destinations"]
    loaded = outcomes.page(scope, year_filters(year))
    shown = resultats.shown_years(by_year) or (year, year)
    section.figures += [
        render(
            resultats.DESTINATIONS,
            by_year,
            masked=masked,
            years=fmt.years_label(*shown),
            span=span(*shown),
        ),
        render(resultats.AFTER_EXIT, loaded["after_exit"], masked=masked, years=str(year)),
        render(resultats.FLOW, loaded["flow"], masked=masked, years=str(year)),
    ]
    return section


def all_sections(scope: Scope, year: int, destinations: Figure) -> list[Section]:
    return [
        barriers_section(scope, year),
        partnerships_section(scope, year),
        victories_section(scope, year),
        trajectories_section(scope, year),
        exits_section(scope, year, destinations),
    ]
