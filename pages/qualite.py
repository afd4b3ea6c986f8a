"""Qualité des données — per centre: what was sent and when, whether the monthly hours arrived,
what waits in quarantine, the warehouse's cross-file checks and atypical hours.

Centre staff see their own centre, row by row; analysts and admins see every centre, analysts
only as counts (small counts masked). Definitions: `parcours.analytics.quality`.
"""

import polars as pl
import streamlit as st

from parcours import contract
from parcours.analytics import quality
from parcours.contract import KINDS
from parcours.core import frames
from parcours.core.dates import local_time
from parcours.dashboard import operations, ui
from parcours.presentation import formatting as fmt
from parcours.presentation import page_charts
from parcours.warehouse.reader import Filters

KIND_LABELS = contract.kind_labels(capital=True)
RULE_LABELS = {
    "exit_before_entry": "Sortie avant l'entrée",
    "event_before_entry": "Événement avant l'entrée",
    "undeclared_participant": "Stagiaire absent du fichier des participants",
}
MAX_HEATMAP_CENTRES = 40

user, scope, _ = ui.page_setup("Qualité des données", with_filters=False)


def choose_centre(names: dict[str, str]) -> str | None:
    if len(names) == 1:
        return next(iter(names))
    options = [None, *names]
    return st.selectbox(
        "Centre",
        options,
        format_func=lambda c: "Tous les centres" if c is None else f"{names[c]} ({c})",
    )


def show_uploads(centre_ids, names) -> None:
    st.subheader("Derniers envois par type de fichier")
    uploads = operations.last_uploads(centre_ids)
    if uploads["last_received_at"].is_null().all():
        ui.empty_state(
            "Aucun fichier reçu pour l'instant.",
            "Déposez les exports du centre sur la page « Téléverser » (ou « parcours ingest »).",
        )
        return
    table = (
        uploads.with_columns(
            frames.each(uploads, "last_received_at", local_time)
            .fill_null(fmt.MISSING)
            .alias("when"),
            pl.col("kind").replace_strict(KIND_LABELS).alias("kind_fr"),
            pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")).alias("Centre"),
        )
        .pivot(on="kind_fr", index="Centre", values="when")
        .select("Centre", *[KIND_LABELS[k] for k in KINDS])
    )
    st.caption(
        "Date et heure (heure belge) du dernier lot reçu et non retiré, par type de fichier ; "
        "« — » : aucun fichier de ce type. Un lot retiré ne compte plus."
    )
    with st.expander("Voir le tableau et le télécharger", expanded=len(names) <= 10):
        ui.show_table(table, "derniers_envois")


def completeness_table(matrix: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """One centre: a row per month with its counts. Several: a row per centre and a column per
    month (the share), which reads like the heatmap and stays small for 150 centres."""
    share = frames.each(matrix, "share", lambda v: fmt.percent(v, 0))
    named = matrix.with_columns(
        pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")).alias("Centre"),
        frames.each(matrix, "month", fmt.month).alias("Mois"),
        share.fill_null(fmt.MISSING).alias("Part avec heures"),
    )
    if matrix["centre_id"].n_unique() == 1 and "active" in matrix.columns:
        return named.select(
            "Centre",
            "Mois",
            pl.col("active").alias("Stagiaires actifs"),
            pl.col("with_hours").alias("Stagiaires avec heures"),
            "Part avec heures",
        )
    return named.pivot(on="Mois", index="Centre", values="Part avec heures", sort_columns=False)


def show_completeness(centre_id, names) -> None:
    st.subheader("Complétude des heures mensuelles")
    months = st.select_slider(
        "Période affichée (mois)", options=[6, 12, 24, 36, 60], value=24, key="dq_months"
    )
    matrix = ui.load(quality.load_completeness, scope, Filters(), centre_id, months)
    if matrix.is_empty():
        ui.empty_state(
            "Aucune heure de formation dans l'entrepôt pour ces centres.",
            "Téléversez le fichier des heures mensuelles, puis reconstruisez l'entrepôt.",
        )
        return
    shown = matrix
    note = ""
    centres = matrix["centre_id"].unique().to_list()
    if len(centres) > MAX_HEATMAP_CENTRES and not st.checkbox("Afficher tous les centres"):
        worst = (
            matrix.group_by("centre_id")
            .agg(pl.col("share").mean())
            .sort("share", nulls_last=True)
            .head(MAX_HEATMAP_CENTRES)["centre_id"]
        )
        shown = matrix.filter(pl.col("centre_id").is_in(worst.implode()))
        note = (
            f" Seuls les {MAX_HEATMAP_CENTRES} centres à la complétude moyenne la plus basse "
            "sont dessinés ; le tableau les donne tous."
        )
    table = completeness_table(matrix, names)
    heatmap = page_charts.completeness_heatmap(shown, names)
    ui.altair_chart(heatmap, width="stretch", height=page_charts.display_height(heatmap))
    ui.show_chart(
        None,
        table,
        "Pour chaque centre et chaque mois : part des stagiaires actifs ce mois-là (entrés au "
        "plus tard le dernier jour du mois et non sortis avant le premier) pour lesquels des "
        "heures ont été déclarées. 100 % : toutes les heures sont arrivées ; gris : aucun "
        "stagiaire actif. Un mois pâle signale un fichier d'heures manquant ou incomplet."
        + note
        + (
            " En dehors des centres de votre propre vue, seule la part est donnée."
            if scope.mask_small_counts
            else ""
        )
        + " Le tableau : une ligne par centre, une colonne par mois (« — » : aucun stagiaire "
        "actif), ou pour un seul centre le détail mois par mois.",
        "completude_heures",
    )


def show_months_covered(centre_id, names) -> None:
    st.subheader("Mois couverts par les heures")
    covered = ui.load(quality.load_months_covered, scope, Filters(), centre_id)
    if covered.is_empty():
        ui.empty_state("Aucune heure de formation dans l'entrepôt pour ces centres.")
        return
    table = covered.select(
        pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")).alias("Centre"),
        frames.each(covered, "first_month", fmt.month).alias("Premier mois"),
        frames.each(covered, "last_month", fmt.month).alias("Dernier mois"),
        pl.col("months_with_hours").alias("Mois avec heures"),
        pl.col("gaps").alias("Mois manquants entre les deux"),
    )
    st.caption(
        "Premier et dernier mois pour lesquels le centre a déclaré des heures, et les mois sans "
        "aucune heure entre les deux (un trou dans les envois)."
    )
    ui.show_table(table, "mois_couverts")


def show_quarantine(centre_ids, names) -> None:
    st.subheader("Lignes en quarantaine en attente")
    waiting = operations.waiting_quarantine(centre_ids)
    if waiting.is_empty():
        st.success("Aucune ligne en attente en quarantaine.", icon=":material/check_circle:")
        return
    table = waiting.select(
        pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")).alias("Centre"),
        pl.col("kind").replace_strict(KIND_LABELS).alias("Fichier"),
        pl.col("rows_waiting").alias("Lignes en attente"),
        frames.each(waiting, "oldest_received_at", local_time).alias("Envoi le plus ancien"),
        pl.col("frequent_message").alias("Message le plus fréquent"),
    )
    st.caption(
        "Lignes refusées à l'envoi (valeur inconnue, date invalide…) et pas encore "
        "enregistrées, hors lots retirés. Corrigez le fichier et renvoyez-le, ou demandez à la "
        "fédération d'ajouter une correspondance de code puis de rejouer la quarantaine."
    )
    ui.show_table(table, "quarantaine_en_attente")


def show_checks(centre_id, names) -> None:
    st.subheader("Contrôles croisés entre fichiers")
    if not ui.has_tables("rpt_data_quality_issues"):
        ui.empty_state("Les contrôles croisés apparaîtront après la prochaine construction.")
        return
    issues = ui.load(quality.load_dq_issues, scope, Filters(), centre_id)
    if issues.is_empty():
        st.success("Aucune incohérence entre fichiers détectée.", icon=":material/check_circle:")
    else:
        named = issues.with_columns(
            pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")),
            pl.col("rule").replace_strict(RULE_LABELS, default=pl.col("rule")),
        )
        if scope.may_see_individuals:
            table = named.select(
                pl.col("centre_id").alias("Centre"),
                pl.col("rule").alias("Contrôle"),
                pl.col("participant_id").alias("Stagiaire"),
                frames.each(named, "event_on", fmt.day).alias("Date"),
                pl.col("detail").alias("Détail"),
            )
            counts = ()
        else:
            table = named.rename({"centre_id": "Centre", "rule": "Contrôle", "issues": "Cas"})
            counts = ("Cas",)
        st.caption(
            "Incohérences qu'un fichier seul ne peut pas révéler : sortie datée avant l'entrée, "
            "événement (frein, partenariat, étape, heures) avant l'entrée, stagiaire présent "
            "dans un fichier mais absent du fichier des participants. Elles n'empêchent pas la "
            "construction (tests dbt de niveau « avertissement ») mais faussent les délais."
        )
        ui.show_table(table, "controles_croises", counts)
    warnings = operations.build_warnings(scope, centre_id)
    if not warnings.is_empty():
        everyone = quality.scoped_centres(scope, centre_id) is None
        st.caption(
            "Tests de la dernière construction qui n'ont pas réussi"
            + (" (tous centres) :" if everyone else " (lignes de votre vue seulement) :")
        )
        columns = [pl.col("test").alias("Test"), pl.col("status").alias("Résultat")]
        if not scope.mask_small_counts:  # otherwise the counts are in the table above
            columns.append(pl.col("failures").alias("Lignes en défaut"))
        ui.show_table(warnings.select(columns), "tests_en_avertissement")


def show_outliers(centre_id, names) -> None:
    st.subheader("Heures atypiques")
    outliers = ui.load(quality.load_outliers, scope, Filters(), centre_id)
    if outliers.is_empty():
        st.success("Aucun mois d'heures atypique.", icon=":material/check_circle:")
        return
    named = outliers.with_columns(
        pl.col("centre_id").replace_strict(names, default=pl.col("centre_id")).alias("Centre")
    )
    if scope.may_see_individuals:
        table = named.select(
            "Centre",
            pl.col("participant_id").alias("Stagiaire"),
            frames.each(named, "month", fmt.month).alias("Mois"),
            pl.col("hours").alias("Heures"),
            pl.col("centre_median").alias("Médiane du centre"),
            pl.col("robust_z").alias("Score robuste"),
            pl.col("reason").alias("Motif"),
        )
        counts = ()
    else:
        table = named.select(
            "Centre",
            pl.col("flagged_months").alias("Mois atypiques"),
            pl.col("max_hours").alias("Maximum (h)"),
            pl.col("centre_median").alias("Médiane du centre (h)"),
        )
        counts = ("Mois atypiques",)
    st.caption(
        "Un mois d'un stagiaire est signalé s'il compte plus de "
        f"{fmt.integer(quality.HOURS_CEILING)} h (un temps plein fait environ 165 h par mois) "
        "ou si son score robuste dépasse "
        f"{fmt.number(quality.ROBUST_Z_LIMIT, 1)} : 0,6745 × (heures − médiane du centre) / "
        "écart absolu médian du centre. À vérifier : une erreur de saisie (heures de l'année, "
        "virgule oubliée) est la cause la plus fréquente."
    )
    ui.show_table(table, "heures_atypiques", counts)


def show_page() -> None:
    if user.role == "federation":
        ui.empty_state(
            "La qualité des données est suivie par les centres, les analystes et les "
            "administrateurs.",
            "Les pages d'analyse donnent les chiffres de votre fédération.",
        )
        return
    names = operations.centre_names(scope.centre_ids)
    if not names:
        ui.empty_state(
            "Aucun centre n'est encore enregistré.",
            "Un administrateur enregistre les centres avec « parcours centres add ».",
        )
        return
    centre_id = choose_centre(names)
    centre_ids = quality.scoped_centres(scope, centre_id)
    show_uploads(centre_ids, names)
    show_quarantine(centre_ids, names)
    if not ui.warehouse_ready("dim_participants", "fct_hours"):
        return
    show_completeness(centre_id, names)
    show_months_covered(centre_id, names)
    show_checks(centre_id, names)
    show_outliers(centre_id, names)


with ui.guard("la qualité des données"):
    show_page()
