"""Téléverser des exports — a centre drops its files, reads each file's report (a dry run first:
nothing is written), confirms, and a build is asked of the build worker (`warehouse.worker`); its
upload history, with withdrawal (which asks for a build too).

Everything goes through the library (`upload.service` → `upload.ingest`, `warehouse.build`),
which checks who may do what and writes the audit log. The dashboard never holds a DuckDB write
lock: the build runs dbt in its own process and swaps the new warehouse in.
"""

import polars as pl
import streamlit as st

from parcours import contract
from parcours.core import frames
from parcours.core.dates import local_time
from parcours.core.errors import ParcoursError
from parcours.dashboard import operations, ui, upload_memory
from parcours.presentation import formatting as fmt
from parcours.publish import templates
from parcours.store.datadir import DataDir
from parcours.upload import service as uploads
from parcours.upload.ingest import FileReport
from parcours.upload.limits import MB, UploadLimits, megabytes

KIND_LABELS = contract.kind_labels(capital=True)
CHECK_KEY = "upload_check"
DONE_KEY = "upload_done"
ROUND_KEY = "upload_round"

user, scope, _ = ui.page_setup("Téléverser des exports", with_filters=False)
data_dir = DataDir.from_env()


def choose_centre(allowed: list[str]) -> str:
    names = operations.centre_names()
    return st.selectbox(
        "Centre",
        allowed,
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        disabled=len(allowed) == 1,
        help="Les fichiers sont enregistrés pour ce centre. Un utilisateur de centre ne dépose "
        "que pour le sien.",
    )


def show_report(index: int, report: FileReport, dry_run: bool) -> None:
    kind = KIND_LABELS.get(report.kind or "", "type non reconnu")
    title = f"{report.file} — {kind}"
    if report.status == "rejected":
        st.error(
            f"**{title}** : fichier refusé, rien n'en sera enregistré.", icon=":material/block:"
        )
    elif report.status == "duplicate":
        st.info(f"**{title}** : fichier déjà reçu, rien de nouveau.", icon=":material/sync:")
    else:
        verb = "seront enregistrées" if dry_run else "enregistrées"
        text = (
            f"**{title}** : {fmt.integer(report.rows_read)} ligne(s) lue(s), "
            f"{fmt.integer(report.rows_stored)} {verb}, "
            f"{fmt.integer(report.rows_quarantined)} en quarantaine."
        )
        if report.superseded:
            verb = "cesseront" if dry_run else "cessent"
            text += (
                f" Export complet : **{fmt.integer(report.superseded)}** enregistrement(s) "
                f"envoyé(s) avant et absent(s) de ce fichier {verb} de compter."
            )
        if report.rows_quarantined or report.superseded:
            st.warning(text, icon=":material/warning:")
        else:
            st.success(text, icon=":material/check_circle:")
    for warning in report.warnings:
        st.caption(warning)
    if report.errors:
        rows = uploads.report_rows(report)
        if report.status == "rejected" and rows["row"].is_null().all():
            for message in rows["message"]:
                st.markdown(f"- {message}")
            return
        table = rows.select(
            pl.col("row").alias("Ligne"),
            pl.col("column").alias("Colonne"),
            pl.col("value").alias("Valeur"),
            pl.col("message").alias("Message"),
        )
        with st.expander(f"Lignes en quarantaine et leurs motifs ({fmt.integer(table.height)})"):
            st.caption(
                "« Ligne » compte les lignes de données du fichier à partir de 1 (l'en-tête "
                "n'est pas compté). Corrigez ces lignes dans votre logiciel et renvoyez le "
                "fichier : la version la plus récente d'un enregistrement l'emporte."
            )
            ui.show_table(table, f"rapport_{index + 1}_{report.file.rsplit('.', 1)[0]}")


def show_upload(centre_id: str) -> None:
    st.subheader("Déposer des fichiers")
    st.markdown(
        "Déposez un ou plusieurs exports de votre logiciel ou de vos tableurs (CSV ou Excel "
        "`.xlsx`). Le type de chaque fichier (participants, freins, heures…) est reconnu à son "
        "en-tête. **Vérifiez d'abord** : rien n'est enregistré avant votre confirmation."
    )
    round_no = st.session_state.setdefault(ROUND_KEY, 0)
    limits = UploadLimits.from_env()
    files = st.file_uploader(
        "Fichiers à déposer",
        type=["csv", "txt", "tsv", "xlsx"],
        accept_multiple_files=True,
        key=f"uploader_{round_no}",
        max_upload_size=max(1, limits.max_bytes // MB),
        help=f"Au plus {limits.max_files} fichiers par envoi, "
        f"{megabytes(limits.max_bytes)} par fichier.",
    )
    done = st.session_state.get(DONE_KEY)
    if done and done["centre"] == centre_id:
        st.subheader("Fichiers enregistrés")
        for index, report in enumerate(done["reports"]):
            show_report(index, FileReport(**report), dry_run=False)
        if any(r["status"] == "stored" for r in done["reports"]):
            st.markdown(
                "Les pages se mettent à jour toutes seules avec ces données, en quelques "
                "instants (la ligne sous le titre dit quand) ; vous pouvez quitter cette page."
            )
    if not files:
        if not done:
            ui.empty_state(
                "Aucun fichier déposé.",
                "Glissez vos fichiers dans la zone ci-dessus ou cliquez sur « Parcourir ».",
            )
        return
    complete = st.checkbox(
        "Export complet : ces fichiers contiennent **tout** ce que le centre détient pour leur "
        "type",
        key=f"complete_{round_no}",
        help="Un export complet remplace tout ce que le centre a envoyé avant pour ce type : "
        "les enregistrements qu'il ne contient plus cessent de compter. C'est ainsi qu'on "
        "corrige une date mal saisie (sortie, évaluation…). La vérification dit combien "
        "d'enregistrements cesseraient de compter ; retirer l'envoi les fait revenir.",
    )
    too_much = upload_memory.too_much([f.size for f in files], limits)
    if too_much:
        st.error(too_much, icon=":material/block:")
        return
    signature = (centre_id, complete, tuple((f.name, f.size, f.file_id) for f in files))
    if st.button("1. Vérifier les fichiers (rien n'est enregistré)", type="primary", key="check"):
        reports = uploads.ingest_uploads(
            data_dir,
            user,
            centre_id,
            [(f.name, f.getvalue()) for f in files],
            dry_run=True,
            complete=complete,
        )
        st.session_state[CHECK_KEY] = {
            "signature": signature,
            "reports": [r.to_json() for r in reports],
        }
        st.session_state.pop(DONE_KEY, None)
    check = st.session_state.get(CHECK_KEY)
    if not check or check["signature"] != signature:
        return
    st.subheader("Rapport de vérification")
    reports = [FileReport(**r) for r in check["reports"]]
    for index, report in enumerate(reports):
        show_report(index, report, dry_run=True)
    if not any(r.status == "stored" for r in reports):
        ui.empty_state(
            "Aucun de ces fichiers n'apporte de nouvelles données.",
            "Corrigez les fichiers refusés (les messages ci-dessus disent quoi), puis "
            "déposez-les à nouveau.",
        )
        return
    if st.button("2. Confirmer et enregistrer", type="primary", key="confirm"):
        stored = uploads.ingest_uploads(
            data_dir,
            user,
            centre_id,
            [(f.name, f.getvalue()) for f in files],
            dry_run=False,
            complete=complete,
        )
        st.session_state[DONE_KEY] = {
            "centre": centre_id,
            "reports": [r.to_json() for r in stored],
        }
        if any(r.status == "stored" for r in stored):
            # The build belongs to no session: leaving this page does not cancel it.
            reason = "complete" if complete else "upload"
            ui.request_build(data_dir, user.email, reason, centre_id)
        st.session_state.pop(CHECK_KEY, None)
        # A fresh uploader: the stored files leave the drop zone, and the server's memory.
        st.session_state[ROUND_KEY] = round_no + 1
        upload_memory.forget_uploads()
        st.rerun()


def show_history(centre_id: str) -> None:
    st.subheader("Historique des envois")
    history = uploads.batch_history(data_dir, user, centre_id)
    if history.is_empty():
        ui.empty_state("Aucun envoi pour ce centre.", "Déposez vos premiers fichiers ci-dessus.")
        return
    table = history.select(
        pl.col("batch_id").alias("Lot"),
        pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind")).alias("Type"),
        pl.col("file_name").alias("Fichier"),
        frames.each(history, "received_at", local_time).alias("Reçu le"),
        pl.col("received_by").alias("Par"),
        pl.col("rows_read").alias("Lignes lues"),
        pl.col("rows_stored").alias("Enregistrées"),
        pl.col("rows_quarantined").alias("En quarantaine"),
        frames.each(history, "withdrawn_at", local_time).fill_null("").alias("Retiré le"),
    )
    st.caption(
        "Chaque dépôt d'un fichier est un lot. Quand un même enregistrement arrive dans "
        "plusieurs lots, le plus récent l'emporte ; retirer un lot fait revenir les versions "
        "antérieures à la prochaine construction."
    )
    ui.show_table(table, f"envois_{centre_id}")

    active = history.filter(pl.col("withdrawn_at").is_null() & pl.col("replay_of").is_null())
    if active.is_empty():
        return
    with st.expander("Retirer un envoi"):
        labels = {
            r["batch_id"]: f"{r['file_name']} — {KIND_LABELS.get(r['kind'], r['kind'])}, reçu le "
            f"{local_time(r['received_at'])} ({r['batch_id']})"
            for r in active.iter_rows(named=True)
        }
        batch_id = st.selectbox(
            "Lot à retirer", list(labels), format_func=labels.get, key="withdraw_batch"
        )
        sure = st.checkbox(
            "Je confirme : les données de ce lot disparaîtront à la prochaine construction.",
            key="withdraw_sure",
        )
        if st.button("Retirer ce lot", disabled=not sure, key="withdraw"):
            withdrawn = uploads.withdraw_batch(data_dir, user, batch_id)
            ui.request_build(data_dir, user.email, "withdrawal", centre_id)
            st.success(
                f"Lot retiré ({', '.join(withdrawn)}). Ses données disparaissent des pages dans "
                "quelques instants (la ligne sous le titre dit quand).",
                icon=":material/check_circle:",
            )


@st.cache_data(show_spinner=False, ttl=24 * 3600)
def template_bytes(kind: str) -> bytes:
    return templates.template_bytes(kind)


def show_templates() -> None:
    with st.expander("Modèles Excel à remplir"):
        st.caption(
            "Sans logiciel qui exporte vos données ? Un modèle par type de fichier : les "
            "en-têtes attendus, des listes déroulantes pour les valeurs codées, les dates au "
            "format jj/mm/aaaa et une feuille qui explique chaque colonne."
        )
        kind = st.selectbox(
            "Type de fichier", templates.kinds(), format_func=KIND_LABELS.get, key="tpl_kind"
        )
        ui.download_button(
            "Télécharger le modèle (.xlsx)",
            lambda: template_bytes(kind),
            f"modele-{kind}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="dl_template",
            detail={"template": kind},
        )


def show_page() -> None:
    allowed = uploads.upload_centres(data_dir, user)
    if not allowed:
        ui.empty_state(
            "Le dépôt de fichiers est réservé au personnel des centres et aux administrateurs.",
            "Si vous travaillez dans un centre, demandez un compte de centre à l'administrateur.",
        )
        return
    centre_id = choose_centre(allowed)
    show_templates()
    show_upload(centre_id)
    show_history(centre_id)


with ui.guard("le dépôt de fichiers"):
    try:
        show_page()
    except ParcoursError as refused:
        st.error(str(refused))
