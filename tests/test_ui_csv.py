"""CSV downloads open as they should in a Belgian Excel, and keep masked counts masked."""

import polars as pl

from parcours.analytics import masking
from parcours.dashboard.ui import csv_bytes


def test_csv_is_semicolon_separated_with_decimal_comma_and_bom():
    table = pl.DataFrame({"Frein": ["Mobilité"], "Taux de levée (%)": [57.1]})
    data = csv_bytes(table)
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").splitlines() == ["Frein;Taux de levée (%)", "Mobilité;57,1"]


def test_a_masked_count_is_exported_as_less_than_five():
    table = masking.display(
        pl.DataFrame(
            {"Centre": ["A", "B"], "Sorties": [None, 12]}, schema_overrides={"Sorties": pl.Int64}
        ),
        ["Sorties"],
    )
    assert csv_bytes(table).decode("utf-8-sig").splitlines()[1:] == ["A;< 5", "B;12"]
