"""Rapport annuel — the year's report for the user's scope, as a PDF or an HTML page: the very file
`parcours report` writes. A centre gets its centre's, a federation its federation's, an analyst
the sector's or a federation's, an admin any of them (`publish.subjects`). The report is written to
the audit log when it is produced, its download when it is clicked.

For admins: the closed years — close a year (its figures are frozen), reopen one (audited).
"""

import polars as pl
import streamlit as st

from parcours.core import dates
from parcours.core.dates import local_time
from parcours.core.errors import ParcoursError
from parcours.dashboard import operations, site_action, ui
from parcours.presentation import formatting as fmt
from parcours.publish import periods
from parcours.publish import report as reports
from parcours.store.datadir import DataDir
from parcours.warehouse import reader as warehouse

READY_KEY = "report_ready"
FLASH_KEY = "periods_flash"
FORMATS = {"pdf": "PDF (à imprimer)", "html": "Page HTML (à lire à l'écran)"}

user, scope, _ = ui.page_setup("Rapport annuel", with_filters=False)
data_dir = DataDir.from_env()


def years() -> list[int]:
    return list(warehouse.filter_options(scope)["years"])


def show_report() -> None:
    offered = operations.report_subjects(user)
    if not offered:
        ui.empty_state("Votre compte ne donne accès à aucun rapport.")
        return
    options = years()
    if not options:
        ui.empty_state(
            "Aucune année avec des données dans votre périmètre.",
            "Téléversez des exports puis reconstruisez l'entrepôt.",
        )
        return
    st.markdown(
        "Le rapport de l'année : chiffres clés et couverture, freins levés, partenariats, "
        "victoires intermédiaires, trajectoires, sorties et suivis, puis la méthode. Hors des "
        "données d'un centre, les effectifs de 1 à 4 sont masqués, comme sur ces pages."
    )
    complete = [y for y in options if y < dates.today().year] or options
    left, middle, right = st.columns([2, 1, 1])
    with left:
        index = st.selectbox(
            "Périmètre",
            range(len(offered)),
            format_func=lambda i: offered[i].name,
            disabled=len(offered) == 1,
            key="report_subject",
        )
    with middle:
        year = st.selectbox(
            "Année", options[::-1], index=options[::-1].index(complete[-1]), key="report_year"
        )
    with right:
        format_ = st.radio("Format", list(FORMATS), format_func=FORMATS.get, key="report_format")
    subject = offered[index]
    closed = periods.get(data_dir, year)
    if closed:
        st.caption(
            f"Année arrêtée le {fmt.day(closed.closed_on)} : le rapport montre les chiffres "
            "arrêtés et, à part, les révisions apportées depuis."
        )
    wanted = (subject.kind, subject.key, year, format_)
    if st.button("Préparer le rapport", type="primary", key="report_make"):
        with st.spinner("Préparation du rapport (graphiques et mise en page)…"):
            try:
                produced = reports.produce(data_dir, subject, year, format_, actor=user.email)
            except ParcoursError as refused:
                st.session_state.pop(READY_KEY, None)
                st.error(str(refused))
                return
        st.session_state[READY_KEY] = {"for": wanted, "produced": produced}
    ready = st.session_state.get(READY_KEY)
    if ready and ready["for"] == wanted:
        produced = ready["produced"]
        ui.download_button(
            f"Télécharger {produced.file_name}",
            lambda: produced.data,
            produced.file_name,
            mime=produced.mime,
            key="report_download",
        )


def show_periods() -> None:
    st.divider()
    st.subheader("Années arrêtées")
    st.caption(
        "Arrêter une année fige ses chiffres publiés : son rapport lit une copie de l'entrepôt "
        "prise ce jour-là, et les envois ultérieurs apparaissent comme des révisions, jamais "
        "comme des changements silencieux. Réservé aux administrateurs ; chaque arrêt et "
        "chaque réouverture sont audités."
    )
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    closures = periods.history(data_dir)
    if closures:
        table = pl.DataFrame(
            [
                {
                    "Année": c.year,
                    "Arrêtée le": local_time(c.closed_at),
                    "Par": c.closed_by,
                    "Construction figée": c.build_id or "",
                    "Rouverte le": local_time(c.reopened_at) if c.reopened_at else "",
                    "Rouverte par": c.reopened_by or "",
                }
                for c in closures
            ]
        )
        ui.show_table(table, "annees_arretees")
    open_closures = sorted(c.year for c in closures if c.reopened_at is None)
    closable = [y for y in years() if y < dates.today().year and y not in open_closures]
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown("**Arrêter une année**")
        if not closable:
            st.caption("Aucune année révolue à arrêter.")
        else:
            year = st.selectbox("Année à arrêter", closable[::-1], key="close_year")
            sure = st.checkbox(
                f"Je confirme : les chiffres de {year} seront figés tels qu'ils sont.",
                key="close_sure",
            )
            if st.button("Arrêter l'année", disabled=not sure, key="close"):
                try:
                    period = periods.close(data_dir, year, actor=user.email, user=user)
                except ParcoursError as refused:
                    st.error(str(refused))
                else:
                    st.session_state[FLASH_KEY] = (
                        f"Année {year} arrêtée le {fmt.day(period.closed_on)}."
                    )
                    st.rerun()
    with right, st.container(border=True):
        st.markdown("**Rouvrir une année**")
        if not open_closures:
            st.caption("Aucune année arrêtée.")
        else:
            year = st.selectbox("Année à rouvrir", open_closures[::-1], key="reopen_year")
            sure = st.checkbox(
                f"Je confirme : le rapport {year} suivra à nouveau l'entrepôt actuel.",
                key="reopen_sure",
            )
            if st.button("Rouvrir l'année", disabled=not sure, key="reopen"):
                try:
                    periods.reopen(data_dir, year, actor=user.email, user=user)
                except ParcoursError as refused:
                    st.error(str(refused))
                else:
                    st.session_state[FLASH_KEY] = f"Année {year} rouverte."
                    st.rerun()


if ui.warehouse_ready("dim_participants", "dim_centres", "fct_training_years"):
    with ui.guard("le rapport annuel"):
        show_report()
    if user.role in periods.ADMIN_ROLES:
        with ui.guard("les années arrêtées"):
            show_periods()
        with ui.guard("l'observatoire public"):
            site_action.show(data_dir, user)
