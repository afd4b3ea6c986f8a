"""Models and lineage read from dbt's manifest.json (the Transformations page)."""

import json

import pytest

from parcours.warehouse import lineage

MANIFEST = {
    "nodes": {
        "seed.parcours.codes": {
            "resource_type": "seed",
            "name": "codes",
            "fqn": ["parcours", "codes"],
            "description": "Listes de codes",
            "columns": {},
            "depends_on": {"nodes": []},
            "config": {"materialized": "seed"},
        },
        "model.parcours.stg_hours": {
            "resource_type": "model",
            "name": "stg_hours",
            "fqn": ["parcours", "staging", "stg_hours"],
            "description": "one row per landing row",
            "columns": {},
            "depends_on": {"nodes": ["source.parcours.upload.landing.hours"]},
            "config": {"materialized": "view"},
        },
        "model.parcours.fct_hours": {
            "resource_type": "model",
            "name": "fct_hours",
            "fqn": ["parcours", "marts", "fct_hours"],
            "description": "one row per (participant, month)",
            "columns": {"hours": {"name": "hours", "description": "heures", "data_type": "double"}},
            "depends_on": {"nodes": ["model.parcours.stg_hours", "seed.parcours.codes"]},
            "config": {"materialized": "table"},
        },
        "model.parcours.dim_centres": {
            "resource_type": "model",
            "name": "dim_centres",
            "fqn": ["parcours", "marts", "dim_centres"],
            "description": "",
            "columns": {},
            "depends_on": {"nodes": []},
            "config": {"materialized": "table"},
        },
        "test.parcours.not_null_x": {"resource_type": "test", "name": "not_null_x"},
    },
    "sources": {
        "source.parcours.upload.landing.hours": {
            "resource_type": "source",
            "name": "hours",
            "source_name": "landing",
            "fqn": ["parcours", "landing", "hours"],
            "description": "",
            "columns": {},
        }
    },
}


def test_models_in_layer_order_with_parents_and_children():
    frame = lineage.models(MANIFEST)
    assert frame["name"].to_list() == [
        "stg_hours",
        "dim_centres",
        "fct_hours",
        "codes",
        "landing.hours",
    ]
    fct = frame.filter(frame["name"] == "fct_hours").row(0, named=True)
    assert fct["parents"] == "codes, stg_hours" and fct["layer"] == "marts"
    stg = frame.filter(frame["name"] == "stg_hours").row(0, named=True)
    assert stg["children"] == "fct_hours" and stg["parents"] == "landing.hours"
    assert "not_null_x" not in frame["name"].to_list()  # tests are not models


def test_columns_of_a_model():
    cols = lineage.columns(MANIFEST, "model.parcours.fct_hours")
    assert cols.rows() == [("hours", "double", "heures")]


def test_columns_take_the_warehouse_types_and_the_yaml_descriptions():
    catalog = {
        "nodes": {
            "model.parcours.fct_hours": {
                "columns": {
                    "month": {"name": "month", "type": "DATE", "index": 2},
                    "hours": {"name": "hours", "type": "DOUBLE", "index": 3},
                    "centre_id": {"name": "centre_id", "type": "VARCHAR", "index": 1},
                }
            }
        }
    }
    cols = lineage.columns(MANIFEST, "model.parcours.fct_hours", catalog)
    assert cols.rows() == [
        ("centre_id", "VARCHAR", ""),
        ("month", "DATE", ""),
        ("hours", "DOUBLE", "heures"),
    ]


def test_lineage_focus_keeps_ancestors_and_descendants_only():
    dot = lineage.lineage_dot(MANIFEST, focus="model.parcours.stg_hours")
    assert '"model.parcours.stg_hours" -> "model.parcours.fct_hours"' in dot
    assert '"source.parcours.upload.landing.hours" -> "model.parcours.stg_hours"' in dot
    assert "dim_centres" not in dot
    # codes is a parent of a descendant, not an ancestor of the focus
    assert "seed.parcours.codes" not in dot


def test_whole_lineage_has_every_node():
    dot = lineage.lineage_dot(MANIFEST)
    assert dot.count("[label=") == 5 and dot.count("->") == 3


def test_docs_folder_reading(tmp_path):
    assert lineage.load_manifest(tmp_path) is None
    assert lineage.static_docs(tmp_path) is None
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "static_index.html").write_text("<html></html>")
    assert lineage.load_manifest(tmp_path)["sources"]
    assert lineage.static_docs(tmp_path).name == "static_index.html"


@pytest.mark.parametrize("broken", ["{", ""])
def test_a_broken_manifest_reads_as_missing(tmp_path, broken):
    (tmp_path / "manifest.json").write_text(broken)
    assert lineage.load_manifest(tmp_path) is None


def test_static_docs_inline_the_manifest_and_catalog(tmp_path):
    assert lineage.static_docs_html(tmp_path) is None
    (tmp_path / "index.html").write_text(
        '<script>n=["MANIFEST.JSON INLINE DATA","CATALOG.JSON INLINE DATA"]</script>'
    )
    (tmp_path / "manifest.json").write_text('{"m": 1}')
    (tmp_path / "catalog.json").write_text('{"c": 2}')
    html = lineage.static_docs_html(tmp_path).decode()
    assert html == '<script>n=[{"m": 1},{"c": 2}]</script>'
