"""A from-scratch build that runs out of DuckDB's memory limit with several models at once is
run again one model at a time (`parcours.warehouse.build`): at 10× the sector the default 4
threads ran out of 1 GB, one thread built it within 1,5 GB (docs/BENCHMARKS.md)."""

from __future__ import annotations

from parcours.store.datadir import DataDir
from parcours.warehouse import build as builder
from tests import warehouse_fixtures as wf


def worked_example(tmp_path) -> DataDir:
    folder = DataDir(tmp_path / "data")
    wf.write_schema_files(folder)
    wf.add_centre(folder, "C001", "CISP Exemple", "ACFI", 4020)
    wf.load_worked_example(folder)
    return folder


def test_out_of_memory_with_several_threads_is_built_again_one_model_at_a_time(
    tmp_path, monkeypatch
):
    folder = worked_example(tmp_path)
    real = builder.run_dbt
    threads = []

    def run_dbt(args, env, progress, phases=None):
        threads.append(env.get("PARCOURS_BUILD_THREADS"))
        if len(threads) == 1:  # the first pass gets far too little memory: DuckDB's own error
            env = {**env, "PARCOURS_BUILD_MEMORY_LIMIT": "1MB"}
        return real(args, env, progress, phases)

    monkeypatch.delenv("PARCOURS_BUILD_THREADS", raising=False)
    monkeypatch.setattr(builder, "run_dbt", run_dbt)
    said = []
    result = builder.build(folder, actor="test", progress=said.append, docs=False)
    assert result.status == "success", result.message
    assert threads == [None, "1"]
    assert any("une table à la fois" in line for line in said)
    assert folder.warehouse.exists()


def test_a_failure_of_the_data_is_not_built_again(tmp_path, monkeypatch):
    """Only running out of memory earns the second pass: any other failure is reported."""
    folder = worked_example(tmp_path)
    calls = []

    def dbt_pass(*args, **kwargs):
        calls.append(kwargs.get("threads"))
        raise builder.BuildFailed("La construction a échoué : le test unique_x a échoué.")

    monkeypatch.setattr(builder, "_dbt_pass", dbt_pass)
    result = builder.build(folder, actor="test", docs=False)
    assert result.status == "failed" and "unique_x" in result.message
    assert calls == [None]
