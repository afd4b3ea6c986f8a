"""Value parsers (EXPORT_FORMAT §2): every accepted spelling reads back the same value, the scalar
and the vectorised forms agree, and nothing outside the contract is guessed."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours import contract
from parcours.upload import parsing, privacy

DATES = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
DATE_FORMATS = [
    "{y:04d}-{m:02d}-{d:02d}",
    "{d:02d}/{m:02d}/{y:04d}",
    "{d:02d}-{m:02d}-{y:04d}",
    "{d:02d}.{m:02d}.{y:04d}",
    "{d}/{m}/{y:04d}",
    "{d:02d}/{m:02d}/{y:04d} 00:00",
    "{d:02d}/{m:02d}/{y:04d} 13:45:10",
    "{y:04d}-{m:02d}-{d:02d}T00:00:00",
    "{y:04d}-{m:02d}-{d:02d} 00:00:00.000",
]
MONTH_FORMATS = ["{y:04d}-{m:02d}", "{m:02d}/{y:04d}", "{m}/{y:04d}", "{m:02d}.{y:04d}"]


def vectorised(expr_builder, values: list[str | None]) -> list:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(expr_builder(pl.col("v"))).to_series().to_list()


@settings(max_examples=200, deadline=None)
@given(DATES, st.sampled_from(DATE_FORMATS))
def test_dates_round_trip_in_every_accepted_format(day, fmt):
    text = fmt.format(y=day.year, m=day.month, d=day.day)
    assert parsing.parse_date(text) == day
    assert vectorised(parsing.date_expr, [text]) == [day]


@settings(max_examples=200, deadline=None)
@given(DATES, st.sampled_from(MONTH_FORMATS + DATE_FORMATS))
def test_months_read_as_the_first_day(day, fmt):
    text = fmt.format(y=day.year, m=day.month, d=day.day)
    assert parsing.parse_month(text) == day.replace(day=1)
    assert vectorised(parsing.month_expr, [text]) == [day.replace(day=1)]


@pytest.mark.parametrize(
    "text",
    ["31/02/2024", "29/02/2023", "2024-13-01", "00/01/2024", "15/03/24", "03/15/2024x",
     "15/03-2024", "2024/03/15", "15 mars 2024", "", "0000-01-01", "15/03/2024 25h"],
)  # fmt: skip
def test_impossible_or_foreign_dates_are_refused(text):
    assert parsing.parse_date(text) is None
    assert vectorised(parsing.date_expr, [text]) == [None]


def test_day_always_comes_first():
    assert parsing.parse_date("03/04/2024") == date(2024, 4, 3)
    assert parsing.parse_date("13/01/2024") == date(2024, 1, 13)
    assert parsing.parse_date("01/13/2024") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789/-.:T ", max_size=22))
def test_scalar_and_vectorised_dates_agree_on_any_text(text):
    assert vectorised(parsing.date_expr, [text]) == [parsing.parse_date(text)]
    assert vectorised(parsing.month_expr, [text]) == [parsing.parse_month(text)]


def test_vectorised_dates_mix_shapes_in_one_column():
    values = ["15/03/2024", "2024-03-16", "17.03.2024", None, "31/02/2024", "18-03-2024 08:00"]
    expected = [date(2024, 3, 15), date(2024, 3, 16), date(2024, 3, 17), None, None,
                date(2024, 3, 18)]  # fmt: skip
    assert vectorised(parsing.date_expr, values) == expected
    assert parsing.parse_dates(pl.Series(values)).to_list() == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99),
       st.sampled_from([".", ","]))  # fmt: skip
def test_decimals_with_point_or_comma(whole, cents, separator):
    text = f"{whole}{separator}{cents:02d}"
    expected = whole + cents / 100
    assert parsing.parse_decimal(text) == pytest.approx(expected)
    assert vectorised(parsing.decimal_expr, [text]) == [pytest.approx(expected)]


@pytest.mark.parametrize("text", ["1 234,5", "12,5,3", "1e3", "nan", "inf", "12.5h", "", "-"])
def test_decimals_outside_the_contract_are_refused(text):
    assert parsing.parse_decimal(text) is None
    assert vectorised(parsing.decimal_expr, [text]) == [None]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789+-.,e ", max_size=8))
def test_scalar_and_vectorised_numbers_agree(text):
    assert vectorised(parsing.decimal_expr, [text]) == [parsing.parse_decimal(text)]
    assert vectorised(parsing.int_expr, [text]) == [parsing.parse_int(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1990", 1990), ("1990.0", 1990), ("1990,0", 1990), ("-3", -3), ("12.5", None), ("x", None)],
)
def test_integers(text, expected):
    assert parsing.parse_int(text) == expected
    assert vectorised(parsing.int_expr, [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("oui", True), ("Non", False), ("YES", True), ("no", False), ("Vrai", True),
     ("faux", False), ("true", True), ("FALSE", False), ("1", True), ("0", False),
     ("peut-être", None), ("", None)],
)  # fmt: skip
def test_booleans(text, expected):
    assert parsing.parse_bool(text) is expected
    assert vectorised(parsing.bool_expr, [text]) == [expected]


# --- national numbers --------------------------------------------------------------------------

BIRTHS_BEFORE_2000 = st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31))
BIRTHS_FROM_2000 = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def niss(birth: date, serial: int, from_2000: bool) -> str:
    first9 = f"{birth:%y%m%d}{serial:03d}"
    return first9 + parsing.niss_check_digits(first9, born_from_2000=from_2000)


@settings(deadline=None)
@given(BIRTHS_BEFORE_2000, st.integers(1, 998), st.sampled_from(["{}", "{}.{}.{}-{}.{}"]))
def test_valid_niss_before_2000_in_any_punctuation(birth, serial, shape):
    digits = niss(birth, serial, from_2000=False)
    parts = (digits[0:2], digits[2:4], digits[4:6], digits[6:9], digits[9:11])
    text = digits if shape == "{}" else shape.format(*parts)
    assert parsing.normalise_niss(text) == digits
    assert vectorised(parsing.niss_expr, [text]) == [digits]


@settings(deadline=None)
@given(BIRTHS_FROM_2000, st.integers(1, 998))
def test_valid_niss_from_2000_uses_the_2_prefix(birth, serial):
    digits = niss(birth, serial, from_2000=True)
    assert parsing.normalise_niss(digits) == digits
    assert vectorised(parsing.niss_expr, [digits]) == [digits]


@settings(deadline=None)
@given(BIRTHS_BEFORE_2000, st.integers(1, 998), st.integers(1, 96))
def test_a_wrong_check_digit_is_refused(birth, serial, shift):
    digits = niss(birth, serial, from_2000=False)
    wrong = digits[:9] + f"{(int(digits[9:]) + shift) % 100:02d}"
    # Only a wrong check that happens to be the post-2000 check could pass; exclude it.
    if wrong[9:] == parsing.niss_check_digits(digits[:9], born_from_2000=True):
        return
    assert parsing.normalise_niss(wrong) is None
    assert vectorised(parsing.niss_expr, [wrong]) == [None]


@pytest.mark.parametrize("text", ["8507300332", "850730033288", "85O73003328", "abc", ""])
def test_niss_needs_exactly_eleven_digits(text):
    assert parsing.normalise_niss(text) is None
    assert vectorised(parsing.niss_expr, [text]) == [None]


def test_pseudonym_is_keyed_and_ignores_punctuation():
    digits = niss(date(1985, 7, 30), 33, from_2000=False)
    dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"
    key = b"k" * 32
    assert privacy.pseudonymise(digits, key) == privacy.pseudonymise(dotted, key)
    assert privacy.pseudonymise(digits, key) != privacy.pseudonymise(digits, b"other key")
    assert len(privacy.pseudonymise(digits, key)) == 64 and digits not in privacy.pseudonymise(
        digits, key
    )
    series = privacy.pseudonymise_series(pl.Series([digits, None]), key)
    assert series.to_list() == [privacy.pseudonymise(digits, key), None]
    with pytest.raises(ValueError):
        privacy.pseudonymise(digits[:10] + "0", key)


# --- folding -----------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.text(max_size=30))
def test_folding_is_idempotent(text):
    assert contract.fold(contract.fold(text)) == contract.fold(text)


@pytest.mark.parametrize(
    "header", ["Date d'entrée", "DATE_ENTREE", "date entree", "Date-Entrée", " date d’entrée "]
)
def test_header_spellings_fold_to_a_name_of_entry_date(header):
    entry_date = contract.load().kinds["participants"].columns["entry_date"]
    assert contract.fold(header) in entry_date.folded_names


@pytest.mark.parametrize("text", ["㎀", "İstanbul", "ﬁlière", "Ⅻ"])
def test_folding_is_idempotent_on_compatibility_characters(text):
    assert contract.fold(contract.fold(text)) == contract.fold(text)
