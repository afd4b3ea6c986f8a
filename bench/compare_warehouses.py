"""Compare every table and view of two warehouse files: row counts and `except all` both ways.

    python bench/compare_warehouses.py BEFORE.duckdb AFTER.duckdb [--schemas main,intermediate]

A change meant to make the build faster must leave every mart identical: this prints, per
relation, the rows of each side and how many rows one side has that the other lacks (duplicates
counted). DOUBLE columns are compared exactly and, if that differs, again rounded to 9 decimals
(a sum of decimals in another order can move the last bit; DuckDB's parallel sums already do so
from one build to the next). Exit code 1 when any relation differs (after rounding), is missing
on one side, or has other columns or types.
"""

from __future__ import annotations

import argparse
import sys

import duckdb


def relations(con: duckdb.DuckDBPyConnection, catalog: str, schemas: list[str]) -> dict:
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema in (select unnest(?)) "
        "order by table_schema, table_name, ordinal_position",
        [catalog, schemas],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, kind in rows:
        out.setdefault(f"{schema}.{table}", []).append((column, kind))
    return out


def differing(con, left: str, right: str, columns: list[tuple[str, str]], rounded: bool) -> tuple:
    def expression(column: str, kind: str) -> str:
        quoted = f'"{column}"'
        return f"round({quoted}, 9)" if rounded and kind in {"DOUBLE", "FLOAT"} else quoted

    select = ", ".join(expression(c, k) for c, k in columns)

    def only_in(one: str, other: str) -> int:
        query = f"select {select} from {one} except all select {select} from {other}"
        return con.execute(f"select count(*) from ({query})").fetchone()[0]

    return only_in(left, right), only_in(right, left)


def differences(before: str, after: str, schemas: list[str], echo=print) -> list[str]:
    """The relations that differ between two warehouse files (empty: every one identical); one
    line per relation to `echo`. Importable: tests/test_incremental_equals_full.py uses it."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before_ (read_only)")
    con.execute(f"attach '{after}' as after_ (read_only)")
    left, right = relations(con, "before_", schemas), relations(con, "after_", schemas)
    differ = []
    for name in sorted(set(left) | set(right)):
        if name not in left or name not in right:
            echo(f"{name}: only in {'before' if name in left else 'after'}")
            differ.append(name)
            continue
        if left[name] != right[name]:
            echo(f"{name}: columns or types differ: {left[name]} vs {right[name]}")
            differ.append(name)
            continue
        a, b = f"before_.{name}", f"after_.{name}"
        rows_a = con.execute(f"select count(*) from {a}").fetchone()[0]
        rows_b = con.execute(f"select count(*) from {b}").fetchone()[0]
        only_a, only_b = differing(con, a, b, left[name], rounded=False)
        note = ""
        if (only_a or only_b) and any(kind in {"DOUBLE", "FLOAT"} for _, kind in left[name]):
            only_a, only_b = differing(con, a, b, left[name], rounded=True)
            note = " (after rounding DOUBLE columns to 9 decimals)"
        ok = rows_a == rows_b and not only_a and not only_b
        if not ok:
            differ.append(name)
        echo(f"{name}: {rows_a} / {rows_b} rows, {only_a} only before, {only_b} only after"
             f"{note} {'OK' if ok else 'DIFFERENT'}")  # fmt: skip
    con.close()
    return differ


def compare(before: str, after: str, schemas: list[str]) -> bool:
    return not differences(before, after, schemas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schemas", default="main,intermediate")
    args = parser.parse_args()
    same = compare(args.before, args.after, args.schemas.split(","))
    print("Every relation identical." if same else "Some relations differ.")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
