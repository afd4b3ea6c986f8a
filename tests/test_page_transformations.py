"""The Transformations page: build history, dbt tests, a build run from the page, the docs and
the lineage — on a copy of the dashboard fixture's data folder."""

import json
import shutil

import pytest

from parcours.store import opstore
from parcours.store.datadir import DataDir
from tests.build_helpers import wait_until_built
from tests.conftest import app_as
from tests.page_helpers import downloads, page_as

# Slow (a build asked from the page): first under xdist, left out of `make test-quick`.
pytestmark = pytest.mark.slow

PAGE = "pages/transformations.py"


@pytest.fixture(scope="module")
def scratch(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("transformations") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    for cache in root.glob("build/target/partial_parse.msgpack"):
        cache.unlink()  # its source paths are the original folder's
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARCOURS_DATA_DIR", str(root))
        yield DataDir.from_env()


@pytest.fixture(scope="module")
def analyst(scratch):
    at = app_as("analyste@parcours.be", PAGE)
    assert not at.exception
    return at


def fixture_build(data_dir) -> dict:
    conn = opstore.connect(data_dir.ops_db)
    try:
        row = conn.execute("select actor, status, summary from builds").fetchone()
    finally:
        conn.close()
    return {"actor": row[0], "status": row[1], **json.loads(row[2])}


def test_history_lists_the_fixture_build_and_its_tests(analyst, scratch):
    built = fixture_build(scratch)
    history = analyst.dataframe[0].value
    assert history["Par"].tolist() == ["test"]
    assert history["Résultat"].tolist() == ["réussie"]
    assert history["Modèles"].tolist() == [len(built["models"])]
    assert history["Tests"].tolist() == [len(built["tests"])]
    tests = analyst.dataframe[1].value
    assert len(tests) == len(built["tests"])
    assert set(tests["Résultat"]) <= {"réussi", "avertissement"}


def test_docs_wait_for_a_build_with_docs(analyst):
    assert any("documentation dbt n'est pas encore disponible" in i.value for i in analyst.info)


def test_a_build_from_the_page_then_docs_and_lineage(analyst, scratch):
    analyst.button(key="run_build").click().run(timeout=300)
    assert not analyst.exception
    assert any("Construction demandée" in s.value for s in analyst.success)
    assert wait_until_built(scratch).state == "up_to_date"
    analyst.run()
    assert analyst.dataframe[0].value["Par"].tolist()[0] == "analyste@parcours.be"
    conn = opstore.connect(scratch.ops_db)
    audited = conn.execute(
        "select count(*) from audit_log where action = 'build' and actor = ?",
        ("analyste@parcours.be",),
    ).fetchone()[0]
    conn.close()
    assert audited == 1
    # The docs of the new build: a self-contained page and the lineage drawn from the manifest.
    assert any(d.proto.label.startswith("Télécharger la documentation") for d in downloads(analyst))
    dot = [e for e in analyst.main if type(e).__name__ == "UnknownElement"]
    assert dot  # the graphviz chart
    analyst.selectbox(key="lineage_focus").select("model.parcours.fct_hours").run()
    assert not analyst.exception
    columns = [df.value for df in analyst.dataframe if "Colonne" in df.value.columns]
    assert columns and "hours" in set(columns[0]["Colonne"])
    # How each model is kept reads in French, dbt's term in brackets.
    models = [df.value for df in analyst.dataframe if "Matérialisation" in df.value.columns][0]
    kept = dict(zip(models["Modèle"], models["Matérialisation"], strict=True))
    assert kept["int_hours_latest"] == "Table mise à jour par centre (incremental)"
    assert kept["rpt_participant_paths"] == "Vue (view)"
    assert all(value.endswith(")") and "(" in value for value in kept.values()), kept


@pytest.mark.parametrize("email", ["nam@centre.be", "acfi@federation.be"])
def test_only_analysts_and_admins(scratch, email):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_as(email, PAGE)
    at = page_as(email, PAGE)
    assert not at.exception
    assert not at.button and not at.dataframe
    assert any("réservées aux analystes" in i.value for i in at.info)
