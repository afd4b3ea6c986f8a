"""Value parsers (EXPORT_FORMAT §2): every accepted spelling reads back the same value, the scalar
and the vectorised forms agree, and nothing outside the contract is guessed."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import bis as stdnum_bis
from stdnum.be import nn as stdnum_nn

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

# The oracle is python-stdnum (`stdnum.be.nn` / `stdnum.be.bis`) and check digits computed here by
# hand, never the product's own helpers. Births stop at today: a number cannot encode a birth
# that has not happened (stdnum refuses it, see below).
BIRTHS_BEFORE_2000 = st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31))
BIRTHS_FROM_2000 = st.dates(min_value=date(2000, 1, 1), max_value=date.today())


def niss(birth: date, serial: int, from_2000: bool) -> str:
    first9 = f"{birth:%y%m%d}{serial:03d}"
    base = int(first9) + (2_000_000_000 if from_2000 else 0)
    digits = first9 + f"{97 - base % 97:02d}"
    assert stdnum_nn.is_valid(digits), digits  # the oracle agrees with the hand computation
    return digits


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
    # Only a wrong check that happens to be valid another way could pass; the oracle says.
    if stdnum_nn.is_valid(wrong) or stdnum_bis.is_valid(wrong):
        return
    assert parsing.normalise_niss(wrong) is None
    assert vectorised(parsing.niss_expr, [wrong]) == [None]


@settings(deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_eleven_digits_are_a_national_number_exactly_when_stdnum_says_so(digits):
    expected = digits if (stdnum_nn.is_valid(digits) or stdnum_bis.is_valid(digits)) else None
    assert parsing.normalise_niss(digits) == expected
    assert vectorised(parsing.niss_expr, [digits]) == [expected]


def test_the_birth_date_part_cuts_false_positives():
    # Passes mod 97 but encodes a 13th month / a birth in the future: refused. (A day past the
    # month's end reads as « day unknown », as the register issues them.)
    for first9, from_2000 in (("851330033", False), ("859930033", False), ("990101001", True)):
        base = int(first9) + (2_000_000_000 if from_2000 else 0)
        digits = first9 + f"{97 - base % 97:02d}"
        assert not stdnum_nn.is_valid(digits) and not stdnum_bis.is_valid(digits)
        assert parsing.normalise_niss(digits) is None


def test_a_bis_number_is_a_national_number():
    first9 = "852730033"  # born 30/07/1985, month + 20: a BIS number
    digits = first9 + f"{97 - int(first9) % 97:02d}"
    assert stdnum_bis.is_valid(digits)
    assert parsing.normalise_niss(digits) == digits


SEPARATORS = st.sampled_from(["", " ", ".", "-", "/"])


def written(digits: str, seps: list[str]) -> str:
    return digits[0] + "".join(sep + d for sep, d in zip(seps, digits[1:], strict=True))


@settings(deadline=None)
@given(
    BIRTHS_BEFORE_2000,
    st.integers(1, 998),
    st.lists(SEPARATORS, min_size=10, max_size=10),
    st.text(alphabet="abcdé ,;:()'", max_size=15),
    st.text(alphabet="abcdé ,;:()'", max_size=15),
)
def test_a_national_number_anywhere_in_a_text_is_masked(birth, serial, seps, before, after):
    number = written(niss(birth, serial, from_2000=False), seps)
    text = f"{before}{number}{after}"
    masked = parsing.mask_niss_in_text(text)
    assert masked == before + "".join("•" if ch.isdigit() else ch for ch in number) + after
    assert not any(ch.isdigit() for ch in masked)


@settings(deadline=None)
@given(st.text(alphabet="0123456789 .-ab", max_size=40))
def test_masking_keeps_every_character_that_is_not_part_of_a_national_number(text):
    masked = parsing.mask_niss_in_text(text)
    assert len(masked) == len(text)
    for original, shown in zip(text, masked, strict=True):
        assert shown == original or (original.isdigit() and shown == "•")
    # Whatever was masked was a valid national number for the oracle.
    runs = re.findall(r"•(?:[\s.\-/]?•){10}", masked)
    for run in runs:
        start = masked.index(run)
        digits = re.sub(r"[^0-9]", "", text[start : start + len(run)])
        assert stdnum_nn.is_valid(digits) or stdnum_bis.is_valid(digits)


def test_numbers_that_are_not_national_numbers_stay():
    text = "Tél. 0470 12 34 56, dossier 2024-000123, IBAN BE71 0961 2345 6769, 12345678901"
    assert not stdnum_nn.is_valid("12345678901")
    assert parsing.mask_niss_in_text(text) == text


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
