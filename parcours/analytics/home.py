"""Accueil: the period's key figures and the « chiffres clés » the Interfédé publishes.

Definitions (shown on the page as captions):
- period: the selected years (1 January of the first to 31 December of the last); the previous
  period has the same length and ends the day before.
- trainees in training: declared trainees who entered on or before the period's end and had not
  left before its start (their latest exit, if any, is on or after the start; for a presumed
  exit, INTERFACES §3 v1.2, their latest activity) — in training during at least one of its
  years, as the warehouse defines it (`fct_training_years`); `presumed_exits` says how many of
  them have a presumed exit;
- entries: entry date in the period; exits: exit records dated in the period; positive exits:
  those whose destination is in the employment or training group of codes.csv;
- hours: training hours of the months in the period;
- with a barrier lifted / a milestone: trainees in training during the period with at least one
  barrier episode lifted / one milestone achieved in the period.

Every count goes through `parcours.analytics.masking` when the scope asks for it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import polars as pl

from parcours import contract
from parcours.analytics import masking, quality
from parcours.warehouse.reader import (
    POPULATION_DIMENSIONS,
    Filters,
    Scope,
    Where,
    cursor,
    query,
)

FIGURES = (
    ("in_training", "Stagiaires en formation"),
    ("entries", "Entrées"),
    ("exits", "Sorties"),
    ("hours", "Heures de formation"),
    ("with_barrier_lifted", "Avec un frein levé"),
    ("with_milestone", "Avec une étape franchie"),
    ("positive_exits", "Sorties positives"),
)
PERSON_COUNTS = ("in_training", "entries", "exits", "with_barrier_lifted", "with_milestone",
                 "positive_exits")  # fmt: skip
# The known destinations (« Inconnue » left out), training first (contract/labels.yml's labels).
DESTINATION_GROUPS = {
    g: contract.group_labels("situation")[g] for g in ("training", "employment", "pathway", "none")
}
CENTRE_TYPES = ("DéFI seulement", "EFT seulement", "DéFI et EFT", "Autre")


@dataclass(frozen=True)
class Period:
    """Whole calendar years, from 1 January of the first to 31 December of the last (the pages'
    periods: the shared year filter, a report's year, the period before)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if (self.start.month, self.start.day, self.end.month, self.end.day) != (1, 1, 12, 31):
            raise ValueError(f"a period is whole calendar years, not {self.start}–{self.end}")

    @classmethod
    def of_years(cls, years: tuple[int, int]) -> Period:
        return cls(date(years[0], 1, 1), date(years[1], 12, 31))

    def previous(self) -> Period:
        span = self.end.year - self.start.year + 1
        return Period(date(self.start.year - span, 1, 1), date(self.end.year - span, 12, 31))

    @property
    def params(self) -> dict:
        """The bounds as dates: $p_start, $p_end."""
        return {"p_start": self.start, "p_end": self.end}

    @property
    def year_params(self) -> dict:
        """The bounds as years, for `in_training`: $p_first_year, $p_last_year."""
        return {"p_first_year": self.start.year, "p_last_year": self.end.year}


def in_training(alias: str, first_year: str, last_year: str | None = None) -> str:
    """SQL: the trainee of `alias` (its centre_id, participant_id) was in training during at
    least one year from `first_year` to `last_year` (SQL expressions; `last_year` None: that one
    year) — a semi-join on fct_training_years, where « in training » is defined (its YAML)."""
    years = f"= {first_year}" if last_year is None else f"between {first_year} and {last_year}"
    return (
        f"exists (select 1 from fct_training_years t where t.centre_id = {alias}.centre_id "
        f"and t.participant_id = {alias}.participant_id and t.year {years})"
    )


PRESUMED_EXIT_WORDS = (
    "sans sortie enregistrée ni activité (heures, évaluation, partenariat, étape) depuis 7 mois "
    "ou plus avant le dernier mois de données de leur centre ; ils ne comptent en formation que "
    "jusqu'au mois de leur dernière activité"
)


def presumed_exits(scope: Scope, filters: Filters, years: tuple[int, int]) -> int | None:
    """Among the trainees a figure counts « en formation » during `years` (`in_training`, the
    base of the shares that read it, the chiffres clés' trainees), how many have a presumed exit
    (`dim_participants.presumed_exit`, INTERFACES §3 v1.2). None when the scope masks small
    counts and it is one from 1 to 4."""
    where = _participants(scope, filters)
    found = query(
        f"""
        select count(*) as presumed
        from dim_participants d
        where {where.sql} and d.presumed_exit
          and {in_training("d", "$p_first_year", "$p_last_year")}
        """,
        {**where.params, "p_first_year": years[0], "p_last_year": years[1]},
    )
    n = int(found["presumed"][0])
    return None if scope.mask_small_counts and masking.is_small(n) else n


def presumed_exits_sentence(count: int | None, shown: str) -> str:
    """The caption that says how many presumed exits « en formation » includes (`count` from
    `presumed_exits`, `shown` the same as the page writes it: « 1 234 », « < 5 »)."""
    if count == 0:
        return "Aucune sortie présumée parmi les stagiaires en formation."
    plural = "s" if count is None or count > 1 else ""
    return (
        f"Parmi les stagiaires en formation, {shown} sortie{plural} présumée{plural} : "
        f"{PRESUMED_EXIT_WORDS}."
    )


def _participants(scope: Scope, filters: Filters) -> Where:
    return Where.scoped(scope, filters, use_years=False, participant="participant_id")


KEYS = ("in_training", "entries", "exits", "positive_exits", "hours",
        "with_barrier_lifted", "with_milestone")  # fmt: skip


def raw_figures(scope: Scope, filters: Filters, *periods: Period) -> list[dict[str, float]]:
    """The key figures of each period, unmasked (callers mask).

    Read from `fct_participant_year_figures`, where what each trainee adds to each year is
    defined (dbt, with its unit tests): one pass groups a trainee's years per period (`$fy0` /
    `$ly0` the years of the first period, and so on) — in training during at least one of
    them; entries, exits, positive exits and hours summed; a lift / a milestone during the
    period by a trainee in training during the period."""
    where = _participants(scope, filters)
    params: dict = dict(where.params)
    for i, period in enumerate(periods):
        params[f"fy{i}"], params[f"ly{i}"] = period.start.year, period.end.year
    params["lo"] = min(period.start.year for period in periods)
    params["hi"] = max(period.end.year for period in periods)

    def each(template: str) -> str:
        return ",\n            ".join(
            template.format(i=i, inside=f"f.year between $fy{i} and $ly{i}")
            for i in range(len(periods))
        )

    sql = f"""
        with p as (
            select centre_id, participant_id
            from dim_participants where {where.sql} and entry_date is not null
        ),
        per_trainee as (
            select
            {each("bool_or(f.is_in_training) filter (where {inside}) as t{i}")},
            {each("sum(f.entries) filter (where {inside}) as n{i}")},
            {each("sum(f.exits) filter (where {inside}) as x{i}")},
            {each("sum(f.positive_exits) filter (where {inside}) as px{i}")},
            {each("sum(f.hours) filter (where {inside}) as h{i}")},
            {each("bool_or(f.has_barrier_lifted) filter (where {inside}) as b{i}")},
            {each("bool_or(f.has_milestone) filter (where {inside}) as m{i}")}
            from fct_participant_year_figures f join p using (centre_id, participant_id)
            where f.year between $lo and $hi
            group by f.centre_id, f.participant_id
        )
        select
            {each("count(*) filter (where t{i}) as in_training_{i}")},
            {each("coalesce(sum(n{i}), 0) as entries_{i}")},
            {each("coalesce(sum(x{i}), 0) as exits_{i}")},
            {each("coalesce(sum(px{i}), 0) as positive_exits_{i}")},
            {each("coalesce(sum(h{i}), 0)::double as hours_{i}")},
            {each("count(*) filter (where t{i} and b{i}) as with_barrier_lifted_{i}")},
            {each("count(*) filter (where t{i} and m{i}) as with_milestone_{i}")}
        from per_trainee
    """
    row = query(sql, params).row(0, named=True)
    return [
        {k: (float(row[f"{k}_{i}"]) if k == "hours" else int(row[f"{k}_{i}"])) for k in KEYS}
        for i in range(len(periods))
    ]


def key_figures(scope: Scope, filters: Filters) -> pl.DataFrame:
    """One row per key figure: figure, label, value, previous, change, share, share_previous
    (share: of trainees in training, or of exits for positive exits), with the page's masking
    (`page`): masked values are null. `previous`, `change` and `share_previous` are null when
    the two periods are not covered by the same centres (`page()["comparison"]` says why)."""
    return page(scope, filters)["figures"]


def comparison(scope: Scope, filters: Filters) -> dict:
    """Whether the period is compared with the one before, and the plain French reason when not
    (`page()["comparison"]`)."""
    return page(scope, filters)["comparison"]


def chiffres_cles(scope: Scope, filters: Filters, year: int) -> dict[str, pl.DataFrame | dict]:
    """The Interfédé's published indicators for one year, masked on their own (the Accueil page
    masks them with the rest of the page: `page`). See `_chiffres_raw`."""
    raw = _chiffres_raw(scope, filters, year)
    page = _mask_chiffres(masking.Page(scope.mask_small_counts), raw, year_row=None)
    return _chiffres_result(raw, page.run())


def _chiffres_raw(scope: Scope, filters: Filters, year: int) -> dict:
    """The Interfédé's published indicators for one year, on the scope and the other filters.

    - centres by filière type: centres with trainees in training that year, by the filières they
      ran (DéFI only, EFT only, both, other);
    - filières: distinct (centre, filière, training area) with trainees in training that year;
    - trainees: trainees in training that year; hours: hours of that year's months;
    - destinations: exits of that year with a known destination, by destination group.

    Counts of centres and filières are organisations, not persons: they are not masked.
    """
    period = Period.of_years((year, year))
    where = _participants(scope, filters)
    joined = Where.scoped(
        scope,
        filters,
        centre="d.centre_id",
        filiere="d.filiere",
        use_years=False,
        participant="d.participant_id",
    )
    dates, years = {**where.params, **period.params}, {**where.params, **period.year_params}
    inside = f"""
        select centre_id, participant_id, filiere, training_area
        from dim_participants d
        where {where.sql} and {in_training("d", "$p_first_year", "$p_last_year")}
    """
    centres = query(
        f"""
        with inside as ({inside}),
        per_centre as (
            select centre_id,
                bool_or(filiere = 'defi') as has_defi, bool_or(filiere = 'eft') as has_eft
            from inside group by centre_id
        )
        select case
                when has_defi and has_eft then 'DéFI et EFT'
                when has_defi then 'DéFI seulement'
                when has_eft then 'EFT seulement'
                else 'Autre' end as centre_type,
            count(*)::integer as centres
        from per_centre group by all
        """,
        years,
    )
    centres = (
        pl.DataFrame({"centre_type": list(CENTRE_TYPES)})
        .join(centres, on="centre_type", how="left")
        .with_columns(pl.col("centres").fill_null(0))
    )
    totals = query(
        f"""
        with inside as ({inside})
        select
            (select count(distinct centre_id) from inside) as centres,
            (select count(distinct (centre_id, filiere, coalesce(training_area, '')))
                from inside) as filieres,
            (select count(*) from inside) as trainees,
            (select coalesce(sum(h.hours), 0)
                from fct_hours h
                join dim_participants d using (centre_id, participant_id)
                where {joined.sql} and h.month between $p_start and $p_end) as hours
        """,
        {**dates, **years},
    ).row(0, named=True)
    destinations = query(
        f"""
        select e.destination_group as destination_group, count(*)::integer as exits
        from fct_exits e
        join dim_participants d using (centre_id, participant_id)
        where {joined.sql}
          and e.exit_date between $p_start and $p_end
          and e.destination_group is not null and e.destination_group <> 'unknown'
        group by all
        """,
        dates,
    )
    destinations = (
        pl.DataFrame({"destination_group": list(DESTINATION_GROUPS)})
        .join(destinations, on="destination_group", how="left", maintain_order="left")
        .with_columns(
            pl.col("exits").fill_null(0),
            pl.col("destination_group").replace_strict(DESTINATION_GROUPS).alias("destination"),
        )
    )
    return {
        "centres_by_type": centres,
        "centres": int(totals["centres"]),
        "filieres": int(totals["filieres"]),
        "trainees": int(totals["trainees"]),
        "hours": float(totals["hours"]),
        "destinations": destinations.select("destination_group", "destination", "exits"),
    }


def _mask_chiffres(page: masking.Page, raw: dict, year_row: dict | None) -> dict:
    """Register the chiffres clés on `page` (with `year_row`: the cells of the same year in
    the year-by-year table, which they must agree with), run it, and shape the result."""
    destinations = raw["destinations"]
    counts = pl.DataFrame(
        {"trainees": [raw["trainees"]], "known": [int(destinations["exits"].sum())]}
    )
    page.add("cc_counts", counts, ["trainees", "known"], cost=masking.HEADLINE)
    page.add("cc_destinations", destinations, ["exits"])
    known = page.ref("cc_counts", "known")
    page.total(known, page.refs("cc_destinations", "exits"))
    if year_row is not None:
        page.total(year_row["in_training"], [page.ref("cc_counts", "trainees")])
        # A positive exit is an exit to employment or training (codes.csv): the same exits.
        positive = pl.col("destination_group").is_in(["employment", "training"])
        page.total(year_row["positive_exits"], page.refs("cc_destinations", "exits", positive))
        page.total(year_row["exits"], [known])
    return page


def _chiffres_result(raw: dict, frames: dict[str, pl.DataFrame]) -> dict:
    counts = frames["cc_counts"].row(0, named=True)
    destinations = masking.shares(
        frames["cc_destinations"].with_columns(pl.lit(counts["known"]).alias("known")),
        "exits",
        "known",
        "share",
    )
    return {
        "centres_by_type": raw["centres_by_type"],
        "figures": {
            "centres": raw["centres"],
            "filieres": raw["filieres"],
            "trainees": counts["trainees"],
            "trainees_shown": counts["trainees_shown"],
            "hours": raw["hours"],
            "known_destinations": counts["known"],
            "known_destinations_shown": counts["known_shown"],
        },
        "destinations": destinations.select(
            "destination",
            "exits",
            "exits_masked",
            "exits_shown",
            "share",
            "share_low",
            "share_high",
            "share_masked",
            "masked",
        ),
    }


def _monthly_sums(scope: Scope, filters: Filters, by: str | None = None) -> pl.DataFrame:
    """The counts of `agg_centre_month` summed per month, or per month and `code` (the
    population dimension `by`)."""
    where = Where.scoped(scope, filters, date="month", population_columns="")
    code = f", {by} as code" if by else ""
    order = "month, code" if by else "month"
    return query(
        f"""
        select month{code},
            sum(participants_in_training)::bigint as in_training,
            sum(entries)::bigint as entries,
            sum(exits)::bigint as exits,
            sum(positive_exits)::bigint as positive_exits,
            sum(hours)::double as hours
        from agg_centre_month
        where {where.sql}
        group by all
        order by {order}
        """,
        where.params,
    )


def _monthly_by_raw(scope: Scope, filters: Filters, by: str) -> pl.DataFrame:
    """`_monthly_sums` broken down by one population dimension: month, `code` (of `by`),
    `group` (its French label), the same counts. Every trainee is in exactly one group (the
    population columns are never null): a month's groups add up to the month."""
    if by not in POPULATION_DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}")
    frame = _monthly_sums(scope, filters, by)
    labels = contract.population_labels(by)
    order = {code: i for i, code in enumerate(labels)}
    return (
        frame.with_columns(
            pl.col("code").replace_strict(labels, default=pl.col("code")).alias("group"),
            pl.col("code").replace_strict(order, default=len(order)).alias("_order"),
        )
        .sort("month", "_order")
        .drop("_order")
    )


def monthly(scope: Scope, filters: Filters) -> pl.DataFrame:
    """Per month of the period (`agg_centre_month`): trainees in training, entries, exits,
    positive exits, hours. Masked on its own (the Accueil page masks it with the period's
    figures, which its months add up to: `page`)."""
    frame = _monthly_sums(scope, filters)
    page = masking.Page(scope.mask_small_counts)
    page.add("months", frame, MONTH_COUNTS)
    _month_relations(page)
    return page.run()["months"]


MONTH_COUNTS = ("in_training", "entries", "exits", "positive_exits")
ADDITIVE = ("entries", "exits", "positive_exits")  # a period's count is the sum of its parts'
SHARES = {  # share: (numerator, base)
    "with_barrier_lifted": ("with_barrier_lifted", "in_training"),
    "with_milestone": ("with_milestone", "in_training"),
    "positive_exits": ("positive_exits", "exits"),
}


def _month_relations(page: masking.Page) -> None:
    exits, positive = page.refs("months", "exits"), page.refs("months", "positive_exits")
    for whole, part in zip(exits, positive, strict=True):
        page.complement(whole, part)


# --- coverage and comparisons -----------------------------------------------------------------


def period_label(period: Period) -> str:
    """`2024` or `2022–2024`."""
    y0, y1 = period.start.year, period.end.year
    return str(y0) if y0 == y1 else f"{y0}–{y1}"


@dataclass(frozen=True)
class Coverage:
    """Which centres sent data for a period (`parcours.analytics.quality`: a centre covers a
    period when it sent hours for at least 10 months out of 12 of it)."""

    label: str
    months: int  # months in the period
    needed: int  # months with hours a centre needs to cover it
    in_scope: int  # centres in the scope and filters
    months_per_centre: dict[str, int]  # centres with hours in the period → months with hours

    @property
    def covering(self) -> frozenset[str]:
        return frozenset(c for c, m in self.months_per_centre.items() if m >= self.needed)

    @property
    def with_data(self) -> frozenset[str]:
        return frozenset(c for c, m in self.months_per_centre.items() if m > 0)

    @property
    def text(self) -> str:
        """« 2 / 3 » : centres that cover the period / centres in scope."""
        return f"{len(self.covering)} / {self.in_scope}"


def coverage(scope: Scope, filters: Filters, periods: list[Period]) -> list[Coverage]:
    """The coverage of each period by the centres of the scope and filters (the filière filter
    does not apply: a centre sends its hours for all its filières)."""
    where = Where.scoped(scope, filters, filiere=None, use_years=False, use_population=False)
    centres = query(f"select centre_id from dim_centres where {where.sql}", where.params)
    ids = centres["centre_id"].to_list()
    months = pl.DataFrame()
    if ids:
        cur = cursor()
        try:
            months = quality.months_with_hours(cur, ids, [(p.start, p.end) for p in periods])
        finally:
            cur.close()
    out = []
    for i, period in enumerate(periods):
        total, needed = quality.months_needed(period.start, period.end)
        per_centre = {}
        if not months.is_empty():
            per_centre = {
                c: int(m) for c, m in zip(months["centre_id"], months[f"months_{i}"], strict=True)
            }
        out.append(Coverage(period_label(period), total, needed, len(ids), per_centre))
    return out


def _centres(n: int) -> str:
    return "1 centre" if n == 1 else f"{n} centres"


def no_comparison(current: Coverage, previous: Coverage) -> str | None:
    """Why the two periods cannot be compared (a plain French sentence), or None when they can:
    every centre that sent data for either period covers both."""
    active = current.with_data | previous.with_data
    if not active:
        return (
            f"Pas de comparaison : aucun centre n'a envoyé d'heures de formation pour "
            f"{current.label} ni pour {previous.label}."
        )
    reasons = []
    for cov in (previous, current):
        none = [c for c in active if cov.months_per_centre.get(c, 0) == 0]
        partial = [c for c in active if 0 < cov.months_per_centre.get(c, 0) < cov.needed]
        if none:
            verb = "n'a" if len(none) == 1 else "n'ont"
            reasons.append(f"{_centres(len(none))} {verb} pas de données pour {cov.label}")
        if partial:
            verb = "n'a" if len(partial) == 1 else "n'ont"
            reasons.append(
                f"{_centres(len(partial))} {verb} que des données partielles pour {cov.label} "
                f"(moins de {cov.needed} mois sur {cov.months})"
            )
    if not reasons:
        return None
    return (
        "Pas de comparaison : "
        + " ; ".join(reasons)
        + ". Deux périodes ne sont comparées que si les mêmes centres ont envoyé leurs données "
        f"pour l'une et l'autre (des heures pour au moins {quality.COVERED_MONTHS_PER_YEAR} "
        "mois sur 12)."
    )


# --- the page ---------------------------------------------------------------------------------


def page(scope: Scope, filters: Filters, year: int | None = None, by: str | None = None) -> dict:
    """Everything the Accueil page shows, masked together (`masking.Page`):

    - `figures`: one row per key figure of the period (label, value, previous, change, share
      and its Wilson 95 % interval, base: the share's denominator);
    - `comparison`: {"comparable", "reason", "current", "previous"} — the previous period is
      shown only when the same centres covered both (`no_comparison`);
    - `years`: one row per year with data in the scope: every key figure, its shares with their
      intervals, and the coverage (centres that cover the year / centres in scope);
    - `months`: the period's months (`monthly`), each row kept when masked;
    - `chiffres` (when `year` is given): the Interfédé's chiffres clés of that year;
    - `months_by` (when `by`, a population dimension, is given): the months broken down by it
      (« Ventiler par »): each group's counts masked, each month's groups adding up to the
      month shown beside them (so a group's masked count cannot be had by subtraction).

    What adds up on the page: the period's entries, exits and positive exits are the sums of its
    years' and of its months'; a year's are the sum of its months'; the chiffres clés' trainees
    are the year's trainees in training, their destinations add up to the exits with a known
    destination, employment and training to the positive exits; a share's numerator is part of
    its base (the rest is protected too)."""
    if filters.years is None:
        raise ValueError("key figures need a period")
    mask = scope.mask_small_counts
    current = Period.of_years(filters.years)
    previous = current.previous()
    years = _data_years(scope, filters)
    year_periods = [Period.of_years((y, y)) for y in years]
    per_year = _by_year(scope, filters, years)
    of_year = dict(zip(years, per_year, strict=True))
    if current.start.year == current.end.year and current.start.year in of_year:
        # One year (the usual case): the year-by-year figures are the period's (same
        # definitions); a year before the data has nothing.
        nothing = dict.fromkeys(of_year[current.start.year], 0)
        nothing["hours"] = 0.0
        raw = [of_year[current.start.year], of_year.get(previous.start.year, nothing)]
    else:
        raw = raw_figures(scope, filters, current, previous)
    raw += per_year
    cov = coverage(scope, filters, [current, previous, *year_periods])
    reason = no_comparison(cov[0], cov[1])
    comparable = reason is None

    counts = list(PERSON_COUNTS)
    schema = {**{k: pl.Int64 for k in counts}, "hours": pl.Float64}
    rows = [{"period": "current", **raw[0]}]
    if comparable:  # otherwise the previous period is not shown at all
        rows.append({"period": "previous", **raw[1]})
    periods = pl.DataFrame(rows, schema={"period": pl.String, **schema})
    by_year = pl.DataFrame(
        [{"year": y, **figures} for y, figures in zip(years, raw[2:], strict=True)],
        schema={"year": pl.Int64, **schema},
    )
    months = _monthly_sums(scope, filters)

    page = masking.Page(mask)
    page.add("periods", periods, counts, cost=masking.HEADLINE)
    page.add("years", by_year, counts, cost=3)
    page.add("months", months, MONTH_COUNTS)
    _month_relations(page)
    if by is not None:
        months_by = _monthly_by_raw(scope, filters, by)
        page.add("months_by", months_by, MONTH_COUNTS)
        exits, positive = page.refs("months_by", "exits"), page.refs("months_by", "positive_exits")
        for whole, part in zip(exits, positive, strict=True):
            page.complement(whole, part)
        for month in months["month"].to_list():
            inside = pl.col("month") == month
            for key in MONTH_COUNTS:
                page.total(page.ref("months", key, inside), page.refs("months_by", key, inside))
    for name in ("periods", "years"):
        for row in range(page.height(name)):
            for numerator, base in SHARES.values():
                page.complement(page.at(name, row, base), page.at(name, row, numerator))
    month_year = pl.col("month").dt.year()
    for key in ADDITIVE:
        for label, period in (("current", current), ("previous", previous)):
            whole = page.ref("periods", key, pl.col("period") == label)
            if whole is None:
                continue
            inside = pl.col("year").is_between(period.start.year, period.end.year)
            page.total(whole, page.refs("years", key, inside))
        page.total(
            page.ref("periods", key, pl.col("period") == "current"),
            page.refs("months", key, month_year.is_between(current.start.year, current.end.year)),
        )
        for y in range(current.start.year, current.end.year + 1):
            whole = page.ref("years", key, pl.col("year") == y)
            if whole is not None:
                page.total(whole, page.refs("months", key, month_year == y))
    cc_raw = None
    if year is not None:
        cc_raw = _chiffres_raw(scope, filters, year)
        year_row = None
        if year in years:
            year_row = {
                key: page.ref("years", key, pl.col("year") == year)
                for key in ("in_training", "exits", "positive_exits")
            }
        _mask_chiffres(page, cc_raw, year_row)
    frames = page.run()

    out = {
        "figures": _figures(frames["periods"], comparable),
        "comparison": {
            "comparable": comparable,
            "reason": reason,
            "current": cov[0].text,
            "previous": cov[1].text,
            "current_label": cov[0].label,
            "previous_label": cov[1].label,
        },
        "years": _years(frames["years"], cov[2:]),
        "months": frames["months"],
    }
    if by is not None:
        out["months_by"] = frames["months_by"]
    if cc_raw is not None:
        out["chiffres"] = _chiffres_result(cc_raw, frames)
    out["presumed_exits"] = presumed_exits(scope, filters, filters.years)
    return out


def _by_year(scope: Scope, filters: Filters, years: list[int]) -> list[dict[str, float]]:
    """`raw_figures` of each calendar year, by grouping `fct_participant_year_figures` on the
    year (one pass instead of one filtered aggregate per year)."""
    if not years:
        return []
    where = _participants(scope, filters)
    sql = f"""
        with p as (
            select centre_id, participant_id
            from dim_participants where {where.sql} and entry_date is not null
        ),
        years as (select unnest($years::integer[]) as year),
        figures as (
            select f.year,
                count(*) filter (where f.is_in_training) as in_training,
                sum(f.entries) as entries,
                sum(f.exits) as exits,
                sum(f.positive_exits) as positive_exits,
                sum(f.hours) as hours,
                count(*) filter (where f.is_in_training and f.has_barrier_lifted)
                    as with_barrier_lifted,
                count(*) filter (where f.is_in_training and f.has_milestone) as with_milestone
            from fct_participant_year_figures f join p using (centre_id, participant_id)
            where f.year in (select year from years)
            group by f.year
        )
        select y.year,
            coalesce(figures.in_training, 0) as in_training,
            coalesce(figures.entries, 0) as entries,
            coalesce(figures.exits, 0) as exits,
            coalesce(figures.positive_exits, 0) as positive_exits,
            coalesce(figures.hours, 0)::double as hours,
            coalesce(figures.with_barrier_lifted, 0) as with_barrier_lifted,
            coalesce(figures.with_milestone, 0) as with_milestone
        from years y
        left join figures using (year)
        order by y.year
    """
    frame = query(sql, {**where.params, "years": list(years)})
    return [
        {k: (float(r[k]) if k == "hours" else int(r[k])) for k in KEYS}
        for r in frame.iter_rows(named=True)
    ]


def _data_years(scope: Scope, filters: Filters) -> list[int]:
    """The years with trainees in the scope and filters (as the shared year filter offers)."""
    where = _participants(scope, filters)
    found = query(
        f"select min(entry_year) as y0, max(greatest(entry_year, year(coalesce(exit_date, "
        f"entry_date)))) as y1 from dim_participants where {where.sql}",
        where.params,
    )
    y0, y1 = found["y0"][0], found["y1"][0]
    return [] if y0 is None else list(range(int(y0), int(y1) + 1))


def _with_shares(frame: pl.DataFrame) -> pl.DataFrame:
    for share, (numerator, base) in SHARES.items():
        frame = masking.shares(frame, numerator, base, f"{share}_share")
    return frame


def _figures(periods: pl.DataFrame, comparable: bool) -> pl.DataFrame:
    periods = _with_shares(periods)
    rows = {r["period"]: r for r in periods.iter_rows(named=True)}
    now, before = rows["current"], rows.get("previous", {})
    out = []
    for key, label in FIGURES:
        value, previous = now[key], before.get(key)
        masked = key in PERSON_COUNTS and now[masking.masked_column(key)]
        previous_masked = key in PERSON_COUNTS and bool(before.get(masking.masked_column(key)))
        change = None
        if comparable and value is not None and previous is not None:
            change = float(value - previous)
        row = {
            "figure": key,
            "label": label,
            "value": None if value is None else float(value),
            "value_masked": masked,
            "value_shown": now.get(f"{key}_shown"),
            "previous": None if previous is None else float(previous),
            "previous_masked": previous_masked,
            "previous_shown": before.get(f"{key}_shown"),
            "change": change,
            "change_masked": comparable and change is None,
            "share": None,
            "share_low": None,
            "share_high": None,
            "share_masked": False,
            "share_previous": None,
            "share_previous_masked": False,
            "base": None,
            "base_masked": False,
            "base_shown": None,
        }
        if key in SHARES:
            base = SHARES[key][1]
            row.update(
                share=now[f"{key}_share"],
                share_low=now[f"{key}_share_low"],
                share_high=now[f"{key}_share_high"],
                share_masked=now[f"{key}_share_masked"],
                share_previous=before.get(f"{key}_share"),
                share_previous_masked=bool(before.get(f"{key}_share_masked")),
                base=None if now[base] is None else float(now[base]),
                base_masked=now[masking.masked_column(base)],
                base_shown=now[f"{base}_shown"],
            )
        out.append(row)
    return pl.DataFrame(
        out,
        schema_overrides={
            c: pl.Float64
            for c in (
                "value",
                "previous",
                "change",
                "share",
                "share_low",
                "share_high",
                "share_previous",
                "base",
            )
        },  # fmt: skip
    )


def _years(frame: pl.DataFrame, cov: list[Coverage]) -> pl.DataFrame:
    frame = _with_shares(frame)
    covering = [len(c.covering) for c in cov]
    comparable = [False] + [
        no_comparison(now, before) is None for before, now in itertools.pairwise(cov)
    ]
    return frame.with_columns(
        pl.Series("centres_covering", covering, dtype=pl.Int64),
        pl.Series("centres_in_scope", [c.in_scope for c in cov], dtype=pl.Int64),
        pl.Series("coverage", [c.text for c in cov], dtype=pl.String),
        pl.Series("comparable_with_previous", comparable[: frame.height], dtype=pl.Boolean),
    )
