"""Parcours individuels — one trainee's path on a timeline, for the centre's own staff.

Barrier episodes, partnerships, milestones, exit and follow-ups on one time axis, with the monthly
hours under it: the detours and setbacks of a real path stay visible. Only centre users (their
own centre) and admins get here; `analytics.trainee_path` refuses everyone else when reading.
"""

import streamlit as st

from parcours.analytics import trainee_path as tp
from parcours.core import frames
from parcours.dashboard import ui
from parcours.presentation import formatting as fmt
from parcours.presentation import page_charts, tables
from parcours.warehouse import reader as warehouse
from parcours.warehouse.reader import Filters

QP_CENTRE = "centre"
QP_TRAINEE = "stagiaire"

user, scope, _ = ui.page_setup("Parcours individuels", with_filters=False)


def choose_centre() -> str | None:
    """A centre user's own centre; an admin chooses."""
    if scope.centre_ids is not None and len(scope.centre_ids) == 1:
        return scope.centre_ids[0]
    centres = warehouse.centres(scope)
    if centres.is_empty():
        return None
    names = dict(zip(centres["centre_id"], centres["centre_name"], strict=True))
    ids = list(names)
    wanted = st.query_params.get(QP_CENTRE)
    chosen = st.selectbox(
        "Centre",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda c: f"{names[c]} ({c})",
    )
    st.query_params[QP_CENTRE] = chosen
    return chosen


def choose_trainee(centre_id: str) -> str | None:
    trainees = ui.load(tp.load_trainees, scope, Filters(), centre_id)
    if trainees.is_empty():
        ui.empty_state(
            "Aucun stagiaire de ce centre dans l'entrepôt de données.",
            "Téléversez le fichier des participants (page « Téléverser »), puis reconstruisez "
            "l'entrepôt.",
        )
        return None
    ids = trainees["participant_id"].to_list()
    entries = dict(zip(ids, trainees["entry_date"], strict=True))
    exits = dict(zip(ids, trainees["exit_date"], strict=True))

    def describe(pid: str) -> str:
        text = f"{pid} — entrée le {fmt.day(entries[pid])}"
        return text + (f", sortie le {fmt.day(exits[pid])}" if exits[pid] else "")

    wanted = st.query_params.get(QP_TRAINEE)
    if wanted not in ids:
        # Open on a path with something to show, not on a trainee who only just entered.
        wanted = tp.opening_trainee(trainees)
    chosen = st.selectbox(
        "Stagiaire (numéro de dossier du centre)",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=describe,
        help="Les stagiaires les plus récemment entrés d'abord. Aucun nom n'est conservé : "
        "seul le numéro de dossier du centre identifie la personne.",
    )
    st.query_params[QP_TRAINEE] = chosen
    return chosen


def show_summary(path: tp.TraineePath) -> None:
    summary = path.summary
    entry = f"**Entrée** : {fmt.day(summary['entry_date'])}"
    if summary["filiere"]:
        entry += f" (filière {summary['filiere']})"
    if summary["exit_date"]:
        out = f"**Sortie** : {fmt.day(summary['exit_date'])}"
        if summary["destination"]:
            out += f" — {summary['destination']}"
    elif summary.get("presumed_exit"):
        out = (
            "**Sortie présumée** : aucune sortie enregistrée, et plus d'activité depuis le "
            f"{fmt.day(summary['latest_activity_on'])} (7 mois ou plus avant les dernières "
            "données du centre) — ne compte plus en formation"
        )
    else:
        out = "**Sortie** : pas encore (parcours en cours)"
    st.markdown(f"{entry} · {out}")

    episodes = path.events.filter(path.events["kind"] == "episode")
    lifted = int((~episodes["ongoing"]).sum()) if episodes.height else 0
    partners = path.events.filter(path.events["kind"] == "partnership").height
    steps = path.events.filter(path.events["kind"] == "milestone").height
    cols = st.columns(5)
    with cols[0]:
        ui.metric(
            "Heures suivies",
            fmt.number(path.total_hours, 1),
            help="Somme des heures mensuelles déclarées par le centre.",
        )
    with cols[1]:
        ui.metric(
            "Freins levés",
            f"{lifted} sur {episodes.height}",
            help="Épisodes de frein dont une évaluation ultérieure est au niveau 0 (levé), sur "
            "tous les épisodes ouverts.",
        )
    with cols[2]:
        ui.metric(
            "Rechutes",
            fmt.integer(path.setbacks),
            help="Un frein qui revient après avoir été levé ouvre un nouvel épisode.",
        )
    with cols[3]:
        ui.metric("Étapes franchies", fmt.integer(steps), help="Les « victoires » déclarées.")
    with cols[4]:
        ui.metric(
            "Partenariats",
            fmt.integer(partners),
            help="Partenariats mobilisés pour ce stagiaire (un par enregistrement).",
        )


def show_page() -> None:
    if not tp.can_see_individuals(scope):
        ui.empty_state(
            "Les parcours individuels ne sont visibles que par le personnel du centre concerné "
            "et par les administrateurs.",
            "Consultez les pages d'analyse (Freins levés, Partenariats, Résultats) pour les "
            "chiffres agrégés.",
        )
        return
    if not ui.warehouse_ready("rpt_participant_paths", "fct_barrier_episodes"):
        return
    centre_id = choose_centre()
    if centre_id is None:
        ui.empty_state("Aucun centre dans l'entrepôt de données.")
        return
    participant_id = choose_trainee(centre_id)
    if participant_id is None:
        return
    path = ui.load(tp.load_path, scope, Filters(), centre_id, participant_id)
    if path is None:
        ui.empty_state("Ce stagiaire n'est pas (ou plus) dans l'entrepôt de données.")
        return
    show_summary(path)

    st.subheader("Le parcours dans le temps")
    timeline = page_charts.path_timeline(path.events)
    # Drawn here at its own height: the chart's height grows with its rows.
    ui.altair_chart(timeline, width="stretch", height=page_charts.display_height(timeline))
    ui.show_chart(
        None,
        tables.events_table(path),
        "Une ligne par frein et par type de partenaire. Freins : une barre par épisode, de "
        "l'évaluation qui l'ouvre (niveau ≥ 1) à celle qui le lève (niveau 0) ; les points "
        "donnent le niveau à chaque évaluation (3 fort, 2 moyen, 1 faible, 0 levé) ; un "
        "épisode après un premier levé est une rechute. Partenariats : de la date de début à la "
        "date de fin. Une barre pâle est encore en cours (tracée jusqu'à la dernière date "
        "connue du stagiaire). Losanges : entrée, sortie, étapes franchies et suivis.",
        f"parcours_{centre_id}_{participant_id}",
    )

    st.subheader("Heures de formation par mois")
    if path.hours.is_empty():
        ui.empty_state(
            "Aucune heure déclarée pour ce stagiaire.",
            "Téléversez le fichier des heures mensuelles du centre.",
        )
    else:
        hours_table = path.hours.select(
            frames.each(path.hours, "month", fmt.month).alias("Mois"),
            path.hours["hours"].alias("Heures"),
        )
        hours_chart = page_charts.monthly_hours(path.hours, page_charts.time_domain(path.events))
        ui.altair_chart(
            hours_chart,
            width="stretch",
            height=page_charts.display_height(hours_chart, legend=False),
        )
        ui.show_chart(
            None,
            hours_table,
            "Heures de formation suivies chaque mois, telles que déclarées par le centre "
            f"(total : {fmt.number(path.total_hours, 1)} h). Un mois sans barre n'a pas "
            "d'heures déclarées.",
            f"heures_{centre_id}_{participant_id}",
        )


with ui.guard("le parcours"):
    try:
        show_page()
    except tp.AccessDenied as refused:
        st.error(str(refused))
