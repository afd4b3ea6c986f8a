"""Attacks on what a federation sees: over many small generated warehouses, a reader who knows how
the figures of a page fit together tries to get a masked count back from what the same page shows
— subtracting the visible parts from a total (iterated, so chains of totals are followed), a
rate × its base, a share's complement, the differences of the numbers at risk under a survival
curve or of a cohort's cumulative counts, the months against the period's total, bounds (masked
counts are between 1 and 4). None may recover a count from 1 to 4 exactly.

The attacker knows the pages' definitions (written here from the captions, not from the code's
declarations) and sees only the masked frames; the true values come from the same page function
for an unmasked scope of the same centres, itself checked against plain-Python counts of the
generated records (`test_the_unmasked_truth_is_the_records`)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from parcours.analytics import barriers, home, outcomes, partnerships
from parcours.warehouse.reader import Filters, Scope
from tests import generated_warehouse as gw
from tests.depth import examples

# Slow (many page runs): first under xdist, left out of `make test-quick`. `make test` attacks
# the home page (« Accueil ») on three worlds and checks the truth on two; the other pages' attacks
# and the full number of worlds (12 each) are for `make test-all` (`exhaustive`).
pytestmark = pytest.mark.slow

SETTINGS = settings(
    max_examples=int(os.environ.get("PARCOURS_ATTACK_EXAMPLES", examples(12, 3))),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
YEARS = [(2024, 2024), (2023, 2024)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("attacks")


_count = itertools.count()


def served(world: gw.World, folder: Path, monkeypatch) -> None:
    root = folder / f"w{next(_count)}"
    shutil.rmtree(root, ignore_errors=True)
    gw.write(world, root)
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(root))


def scopes(world: gw.World):
    """Each federation's scope and the Interfédé's (all centres), masked and not."""
    for ids in [*world.federations().values(), None]:
        ids = None if ids is None else tuple(sorted(ids))
        yield Scope(ids, False, True), Scope(ids, False, False)


# --- the attacker -------------------------------------------------------------------------------


class Reader:
    """What one reader knows: the shown cells (None when masked), the true values (to judge a
    guess, never to make one), and the relations between cells the page's definitions imply."""

    def __init__(self):
        self.shown: dict = {}
        self.truth: dict = {}
        self.sums: list[tuple[object, list]] = []  # total = Σ parts (cells, or unknown names)
        self.series: list[list] = []  # cells whose consecutive differences are counts
        self.rates: list[tuple[object, object, float]] = []  # numerator cell, base cell, share
        self.subsets: list[tuple[object, object]] = []  # (whole, part): whole − part is a count
        self.leaks: list[str] = []
        self.labels: dict = {}

    def frame(self, name: str, masked: pl.DataFrame, truth: pl.DataFrame, keys, columns):
        truth_rows = {tuple(r[k] for k in keys): r for r in truth.iter_rows(named=True)}
        for r in masked.iter_rows(named=True):
            key = tuple(r[k] for k in keys)
            for column in columns:
                cell = (name, key, column)
                self.shown[cell] = r[column]
                self.truth[cell] = truth_rows[key][column]
                self.labels[cell] = r.get(f"{column}_shown")

    def bounds(self, cell) -> tuple[float, float]:
        """What the label of a masked cell says: « < 5 » 1 to 4, « masqué » 5 or more."""
        if cell not in self.shown:
            return 0.0, float("inf")
        if self.labels.get(cell) == "masqué":
            return 5.0, float("inf")
        return 1.0, 4.0

    def value(self, cell):
        return self.shown.get(cell)

    def leak(self, what: str, cell, guess) -> None:
        true = self.truth.get(cell)
        if true is not None and 1 <= true <= 4 and guess == true:
            self.leaks.append(f"{what}: {cell} = {guess}")

    def attack(self) -> list[str]:
        known = {c: v for c, v in self.shown.items() if v is not None}
        # Iterated subtraction along every total (unknown names are solved too, e.g. the
        # population behind « avec / sans »).
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                members = [total, *parts]
                missing = [m for m in members if m not in known]
                if len(missing) != 1:
                    continue
                (m,) = missing
                rest = sum(known[p] for p in parts if p in known)
                guess = known[total] - rest if m != total else rest
                known[m] = guess
                changed = True
                # A masked cell, or a count the page does not show (e.g. the population).
                self.leak("soustraction", m, guess)
        # Bounds: what is left of a total once the known parts are taken away, shared among
        # masked cells each between the bounds its label says.
        for total, parts in self.sums:
            if total not in known:
                continue
            unknown = [p for p in parts if p not in known]
            if not unknown:
                continue
            rest = known[total] - sum(known[p] for p in parts if p in known)
            limits = {p: self.bounds(p) for p in unknown}
            for p in unknown:
                others = [q for q in unknown if q != p]
                low = max(limits[p][0], rest - sum(limits[q][1] for q in others))
                high = min(limits[p][1], rest - sum(limits[q][0] for q in others))
                if low == high:
                    self.leak(f"bornes ({rest} pour {len(unknown)})", p, low)
        for numerator, base, share in self.rates:
            if share is not None and numerator not in known and base in known:
                self.leak("part × base", numerator, round(share * known[base]))
            if share and numerator in known and base not in known:
                self.leak("effectif / part", base, round(known[numerator] / share))
        for whole, part in self.subsets:
            if whole in known and part in known:
                self.leak_hidden("complément", (whole, part), known[whole] - known[part])
        for cells in self.series:
            for a, b in itertools.pairwise(cells):
                if a in known and b in known:
                    self.leak_hidden("différence", (a, b), abs(known[a] - known[b]))
        return self.leaks

    def leak_hidden(self, what: str, cells, guess) -> None:
        a, b = cells
        true = abs(self.truth[a] - self.truth[b])
        if 1 <= true <= 4 and guess == true:
            self.leaks.append(f"{what}: {a} − {b} = {guess}")


def rows(frame: pl.DataFrame, keys) -> list[tuple]:
    return [tuple(r[k] for k in keys) for r in frame.iter_rows(named=True)]


# --- Accueil --------------------------------------------------------------------------------


def accueil_reader(masked: dict, truth: dict, years: tuple[int, int]) -> Reader:
    r = Reader()
    figures = ["in_training", "entries", "exits", "with_barrier_lifted", "with_milestone",
               "positive_exits"]  # fmt: skip
    r.frame("figures", masked["figures"], truth["figures"], ["figure"], ["value"])
    r.frame("months", masked["months"], truth["months"], ["month"],
            ["in_training", "entries", "exits", "positive_exits"])  # fmt: skip
    r.frame("years", masked["years"], truth["years"], ["year"], figures)
    cc_m, cc_t = masked["chiffres"], truth["chiffres"]
    r.frame("cc", cc_m["destinations"], cc_t["destinations"], ["destination"], ["exits"])
    r.shown[("cc", "known")] = cc_m["figures"]["known_destinations"]
    r.truth[("cc", "known")] = cc_t["figures"]["known_destinations"]
    r.shown[("cc", "trainees")] = cc_m["figures"]["trainees"]
    r.truth[("cc", "trainees")] = cc_t["figures"]["trainees"]
    months = rows(masked["months"], ["month"])
    year_keys = [k[0] for k in rows(masked["years"], ["year"])]
    for key in ("entries", "exits", "positive_exits"):
        period = ("figures", (key,), "value")
        r.sums.append((period, [("months", m, key) for m in months]))
        inside = [("years", (y,), key) for y in year_keys if years[0] <= y <= years[1]]
        r.sums.append((period, inside))
        for y in range(years[0], years[1] + 1):
            if y in year_keys:
                r.sums.append(
                    (("years", (y,), key), [("months", m, key) for m in months if m[0].year == y])
                )
    cc_year = years[1]
    destinations = [("cc", (d,), "exits") for (d,) in rows(cc_m["destinations"], ["destination"])]
    r.sums.append((("cc", "known"), destinations))
    if cc_year in year_keys:
        r.sums.append((("years", (cc_year,), "in_training"), [("cc", "trainees")]))
        r.sums.append(
            (
                ("years", (cc_year,), "positive_exits"),
                [("cc", ("Formation",), "exits"), ("cc", ("Emploi",), "exits")],
            )  # fmt: skip
        )
    bases = {"with_barrier_lifted": "in_training", "with_milestone": "in_training",
             "positive_exits": "exits"}  # fmt: skip
    for row in masked["figures"].iter_rows(named=True):
        if row["figure"] in bases:
            num = ("figures", (row["figure"],), "value")
            base = ("figures", (bases[row["figure"]],), "value")
            r.rates.append((num, base, row["share"]))
            r.subsets.append((base, num))
    for row in masked["years"].iter_rows(named=True):
        for num, base in bases.items():
            cells = (("years", (row["year"],), num), ("years", (row["year"],), base))
            r.rates.append((*cells, row[f"{num}_share"]))
            r.subsets.append((cells[1], cells[0]))
    for m in months:
        r.subsets.append((("months", m, "exits"), ("months", m, "positive_exits")))
    for row in cc_m["destinations"].iter_rows(named=True):
        r.rates.append((("cc", (row["destination"],), "exits"), ("cc", "known"), row["share"]))
    return r


@SETTINGS
@given(world=gw.worlds())
def test_accueil_gives_no_masked_count_away(world, folder, monkeypatch):
    served(world, folder, monkeypatch)
    for masked_scope, truth_scope in scopes(world):
        for years in YEARS:
            f = Filters(years=years)
            masked = home.page(masked_scope, f, years[1])
            truth = home.page(truth_scope, f, years[1])
            assert accueil_reader(masked, truth, years).attack() == []


# --- Freins levés ---------------------------------------------------------------------------


def freins_reader(masked: dict, truth: dict, world: gw.World) -> Reader:
    durations: dict[str, list[int]] = {}
    for t in world.trainees:
        for e in t.episodes:
            if not 2022 <= e.identified_on.year <= 2024:
                continue
            group = barriers.GROUP_LABELS.get(gw.GROUPS["barrier"].get(e.barrier), "Autre")
            duration = e.lifted_after if e.lifted_after is not None else e.observed_days
            durations.setdefault(group, []).append(duration)
    r = Reader()
    counts = ["trainees", "episodes", "lifted", "setbacks", "trainees_with_setback"]
    r.frame("groups", masked["groups"], truth["groups"], ["group_label"], counts)
    r.frame("barriers", masked["barriers"], truth["barriers"], ["barrier"], counts)
    r.frame("distance", masked["distance"], truth["distance"], ["barrier"], ["trainees"])
    r.frame("risk", masked["at_risk"], truth["at_risk"], ["key", "time"], ["at_risk"])
    per = masked["barriers"]
    for (group,) in rows(masked["groups"], ["group_label"]):
        inside = per.filter(pl.col("group_label") == group)["barrier"].to_list()
        for column in ("episodes", "lifted", "setbacks"):
            r.sums.append(
                (("groups", (group,), column), [("barriers", (b,), column) for b in inside])
            )
        r.sums.append((("risk", (group, 0), "at_risk"), [("groups", (group,), "episodes")]))
    groups = [("groups", g, "episodes") for g in rows(masked["groups"], ["group_label"])]
    r.sums.append((("risk", ("Tous les freins", 0), "at_risk"), groups))
    risk = masked["at_risk"]
    names = [g for (g,) in rows(masked["groups"], ["group_label"])]
    for (t,) in rows(risk.select("time").unique(), ["time"]):
        # A group no longer drawn at t (fewer than 10 followed) is an unknown of the sum; its
        # true number, from the records, must not come out either.
        for g in names:
            cell = ("risk", (g, t), "at_risk")
            if cell not in r.shown:
                r.truth[cell] = sum(1 for d in durations.get(g, []) if d >= t)
        r.sums.append(
            (
                ("risk", ("Tous les freins", t), "at_risk"),
                [("risk", (g, t), "at_risk") for g in names],
            )  # fmt: skip
        )
    for (key,) in rows(risk.select("key").unique(), ["key"]):
        times = sorted(risk.filter(pl.col("key") == key)["time"].to_list())
        r.series.append([("risk", (key, t), "at_risk") for t in times])
    for (b,) in rows(masked["distance"], ["barrier"]):
        r.sums.append((("barriers", (b,), "trainees"), [("distance", (b,), "trainees")]))
    for name, key in (("groups", "group_label"), ("barriers", "barrier")):
        for row in masked[name].iter_rows(named=True):
            lifted, episodes = ((name, (row[key],), c) for c in ("lifted", "episodes"))
            r.rates.append((lifted, episodes, row["lift_rate"]))
            r.subsets.append((episodes, lifted))
    return r


@pytest.mark.exhaustive
@SETTINGS
@given(world=gw.worlds())
def test_freins_gives_no_masked_count_away(world, folder, monkeypatch):
    served(world, folder, monkeypatch)
    for masked_scope, truth_scope in scopes(world):
        f = Filters(years=(2022, 2024))
        masked = barriers.page(masked_scope, f)
        if masked["groups"].is_empty():
            continue
        truth = barriers.page(truth_scope, f)
        in_scope = [t for t in world.trainees if masked_scope.centre_ids is None
                    or t.centre_id in masked_scope.centre_ids]  # fmt: skip
        assert freins_reader(masked, truth, gw.World(world.centres, in_scope)).attack() == []


# --- Partenariats ---------------------------------------------------------------------------


def partenariats_reader(masked: dict, truth: dict) -> Reader:
    r = Reader()
    results = ["completed", "ongoing", "interrupted", "result_unknown"]
    r.frame("types", masked["types"], truth["types"], ["partner_type"],
            ["trainees", "engagements", *results])  # fmt: skip
    r.frame("purposes", masked["purposes"], truth["purposes"], ["partner_type", "purpose"],
            ["engagements"])  # fmt: skip
    r.frame("timing", masked["timing"], truth["timing"], ["partner_type"], ["engagements"])
    r.frame("heatmap", masked["heatmap"], truth["heatmap"], ["centre_id", "partner_type"],
            ["trainees"])  # fmt: skip
    assoc_columns = ["trainees", "with_milestone", "with_positive_exit"]
    association = masked["association"]
    if not association.is_empty():
        r.frame("assoc", association, truth["association"], ["partner_type", "with_partner"],
                assoc_columns)  # fmt: skip
    for (t,) in rows(masked["types"], ["partner_type"]):
        r.sums.append((("types", (t,), "engagements"), [("types", (t,), x) for x in results]))
        purposes = masked["purposes"].filter(pl.col("partner_type") == t)["purpose"].to_list()
        r.sums.append(
            (
                ("types", (t,), "engagements"),
                [("purposes", (t, p), "engagements") for p in purposes],
            )
        )
        centres = masked["heatmap"].filter(pl.col("partner_type") == t)["centre_id"].to_list()
        r.sums.append(
            (("types", (t,), "trainees"), [("heatmap", (c, t), "trainees") for c in centres])
        )
        # Every generated trainee has an entry date: the timing table has every partnership.
        r.sums.append((("types", (t,), "engagements"), [("timing", (t,), "engagements")]))
    if not association.is_empty():
        for column in assoc_columns:
            t = association["partner_type"][0]
            r.truth[("population", column)] = sum(
                r.truth[("assoc", (t, w), column)] or 0
                for w in (True, False)
                if ("assoc", (t, w), column) in r.truth
            )
        for (t,) in rows(association.select("partner_type").unique(), ["partner_type"]):
            for column in assoc_columns:
                r.sums.append(
                    (
                        ("population", column),
                        [
                            ("assoc", (t, w), column)
                            for w in (True, False)
                            if ("assoc", (t, w), column) in r.shown
                        ],
                    )  # fmt: skip
                )
        for row in association.iter_rows(named=True):
            key = (row["partner_type"], row["with_partner"])
            for measure, column in (("milestone", "with_milestone"),
                                    ("positive_exit", "with_positive_exit")):  # fmt: skip
                r.rates.append(
                    (("assoc", key, column), ("assoc", key, "trainees"), row[f"{measure}_share"])
                )
                if row[f"{measure}_excluded"]:
                    continue
                r.subsets.append((("assoc", key, "trainees"), ("assoc", key, column)))
    return r


@pytest.mark.exhaustive
@SETTINGS
@given(world=gw.worlds())
def test_partenariats_gives_no_masked_count_away(world, folder, monkeypatch):
    served(world, folder, monkeypatch)
    for masked_scope, truth_scope in scopes(world):
        f = Filters(years=(2022, 2024))
        masked = partnerships.page(masked_scope, f)
        if masked["types"].is_empty():
            continue
        truth = partnerships.page(truth_scope, f)
        assert partenariats_reader(masked, truth).attack() == []


# --- Résultats dans le temps -----------------------------------------------------------------


def resultats_reader(masked: dict, truth: dict) -> Reader:
    r = Reader()
    flow = masked["flow"]
    r.frame("flow", flow, truth["flow"], ["status_at_entry", "destination_group"],
            ["trainees", "status_total"])  # fmt: skip
    for (status,) in rows(flow.select("status_at_entry").unique(), ["status_at_entry"]):
        cells = flow.filter(pl.col("status_at_entry") == status)
        first = (status, cells["destination_group"][0])
        r.sums.append(
            (
                ("flow", first, "status_total"),
                [("flow", (status, d), "trainees") for d in cells["destination_group"]],
            )  # fmt: skip
        )
        for row in cells.iter_rows(named=True):
            key = (status, row["destination_group"])
            r.rates.append((("flow", key, "trainees"), ("flow", first, "status_total"),
                            row["share"]))  # fmt: skip
    cohorts = masked["cohorts"]
    if not cohorts.is_empty():
        keys = ["entry_year", "months_since_entry"]
        columns = ["with_milestone", "with_positive_exit", "cohort_size"]
        r.frame("cohorts", cohorts, truth["cohorts"], keys, columns)
        for (year,) in rows(cohorts.select("entry_year").unique(), ["entry_year"]):
            months = sorted(cohorts.filter(pl.col("entry_year") == year)["months_since_entry"])
            for column in ("with_milestone", "with_positive_exit"):
                r.series.append([("cohorts", (year, m), column) for m in months])
                for m in months:
                    r.subsets.append(
                        (("cohorts", (year, m), "cohort_size"), ("cohorts", (year, m), column))
                    )
        for row in cohorts.iter_rows(named=True):
            key = (row["entry_year"], row["months_since_entry"])
            for measure, column in (("milestone", "with_milestone"),
                                    ("positive_exit", "with_positive_exit")):  # fmt: skip
                r.rates.append(
                    (
                        ("cohorts", key, column),
                        ("cohorts", key, "cohort_size"),
                        row[f"{measure}_share"],
                    )  # fmt: skip
                )
    return r


@pytest.mark.exhaustive
@SETTINGS
@given(world=gw.worlds())
def test_resultats_gives_no_masked_count_away(world, folder, monkeypatch):
    served(world, folder, monkeypatch)
    for masked_scope, truth_scope in scopes(world):
        f = Filters(years=(2023, 2024))
        masked = outcomes.page(masked_scope, f)
        truth = outcomes.page(truth_scope, f)
        assert resultats_reader(masked, truth).attack() == []


# --- the truth the attacks are judged against ---------------------------------------------------


@settings(max_examples=examples(6, 2), deadline=None, suppress_health_check=list(HealthCheck))
@given(world=gw.worlds())
def test_the_unmasked_truth_is_the_records(world, folder, monkeypatch):
    """The unmasked pages count what the generated records say (plain Python on the World)."""
    served(world, folder, monkeypatch)
    scope = Scope(None, False, False)
    f = Filters(years=(2024, 2024))
    data = home.page(scope, f, 2024)
    people = world.trainees
    entries = Counter(t.entry.replace(day=1) for t in people if t.entry.year == 2024)
    months = {r["month"]: r["entries"] for r in data["months"].iter_rows(named=True)}
    assert {m: n for m, n in months.items() if n} == dict(entries)
    figures = {r["figure"]: r["value"] for r in data["figures"].iter_rows(named=True)}
    assert figures["entries"] == sum(entries.values())
    assert figures["exits"] == sum(1 for t in people if t.exit and t.exit.year == 2024)
    episodes = [e for t in people for e in t.episodes if e.identified_on.year <= 2024]
    freins = barriers.page(scope, Filters(years=(2022, 2024)))
    if episodes:
        got = {r["barrier"]: r["episodes"] for r in freins["barriers"].iter_rows(named=True)}
        assert got == dict(Counter(e.barrier for e in episodes))
        lifted = {r["barrier"]: r["lifted"] for r in freins["barriers"].iter_rows(named=True)}
        assert lifted == {
            b: sum(1 for e in episodes if e.barrier == b and e.lifted_after is not None)
            for b in got
        }
        risk = freins["at_risk"].filter(pl.col("key") == "Tous les freins")
        for t, n in zip(risk["time"], risk["at_risk"], strict=True):
            durations = [
                e.observed_days if e.lifted_after is None else e.lifted_after for e in episodes
            ]
            assert n == sum(1 for d in durations if d >= t)
    deals = [p for t in people for p in t.partnerships]
    if deals:
        types = partnerships.page(scope, Filters(years=(2022, 2024)))["types"]
        assert {r["partner_type"]: r["engagements"] for r in types.iter_rows(named=True)} == dict(
            Counter(p[0] for p in deals)
        )
