"""The faster forms of two SQL building blocks of the build (issue 17) keep their meaning.

- `tests/generic/primary_key.sql` groups a 64-bit hash of the key first, then only the
  candidates by the key: it must still return every duplicated key and every row with a null
  key column, and nothing for a clean table.
- `macros/latest_wins.sql` packs (precedence, seq, row_number) into one HUGEINT for its
  arg_max: the winner of each key must be the row a plain lexicographic ordering picks (the
  oracle here is Python's tuple order, independent of DuckDB and of the macro).

Both are rendered from the project's own files with Jinja (dbt's `ref` stubbed) and run on
DuckDB in memory: no dbt process, a few hundred milliseconds.
"""

from __future__ import annotations

import re

import duckdb
import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.store.datadir import TRANSFORM_DIR

KEY = ["centre_id", "participant_id", "month"]


def primary_key_sql(model: str, columns: list[str], nullable: list[str] | None = None) -> str:
    text = (TRANSFORM_DIR / "tests" / "generic" / "primary_key.sql").read_text(encoding="utf-8")
    body = re.search(r"{% test primary_key\(.*?\) %}(.*){% endtest %}", text, re.S).group(1)
    return jinja2.Template(body).render(model=model, columns=columns, nullable=nullable or [])


def latest_wins_sql(relation: str, key_columns: list[str]) -> str:
    text = (TRANSFORM_DIR / "macros" / "latest_wins.sql").read_text(encoding="utf-8")
    template = jinja2.Environment().from_string(text + "{{ latest_wins(relation, keys) }}")
    # As in a from-scratch build: no filter on the changed centres (macros/changed_centres.sql).
    return template.render(
        relation=relation,
        keys=key_columns,
        ref=lambda name: name,
        only_changed_centres=lambda *args: "",
    )


def table(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table facts (centre_id varchar, participant_id varchar, month date)")
    if rows:
        con.executemany("insert into facts values (?, ?, ?)", rows)
    return con


CLEAN = [("C1", "P1", "2024-01-01"), ("C1", "P1", "2024-02-01"), ("C2", "P1", "2024-01-01")]


def test_a_clean_table_passes():
    assert table(CLEAN).execute(primary_key_sql("facts", KEY)).fetchall() == []


def test_a_duplicated_key_is_returned_once_with_its_copies():
    con = table([*CLEAN, ("C1", "P1", "2024-02-01"), ("C1", "P1", "2024-02-01")])
    rows = con.execute(primary_key_sql("facts", KEY)).fetchall()
    assert [(r[0], r[1], str(r[2]), r[3]) for r in rows] == [("C1", "P1", "2024-02-01", 3)]


def test_a_null_in_a_key_column_fails_even_when_unique():
    con = table([*CLEAN, ("C3", None, "2024-01-01")])
    rows = con.execute(primary_key_sql("facts", KEY)).fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [("C3", None, 1)]


def test_a_nullable_column_is_checked_for_uniqueness_only():
    con = table([*CLEAN, ("C3", "P1", None)])
    assert con.execute(primary_key_sql("facts", KEY[:2], ["month"])).fetchall() == []
    con.execute("insert into facts values ('C3', 'P1', null)")
    rows = con.execute(primary_key_sql("facts", KEY[:2], ["month"])).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("C3", "P1", None, 2)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2"]), st.sampled_from(["P1", "P2", None]),
                          st.sampled_from(["2024-01-01", "2024-02-01"])), max_size=12))  # fmt: skip
def test_the_offending_keys_are_those_a_plain_count_finds(rows):
    counts: dict[tuple, int] = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    expected = {key: n for key, n in counts.items() if n > 1 or None in key}
    got = table(rows).execute(primary_key_sql("facts", KEY)).fetchall()
    assert {(r[0], r[1], str(r[2]) if r[2] else None): r[3] for r in got} == expected


def landed(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """Landed rows (batch, key, row_number, value) and a registry of active batches."""
    con = duckdb.connect()
    con.execute(
        "create table landed (batch_id varchar, centre_id varchar, participant_id varchar, "
        "row_number integer, value integer)"
    )
    con.executemany("insert into landed values (?, ?, ?, ?, ?)", rows)
    return con


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.tuples(st.integers(1, 2**39), st.integers(1, 2**39)), min_size=1, max_size=4,
        unique_by=lambda b: b[1],
    ),
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["P1", "P2"]), st.integers(1, 2**31 - 1)),
        min_size=1, max_size=12, unique_by=lambda r: (r[0], r[2]),
    ),
)  # fmt: skip
def test_latest_wins_picks_the_highest_precedence_then_seq_then_row(batches, rows):
    # batches: (precedence, seq), seq unique as in ops.sqlite; a replay shares an earlier
    # precedence. Rows: (batch index, participant, row_number), row_number unique per batch.
    rows = [(b % len(batches), p, r) for b, p, r in rows]
    rows = list({(b, r): (b, p, r) for b, p, r in rows}.values())
    con = landed([(f"b{b}", "C1", p, r, i) for i, (b, p, r) in enumerate(rows)])
    con.execute(
        "create table batches (batch_id varchar, centre_id varchar, kind varchar, "
        "precedence bigint, seq bigint, received_at timestamp, is_withdrawn boolean, "
        "is_complete boolean)"
    )
    con.executemany(
        "insert into batches values (?, 'C1', 'hours', ?, ?, now(), false, false)",
        [(f"b{i}", precedence, seq) for i, (precedence, seq) in enumerate(batches)],
    )
    sql = latest_wins_sql("landed", ["participant_id"]).replace("stg_registry__batches", "batches")
    got = {p: v for p, v in con.execute(f"select participant_id, value from ({sql})").fetchall()}
    expected: dict[str, tuple] = {}
    for i, (b, p, r) in enumerate(rows):
        order = (batches[b][0], batches[b][1], r)
        if p not in expected or order > expected[p][0]:
            expected[p] = (order, i)
    assert got == {p: i for p, (_, i) in expected.items()}
