"""Transformations — for analysts: run a warehouse build with its progress, read the last builds
and their dbt test results, and the models' documentation and lineage.

Documentation: dbt's own `index.html` fetches `manifest.json` and `catalog.json` at run time, so
it cannot be opened as a downloaded file; the page offers a self-contained copy (the two files
written into it, as `dbt docs generate --static` does) and draws the lineage itself from the
manifest (`parcours.warehouse.lineage`).
"""

import polars as pl
import streamlit as st

from parcours.core import frames
from parcours.core.dates import local_time
from parcours.dashboard import operations, ui
from parcours.presentation import formatting as fmt
from parcours.presentation import page_charts
from parcours.store.datadir import DataDir
from parcours.warehouse import history as build_history
from parcours.warehouse import lineage

user, scope, _ = ui.page_setup("Transformations", with_filters=False)
data_dir = DataDir.from_env()


def show_run() -> None:
    st.subheader("Reconstruire l'entrepôt")
    st.markdown(
        "La construction relit tous les lots non retirés, applique les transformations dbt "
        "(préparation, épisodes de freins, tables finales) et leurs tests, dans un **nouveau** "
        "fichier : il ne remplace l'entrepôt servi que si tout a réussi."
    )
    if st.button("Lancer une construction", type="primary", key="run_build"):
        ui.request_build(data_dir, user.email, "manual", None)
        st.success(
            "Construction demandée : elle tourne dans le service de construction, même si vous "
            "quittez cette page. Sa progression s'affiche ci-dessous.",
            icon=":material/check_circle:",
        )
    ui.build_progress()


def show_builds() -> None:
    st.subheader("Dernières constructions")
    builds = operations.recent_builds(limit=20)
    if builds.is_empty():
        ui.empty_state(
            "Aucune construction n'a encore été lancée.",
            "Cliquez sur « Lancer une construction » ci-dessus (ou « parcours build »).",
        )
        return
    table = builds.select(
        frames.each(builds, "started", lambda d: local_time(d.isoformat())).alias("Début"),
        frames.each(builds, "seconds", lambda s: fmt.number(s, 0)).alias("Durée (s)"),
        pl.col("actor").alias("Par"),
        pl.col("status_fr").alias("Résultat"),
        pl.col("models").alias("Modèles"),
        pl.col("tests").alias("Tests"),
        pl.col("warnings").alias("Avertissements"),
        pl.col("failures").alias("Échecs"),
        pl.col("message").alias("Message"),
    )  # fmt: skip
    durations = page_charts.build_durations(builds.filter(pl.col("seconds").is_not_null()))
    ui.altair_chart(durations, width="stretch", height=page_charts.display_height(durations))
    ui.show_chart(
        None,
        table,
        "Durée de chaque construction (de la copie du registre des lots jusqu'à la mise en "
        "service du nouvel entrepôt), colorée par son résultat. Une construction échouée ne "
        "change pas l'entrepôt servi.",
        "constructions",
    )
    labels = {
        r["build_id"]: f"{local_time(r['started'].isoformat())} — {r['status_fr']} ({r['actor']})"
        for r in builds.iter_rows(named=True)
    }
    build_id = st.selectbox(
        "Tests dbt de la construction", list(labels), format_func=labels.get, key="build_tests"
    )
    tests = operations.build_tests(build_id)
    if tests.is_empty():
        ui.empty_state("Cette construction n'a pas (encore) de résultats de tests.")
        return
    counts = tests.group_by("status").len()
    summary = ", ".join(f"{n} {status}" for status, n in counts.sort("status").iter_rows())
    st.caption(
        f"Tests de données (unicité, non-nullité, valeurs acceptées, contrôles croisés) et tests "
        f"unitaires des définitions (épisodes de freins…) : {summary}. Un test « avertissement » "
        "signale des lignes à vérifier sans bloquer la construction ; une « erreur » ou un "
        "« échec » la bloque."
    )
    ui.show_table(
        tests.rename(
            {
                "test": "Test",
                "kind": "Type",
                "status": "Résultat",
                "severity": "Gravité",
                "failures": "Lignes en défaut",
                "message": "Message",
            }
        ).with_columns(pl.col("Message").fill_null("")),
        f"tests_{build_id}",
    )


def show_docs() -> None:
    st.subheader("Documentation des modèles et lignage")
    manifest, html = ui.dbt_docs(data_dir.docs)
    if manifest is None:
        ui.empty_state(
            "La documentation dbt n'est pas encore disponible.",
            "Elle est produite à chaque construction réussie : lancez une construction.",
        )
        return
    if html is not None:
        ui.download_button(
            "Télécharger la documentation dbt complète (page HTML autonome)",
            lambda: html,
            "parcours-documentation-dbt.html",
            mime="text/html",
            key="dl_docs",
            icon=":material/description:",
        )
    models = lineage.models(manifest)
    names = dict(zip(models["unique_id"], models["name"], strict=True))
    focus = st.selectbox(
        "Centrer le lignage sur",
        [None, *names],
        format_func=lambda u: "tout le projet" if u is None else names[u],
        key="lineage_focus",
    )
    st.graphviz_chart(lineage.lineage_dot(manifest, focus), width="stretch")
    st.caption(
        "De gauche à droite : les fichiers déposés (sources) et les listes de codes (seeds), "
        "la préparation (staging), puis les tables finales lues par les pages (marts). Une "
        "flèche va d'un modèle vers ceux qui le lisent."
        + (" Seuls les ancêtres et descendants du modèle choisi sont montrés." if focus else "")
    )
    if focus:
        row = models.filter(pl.col("unique_id") == focus).row(0, named=True)
        st.markdown(f"**{row['name']}** — {row['description'] or 'sans description'}")
        columns = lineage.columns(manifest, focus, lineage.load_catalog(data_dir.docs))
        if not columns.is_empty():
            ui.show_table(
                columns.rename({"column": "Colonne", "type": "Type", "description": "Description"}),
                f"colonnes_{row['name']}",
            )
    table = models.select(
        pl.col("name").alias("Modèle"),
        pl.col("layer")
        .replace_strict(lineage.LAYER_LABELS, default=pl.col("layer"))
        .alias("Couche"),
        pl.col("materialized")
        .replace_strict(lineage.MATERIALIZATION_LABELS, default=pl.col("materialized"))
        .alias("Matérialisation"),
        pl.col("description").alias("Description"),
        pl.col("parents").alias("Lit"),
        pl.col("children").alias("Lu par"),
    )
    with st.expander(f"Tous les modèles ({fmt.integer(table.height)})"):
        ui.show_table(table, "modeles_dbt")


def show_page() -> None:
    if not build_history.may_run_builds(user):
        ui.empty_state(
            "Les transformations sont réservées aux analystes et aux administrateurs.",
            "Après un dépôt, la page « Téléverser » propose de reconstruire l'entrepôt.",
        )
        return
    show_run()
    show_builds()
    show_docs()


with ui.guard("les transformations"):
    show_page()
