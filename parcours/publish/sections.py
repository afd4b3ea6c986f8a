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
from parcours.presentation import formatting as fmt
from parcours.publish.content import (
    Figure,
    Section,
    render,
    year_filters,
)
from parcours.warehouse.reader import Filters, Scope

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
    excluded = partner_figures.excluded_note(loaded["association"])
    section.figures += [
        render(spec, spec.frame(loaded), masked=masked, years=years, excluded=excluded)
        for spec in (partner_figures.ASSOCIATION_MILESTONE, partner_figures.ASSOCIATION_EXIT)
    ]
    section.figures.append(
        render(partner_figures.ORGANISATIONS, loaded["organisations"], masked=masked, years=years)
    )
    return section


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
