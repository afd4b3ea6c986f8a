"""Journal d'audit — for administrators: who did what and when (logins, exports, uploads,
withdrawals, builds…), filtered by action, actor and date, and downloadable (audited too)."""

from datetime import timedelta

import streamlit as st

from parcours.core import dates
from parcours.dashboard import ui
from parcours.presentation import formatting as fmt
from parcours.store import audit_log
from parcours.store.datadir import DataDir
from parcours.store.roles import can

user, scope, _ = ui.page_setup("Journal d'audit", with_filters=False)
data_dir = DataDir.from_env()


def show_page() -> None:
    if not can(user.role, "administer"):
        ui.empty_state("Le journal d'audit est réservé aux administrateurs.")
        return
    actions, actors = audit_log.choices(data_dir)
    st.caption(
        "Chaque connexion (réussie ou non), déconnexion, export, dépôt, retrait et construction "
        "y est écrit : qui, quand, quoi. Les mots de passe n'y figurent jamais."
    )
    left, middle, right = st.columns([2, 2, 2])
    with left:
        chosen_actions = st.multiselect(
            "Actions",
            actions,
            format_func=lambda a: audit_log.ACTION_LABELS.get(a, a),
            placeholder="Toutes",
            key="journal_actions",
        )
    with middle:
        actor = st.selectbox(
            "Auteur",
            [None, *actors],
            format_func=lambda a: "Tous" if a is None else a,
            key="journal_actor",
        )
    with right:
        today = dates.today()
        period = st.date_input(
            "Période",
            (today - timedelta(days=30), today),
            format="DD/MM/YYYY",
            key="journal_period",
        )
    start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (None, None)
    table = audit_log.entries(data_dir, chosen_actions, actor, start, end)
    if table.is_empty():
        ui.empty_state("Aucune entrée pour ces filtres.", "Élargissez la période ou les actions.")
        return
    st.markdown(f"**{fmt.integer(table.height)}** entrée(s), les plus récentes d'abord.")
    ui.show_table(table, "journal_audit")


with ui.guard("le journal d'audit"):
    show_page()
