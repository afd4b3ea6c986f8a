"""Belgian French formatting: what every number and date on screen looks like."""

from datetime import date

from parcours.presentation import formatting as fmt

T = "\u202f"  # narrow no-break space, the one separator used everywhere


def test_thousands_are_grouped_with_a_narrow_no_break_space():
    assert fmt.integer(1234) == f"1{T}234"
    assert fmt.integer(14345) == f"14{T}345"
    assert fmt.integer(5_700_000) == f"5{T}700{T}000"
    assert fmt.integer(12) == "12"


def test_decimal_comma():
    assert fmt.number(1234.5, 1) == f"1{T}234,5"
    assert fmt.number(0.25, 2) == "0,25"


def test_percent_has_a_comma_and_a_space_before_the_sign():
    assert fmt.percent(0.125) == f"12,5{T}%"
    assert fmt.percent(0.45, 0) == f"45{T}%"
    assert fmt.percent(2 / 3) == f"66,7{T}%"


def test_dates_are_day_first_and_months_french():
    assert fmt.day(date(2024, 3, 15)) == "15/03/2024"
    assert fmt.month(date(2024, 2, 1)) == "février 2024"
    assert fmt.month(date(2024, 8, 1), short=True) == "août 2024"


def test_missing_and_masked_values_never_show_as_nan():
    assert fmt.integer(None) == "—"
    assert fmt.percent(float("nan")) == "—"
    assert fmt.count(None) == "< 5"
    assert fmt.count(1200) == f"1{T}200"
    assert fmt.share(None) == "masqué"


def test_signed_changes_and_durations():
    assert fmt.signed(10) == "+10"
    assert fmt.signed(-3.5, 1, "pts") == f"-3,5{T}pts"
    assert fmt.signed(0) == "0"
    assert fmt.days(1) == "1 jour"
    assert fmt.days(90) == "90 jours"
    assert fmt.years_label(2023, 2023) == "2023"
    assert fmt.years_label(2022, 2024) == "2022–2024"


def test_the_sectors_day_is_brusselss_even_on_a_utc_server(monkeypatch):
    """At 23:30 UTC on 7 December it is already 8 December in Brussels: the audit log's default
    period, the closable years and the « date in the future » check follow Brussels."""
    from datetime import UTC, datetime

    from parcours.core import dates

    class LateEvening(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 7, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(dates, "datetime", LateEvening)
    assert dates.today() == date(2026, 12, 8)
