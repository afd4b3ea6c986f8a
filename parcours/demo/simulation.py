"""The simulation: fictional centres, the people who enter them, and the story of each path.

`generate()` is pure (no file written): N centres over Y years, calibrated on `calibration.py`,
returned as one canonical frame per (centre, kind) — codes and types of the export contract.
`writers.py` turns them into files.

Paths differ by who enters and when: the age band at entry, gender, education, status and
filière shift the barriers present, the time to lift them, the setbacks and returns, the
length (a DéFI path waits for its barriers, an EFT session hardly does), the partners (social
ones, employers for internships) and the outcome (`calibration.PATH_EFFECTS`, `STRETCH`,
`INTERNSHIPS`); each entry year's cohort has its own climate, with one slower year
(`year_climates()`). Centres differ in how they export (`export_habits()`): a few
joined late, some leave the filière empty for part of their trainees, some send their
participants file weeks before the others (undeclared trainees in hours and barriers).

Paths are not linear: barriers go down but sometimes up again (setbacks), trainees drop out and
some come back later, some move to another centre. Identity across paths is the national number:
per the export contract a participants row is one path in one centre, keyed by the centre's own
`participant_id`. So **a return after a dropout is a new `participant_id` in the same centre with
the same `niss`**, and a move is a new `participant_id` in another centre with the same `niss`;
the warehouse links them through `person_key`.

Reproducible: the same (centres, years, seed, until) give the same frames. `until` (the export
date) defaults to the last day of the previous month, so that no date is in the future.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import polars as pl

from parcours.contract import KINDS
from parcours.core.dates import add_months
from parcours.demo import calibration as cal

# --- helpers ---------------------------------------------------------------------------------


def _choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --- the centres ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCentre:
    centre_id: str
    name: str
    federation: str
    postal_code: int
    town: str
    province: str
    centre_type: str  # defi | eft | both
    style: str
    size: float  # relative to the average centre
    areas: tuple[str, ...]
    id_format: int
    # How the centre exports (`export_habits()`): the first month its files cover when it joined
    # late (None: the whole window), the share of its trainees written without filière, and how
    # many days its participants file lags its other files (trainees who entered since are
    # undeclared).
    starts_on: date | None = None
    no_filiere_share: float = 0.0
    participants_lag: int = 0


def _largest_remainder(weights: dict[str, float], n: int) -> list[str]:
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: n - sum(counts.values())]:
        counts[k] += 1
    return [k for k in weights for _ in range(counts[k])]


def make_centres(n: int, rng: random.Random) -> list[DemoCentre]:
    """N fictional centres: types in the sector's 76/57/18 proportion, five federations
    (Lire et Écrire only runs DéFI literacy centres), towns across the Walloon provinces."""
    types = _largest_remainder(cal.CENTRE_TYPES, n)
    rng.shuffle(types)
    federations = []
    for centre_type in types:
        # About half the centres run DéFI: Lire et Écrire takes its share among those.
        if centre_type == "defi" and rng.random() < cal.LEW_SHARE / 0.5:
            federations.append("Lire et Écrire Wallonie")
        else:
            federations.append(_choice(rng, cal.FEDERATION_WEIGHTS))
    sizes = [rng.uniform(0.5, 1.5) for _ in range(n)]
    mean_size = sum(sizes) / n
    names = list(cal.CENTRE_NAMES)
    rng.shuffle(names)
    centres = []
    used: set[str] = set()
    for i, (centre_type, federation) in enumerate(zip(types, federations, strict=True)):
        province = _choice(rng, cal.PROVINCE_WEIGHTS)
        town, postal_code = rng.choice(cal.TOWNS[province])
        prefix = {"eft": "EFT", "defi": "DéFI", "both": "CISP"}[centre_type]
        if federation == "Lire et Écrire Wallonie":
            candidates = [f"Lire et Écrire {town}"] + [
                f"Lire et Écrire {town} — antenne {n}" for n in range(2, 20)
            ]
        else:
            candidates = [f"{prefix} {base} — {town}" for base in names[i % len(names) :]]
            candidates += [f"{prefix} {base} — {town}" for base in names[: i % len(names)]]
            candidates += [f"{prefix} {base} II — {town}" for base in names]
        name = next(c for c in candidates if c not in used)
        used.add(name)
        name += " (fictif)"
        if federation == "Lire et Écrire Wallonie":
            areas: tuple[str, ...] = tuple(cal.LEW_AREAS)
        else:
            eft_areas = tuple(rng.sample(cal.EFT_AREAS, 2 + rng.randrange(2)))
            defi_areas = tuple(rng.sample(cal.DEFI_AREAS, 2))
            areas = {"eft": eft_areas, "defi": defi_areas, "both": eft_areas + defi_areas}[
                centre_type
            ]
        centres.append(
            DemoCentre(
                centre_id=f"C{i + 1:03d}",
                name=name,
                federation=federation,
                postal_code=postal_code,
                town=town,
                province=province,
                centre_type=centre_type,
                style=cal.STYLES[i % len(cal.STYLES)],
                size=sizes[i] / mean_size,
                areas=areas,
                id_format=i % 4,
            )
        )
    return centres


def export_habits(
    centres: list[DemoCentre], until: date, years: int, seed: int
) -> list[DemoCentre]:
    """The centres with their export habits (`calibration`, « how centres export »): a few
    joined late, some leave the filière empty for part of their trainees, some send their
    participants file some weeks before the others. Drawn apart from the paths, so that they
    stay the same whatever the paths draw."""
    rng = random.Random(f"{seed}/export-habits")
    n = len(centres)

    def pick(share: float, first: int) -> set[int]:
        pool = list(range(first, n))
        return set(rng.sample(pool, min(len(pool), round(share * n))))

    late = pick(cal.LATE_START_SHARE, 2) if years >= 2 else set()
    no_filiere = pick(cal.NO_FILIERE_SHARE, 0)
    lagging = pick(cal.LAGGING_PARTICIPANTS_SHARE, 3)
    habits = []
    for i, centre in enumerate(centres):
        changes: dict = {}
        if i in late:
            months = rng.randint(*cal.LATE_START_MONTHS)
            changes["starts_on"] = add_months(until.replace(day=1), 1 - months)
        if i in no_filiere:
            changes["no_filiere_share"] = round(rng.uniform(*cal.NO_FILIERE_ROWS), 2)
        if i in lagging:
            changes["participants_lag"] = rng.randint(*cal.PARTICIPANTS_LAG_DAYS)
        habits.append(replace(centre, **changes) if changes else centre)
    return habits


@dataclass(frozen=True)
class YearClimates:
    """Each entry year's multipliers on the path odds (`positive`, `lift`, `dropout`), the share
    of the usual entries per calendar year (1 when absent) and the slower year, if any."""

    effects: dict[int, dict[str, float]]
    entries: dict[int, float]
    slow_year: int | None


def year_climates(first: int, last: int, seed: int) -> YearClimates:
    """A slow drift, each year's own luck and one slower year in the middle of the window
    (`calibration`, « entry years differ »), scaled to average 1 over the window."""
    rng = random.Random(f"{seed}/years")
    years = list(range(first, last + 1))
    middle = years[1:-1]
    slow = None
    if middle:
        slow = cal.SLOW_YEAR if cal.SLOW_YEAR in middle else rng.choice(middle)
    effects = {}
    for year in years:
        trend = 1 + cal.YEAR_TREND * (year - first)
        slowdown = cal.SLOW_YEAR_EFFECTS if year == slow else {}
        effects[year] = {
            "positive": trend * rng.gauss(1, cal.YEAR_LUCK) * slowdown.get("positive", 1.0),
            "lift": trend * rng.gauss(1, cal.YEAR_LUCK) * slowdown.get("lift", 1.0),
            "dropout": slowdown.get("dropout", 1.0),
        }
    for name in ("positive", "lift"):
        mean = sum(e[name] for e in effects.values()) / len(effects)
        for e in effects.values():
            e[name] /= mean
    entries = {slow: cal.SLOW_YEAR_ENTRIES} if slow else {}
    return YearClimates(effects, entries, slow)


# --- the simulation ---------------------------------------------------------------------------


def _age_band(birth: date, on: date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next(band for below, band in cal.AGE_BANDS if age < below)


def niss_for(birth: date, serial: int) -> str:
    """A valid Belgian national number (YYMMDD + serial + mod-97 check; births from 2000 on
    are checked with a leading 2)."""
    base = f"{birth:%y%m%d}{serial:03d}"
    number = int(("2" if birth.year >= 2000 else "") + base)
    return f"{base}{97 - number % 97:02d}"


@dataclass
class _Person:
    niss: str
    birth_date: date
    gender: str
    education: str
    postal_code: int


@dataclass
class _Path:
    seq: int
    centre: int
    person: _Person
    entry: date
    depth: int
    origin: str  # fresh | return | move
    participant_id: str = ""
    participant: dict = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)


@dataclass
class DemoData:
    """The simulated exports: `frames[centre_id][kind]` in canonical codes and types (the
    participants frame also has `birth_date` and the clear `niss`, written by some styles)."""

    centres: list[DemoCentre]
    frames: dict[str, dict[str, pl.DataFrame]]
    until: date
    seed: int
    slow_year: int | None = None


SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "participants": {
        "participant_id": pl.String,
        "entry_date": pl.Date,
        "birth_year": pl.Int32,
        "birth_date": pl.Date,
        "gender": pl.String,
        "education": pl.String,
        "postal_code": pl.Int32,
        "filiere": pl.String,
        "training_area": pl.String,
        "referral": pl.String,
        "status_at_entry": pl.String,
        "niss": pl.String,
    },
    "barriers": {
        "participant_id": pl.String,
        "assessed_on": pl.Date,
        "barrier": pl.String,
        "level": pl.Int32,
    },
    "partnerships": {
        "participant_id": pl.String,
        "started_on": pl.Date,
        "partner_type": pl.String,
        "partner_name": pl.String,
        "purpose": pl.String,
        "ended_on": pl.Date,
        "result": pl.String,
    },
    "milestones": {
        "participant_id": pl.String,
        "achieved_on": pl.Date,
        "milestone": pl.String,
        "detail": pl.String,
    },
    "exits": {
        "participant_id": pl.String,
        "exit_date": pl.Date,
        "destination": pl.String,
        "reason": pl.String,
    },
    "followups": {"participant_id": pl.String, "observed_on": pl.Date, "situation": pl.String},
    "hours": {"participant_id": pl.String, "month": pl.Date, "hours": pl.Float64},
}
_SORT = {
    "participants": ["entry_date", "participant_id"],
    "barriers": ["participant_id", "assessed_on", "barrier"],
    "partnerships": ["participant_id", "started_on", "partner_type"],
    "milestones": ["participant_id", "achieved_on", "milestone"],
    "exits": ["participant_id", "exit_date"],
    "followups": ["participant_id", "observed_on"],
    "hours": ["participant_id", "month"],
}


class _Simulator:
    def __init__(
        self,
        centres: list[DemoCentre],
        until: date,
        rng: random.Random,
        climates: YearClimates,
    ):
        self.centres = centres
        self.until = until
        self.rng = rng
        self.climates = climates
        self.used_niss: set[str] = set()

    # people
    def new_person(self, centre: DemoCentre, entry: date) -> _Person:
        rng = self.rng
        gender = _choice(rng, cal.GENDERS)
        age_days = int(rng.triangular(*cal.AGE_AT_ENTRY) * 365.25)
        birth = entry - timedelta(days=age_days)
        lew = centre.federation == "Lire et Écrire Wallonie"
        education = _choice(rng, cal.EDUCATION_LEW if lew else cal.EDUCATION)
        while True:
            serial = rng.randrange(1, 998)
            # The serial is odd for men, even for women.
            if gender != "X" and (serial % 2 == 1) != (gender == "M"):
                serial = serial + 1 if serial < 997 else serial - 1
            niss = niss_for(birth, serial)
            if niss not in self.used_niss:
                self.used_niss.add(niss)
                break
        return _Person(niss, birth, gender, education, self.near(centre))

    def near(self, centre: DemoCentre) -> int:
        if self.rng.random() < cal.LOCAL_SHARE:
            return centre.postal_code
        return self.rng.choice(cal.TOWNS[centre.province])[1]

    # one path in one centre
    def simulate(self, path: _Path) -> list[_Spawn]:
        """Fill `path` with its records; return the paths it leads to (a return, a move)."""
        return _Story(self, path).tell()


_Spawn = tuple[int, _Person, date, int, str]  # centre index, person, entry, depth, origin


class _Story:
    """One path in one centre, told in order: who enters and why; the barriers at entry and how
    much each weighs; how it ends (the outcome, the barriers and who entered shape the length);
    the partners and victories on the way; the barrier assessments; the monthly hours; the
    exit and its follow-ups; the paths it leads to. The order of the random draws is part of
    the seed's contract: reordering the steps changes every file."""

    def __init__(self, sim: _Simulator, path: _Path):
        self.sim, self.path = sim, path
        self.rng, self.until = sim.rng, sim.until
        self.centre = sim.centres[path.centre]
        self.person = path.person
        self.rows: dict[str, list[dict]] = {k: [] for k in KINDS if k != "participants"}
        # The moment a barrier is resolved by a victory (licence, housing found…).
        self.resolved: dict[str, date] = {}
        path.rows = self.rows

    def tell(self) -> list[_Spawn]:
        self._profile()
        self._barriers_at_entry()
        self._outcome()
        self.path.participant = self._participant()
        self._partners_and_victories()
        self._assessments()
        self._hours()
        if not self.exited:
            return []
        self._exit_and_followups()
        return self._next_paths()

    # helpers
    def days(self, a: int, b: int) -> timedelta:
        return timedelta(days=self.rng.randint(a, b))

    def milestone(self, code: str, on: date, detail: str | None = None) -> bool:
        """Record a victory if it happens before the path ends."""
        if on > self.end:
            return False
        if detail is None:
            detail = self.rng.choice(cal.DETAILS.get(code, [""]))
        self.rows["milestones"].append(
            {"achieved_on": on, "milestone": code, "detail": detail or None}
        )
        return True

    def partner(
        self, kind: str, name: str, start: date, purpose: str, stop: date | None, result: str
    ) -> None:
        """Record a partnership; one still running when the path ends is cut there, and one
        prepared before a short path began is dated from the entry. The same partner started on
        the same day is one partnership (the export's key), recorded once."""
        end = self.end
        if start > end:
            return
        start = max(start, self.path.entry)
        if any(
            (row["partner_type"], row["partner_name"], row["started_on"]) == (kind, name, start)
            for row in self.rows["partnerships"]
        ):
            return
        if stop is not None and stop > end:
            stop, result = (end, "interrupted") if self.exited else (None, "ongoing")
        if stop is None and result != "ongoing":
            result = "ongoing"
        self.rows["partnerships"].append(
            {
                "started_on": start,
                "partner_type": kind,
                "partner_name": name,
                "purpose": purpose,
                "ended_on": stop,
                "result": result,
            }
        )

    # the steps
    def _profile(self) -> None:
        rng, centre, path = self.rng, self.centre, self.path
        filiere = _choice(rng, cal.FILIERES[centre.centre_type])
        months_planned = rng.triangular(*cal.PLANNED_MONTHS[filiere])
        mean, sd, low, high = cal.MONTHLY_HOURS[filiere]
        monthly = min(high, max(low, rng.gauss(mean, sd)))
        if filiere == "eft":
            eft_areas = [a for a in centre.areas if a in cal.EFT_AREAS]
            area = rng.choice(eft_areas or cal.EFT_AREAS[:2])
        elif filiere == "defi":
            defi_areas = [a for a in centre.areas if a not in cal.EFT_AREAS]
            area = rng.choice(defi_areas or cal.DEFI_AREAS[:2])
        else:
            area = "Orientation" if rng.random() < 0.7 else None

        # Referral and status at entry.
        if path.origin == "move":
            referral = "other_cisp"
        elif path.origin == "return":
            referral = _choice(rng, cal.RETURN_REFERRALS)
        else:
            referral = _choice(rng, cal.REFERRALS)
        status = _choice(rng, cal.STATUS_BY_REFERRAL.get(referral, cal.STATUS_AT_ENTRY))

        self.filiere, self.months_planned, self.monthly = filiere, months_planned, monthly
        self.area, self.referral, self.status = area, referral, status

        # Who enters, and when, shapes the odds of everything that follows.
        person = self.person
        self.traits = (
            ("age", _age_band(person.birth_date, path.entry)),
            ("gender", person.gender),
            ("education", person.education),
            ("status", status),
            ("filiere", filiere),
        )
        effects = dict.fromkeys(cal.EFFECTS, 1.0)
        for trait in self.traits:
            for name, factor in cal.PATH_EFFECTS.get(trait, {}).items():
                effects[name] *= factor
        for name, factor in self.sim.climates.effects[path.entry.year].items():
            effects[name] *= factor
        self.effects = effects

    def _destination_groups(self) -> dict[str, float]:
        """The destination weights of this path: the positive exits (training or a job) weigh
        `positive` times more, and training rather than a job `training` times more (odds)."""
        weights = dict(cal.DESTINATION_GROUPS)
        positive = weights["training"] + weights["employment"]
        odds = weights["training"] / weights["employment"] * self.effects["training"]
        positive *= self.effects["positive"] * cal.POSITIVE_SCALE
        weights["training"] = positive * odds / (1 + odds)
        weights["employment"] = positive / (1 + odds)
        return weights

    def _outcome(self) -> None:
        rng, path, until = self.rng, self.path, self.until
        # The planned length, for this public (`length`), stretched by each barrier that weighs
        # at entry (level 2 or 3) as much as the filière lets it (`STRETCH`).
        heavy = sum(level >= 2 for level in self.levels.values())
        first_plan = self.months_planned
        months_planned = (
            first_plan
            * self.effects["length"]
            * cal.LENGTH_SCALE
            * (1 + cal.STRETCH[self.filiere] * heavy)
        )
        self.months_planned = months_planned
        # Outcome first (it shapes the length of the path), then what happened on the way.
        unknown = rng.random() < cal.UNKNOWN_SHARE
        group = "unknown" if unknown else _choice(rng, self._destination_groups())
        destination = _choice(rng, cal.GROUP_CODES[group])
        reasons = cal.REASONS[group]
        if "dropout" in reasons:
            reasons = {**reasons, "dropout": reasons["dropout"] * self.effects["dropout"]}
        reason = _choice(rng, reasons)
        dropout = reason == "dropout"
        # A dropout comes early in the filière's usual length, however long this path would
        # have been; the others go (nearly) to the end of it.
        months = (
            first_plan * rng.uniform(0.1, 0.6)
            if dropout
            else months_planned * rng.uniform(0.85, 1.1)
        )
        exit_date = path.entry + timedelta(days=max(10, int(months * 30.4)))
        exited = exit_date <= until
        end = exit_date if exited else until
        length = (end - path.entry).days

        self.group, self.destination, self.reason = group, destination, reason
        self.dropout = dropout
        self.exit_date, self.exited, self.end, self.length = exit_date, exited, end, length

    def _participant(self) -> dict:
        path, person = self.path, self.person
        filiere, area, referral, status = self.filiere, self.area, self.referral, self.status
        participant = {
            "entry_date": path.entry,
            "birth_year": person.birth_date.year,
            "birth_date": person.birth_date,
            "gender": person.gender,
            "education": person.education,
            "postal_code": person.postal_code,
            "filiere": filiere,
            "training_area": area,
            "referral": referral,
            "status_at_entry": status,
            "niss": person.niss,
        }
        return participant

    def _barriers_at_entry(self) -> None:
        rng, person, status = self.rng, self.person, self.status
        lew = self.centre.federation == "Lire et Écrire Wallonie"
        prevalence = dict(cal.BARRIER_PREVALENCE)
        if lew:
            prevalence.update(language=0.55, literacy=0.65, digital=0.5)
        if person.education == "foreign":
            prevalence["language"] = min(0.9, prevalence["language"] + 0.4)
        if person.education == "none":
            prevalence["literacy"] = min(0.9, prevalence["literacy"] + 0.25)
        if person.gender == "F":
            prevalence["childcare"] = 0.28
        if status == "ris":
            prevalence["finances"] = 0.75
        for trait in self.traits:
            for barrier, factor in cal.PREVALENCE_EFFECTS.get(trait, {}).items():
                prevalence[barrier] = min(0.95, prevalence[barrier] * factor)
        barriers = {b: None for b, p in prevalence.items() if rng.random() < p}
        if not barriers:
            barriers["self_esteem"] = None
        self.barriers = barriers
        # Level at the first assessment (1 = faible … 3 = fort).
        self.levels = {b: int(_choice(rng, cal.INITIAL_LEVELS)) for b in barriers}

    def _partners_and_victories(self) -> None:
        rng, centre, person, resolved = self.rng, self.centre, self.person, self.resolved
        barriers, status = self.barriers, self.status
        referral, filiere = self.referral, self.filiere
        group, destination = self.group, self.destination
        exit_date, exited, end, length = self.exit_date, self.exited, self.end, self.length
        months_planned = self.months_planned
        entry = self.path.entry
        town = centre.town
        # The social partners that work on the barriers, more or less often by public and
        # filière (`support`).
        support = self.effects["support"]

        def supported(odds: float) -> bool:
            return rng.random() < min(0.95, odds * support)

        if (status == "ris" or "finances" in barriers) and supported(0.55):
            start = entry + self.days(0, 30)
            stop = exit_date if exited else None
            self.partner("cpas", f"CPAS de {town}", start, "social_support", stop, "completed")
            if "finances" in barriers and rng.random() < 0.3:
                on = start + self.days(60, 240)
                if self.milestone("debt_plan", on, ""):
                    resolved.setdefault("finances", on)
        if "mobility" in barriers and months_planned >= 5 and rng.random() < 0.45:
            start = entry + self.days(30, 90)
            theory = start + self.days(45, 120)
            licence = theory + self.days(60, 180)
            passed_theory = rng.random() < 0.8 and self.milestone("driving_theory", theory)
            passed = (
                passed_theory and rng.random() < 0.65 and self.milestone("driving_licence", licence)
            )
            if passed:
                resolved["mobility"] = licence
            stop = licence if passed else (theory + self.days(30, 120))
            self.partner(
                "driving_school",
                f"Auto-école de {town}",
                start,
                "training",
                stop,
                "completed" if passed else "interrupted",
            )
        internship_odds, another_odds = cal.INTERNSHIPS[filiere]
        hosts: list[str] = []  # the employers of the internships, in order
        if length > 75 and rng.random() < internship_odds:
            start = entry + self.days(60, max(61, min(240, length - 14)))
            first = True
            while start <= end:
                stop = start + self.days(10, 35)
                ok = rng.random() < 0.8
                hosts.append(rng.choice(cal.EMPLOYERS) + f", {town}")
                self.partner(
                    "employer",
                    hosts[-1],
                    start,
                    "internship",
                    stop,
                    "completed" if ok else "interrupted",
                )
                if ok and stop <= end:
                    self.milestone("first_internship" if first else "internship_completed", stop)
                    first = False
                if rng.random() >= another_odds:
                    break
                start = stop + self.days(30, 120)
        if barriers.keys() & {"mental_health", "addiction", "physical_health"} and supported(0.5):
            start = entry + self.days(15, 90)
            self.partner(
                "health",
                f"Service de santé mentale de {town}",
                start,
                "social_support",
                None if rng.random() < 0.6 else start + self.days(60, 300),
                "completed",
            )
            if rng.random() < 0.6:
                on = start + self.days(30, 60)
                if self.milestone("health_followup", on, ""):
                    resolved.setdefault("mental_health", on + self.days(60, 200))
        if "housing" in barriers and supported(0.45):
            start = entry + self.days(10, 90)
            found = rng.random() < 0.5
            on = start + self.days(60, 200)
            self.partner(
                "housing",
                f"Agence immobilière sociale de {town}",
                start,
                "social_support",
                on if found else start + self.days(90, 300),
                "completed" if found else "interrupted",
            )
            if found and self.milestone("housing_stable", on, ""):
                resolved["housing"] = on
        if "childcare" in barriers and supported(0.5):
            self.partner(
                "childcare",
                f"Crèche communale de {town}",
                entry + self.days(0, 45),
                "social_support",
                None,
                "ongoing",
            )
            resolved.setdefault("childcare", entry + self.days(30, 120))
        if "language" in barriers and length > 120 and rng.random() < 0.45:
            on = entry + self.days(120, max(121, length))
            if self.milestone("language_level", on):
                resolved.setdefault("language", on)
        if "digital" in barriers and length > 90 and rng.random() < 0.4:
            on = entry + self.days(90, max(91, length))
            if self.milestone("digital_skills", on):
                resolved.setdefault("digital", on)
        if person.education in {"none", "foreign"} and length > 180 and rng.random() < 0.08:
            self.milestone("ceb", entry + self.days(150, max(151, length)), "")
        if filiere == "eft" and length > 180 and rng.random() < 0.2:
            start = entry + self.days(150, max(151, length))
            ok = rng.random() < 0.7
            self.partner(
                "skills_validation",
                f"Centre de validation des compétences de {town}",
                start,
                "validation",
                start + self.days(1, 30),
                "completed" if ok else "interrupted",
            )
            if ok:
                self.milestone("skills_validation", start + self.days(1, 30))
        if referral == "aviq":
            self.partner(
                "aviq", f"AViQ {centre.province}", entry, "social_support", None, "ongoing"
            )
        if "justice" in barriers and supported(0.5):
            self.partner(
                "justice",
                f"Maison de justice de {town}",
                entry + self.days(0, 60),
                "social_support",
                None,
                "ongoing",
            )
        if rng.random() < 0.25:
            self.partner(
                "forem",
                f"Forem {town}",
                entry + self.days(0, max(0, length)),
                "referral",
                None,
                "ongoing",
            )
        if exited:
            if group == "training":
                if destination == "qualifying_training":
                    name = rng.choice(
                        [
                            f"IFAPME {town}",
                            f"Forem Formation {town}",
                            f"Centre de compétence {town}",
                        ]
                    )
                    kind = "qualifying_training"
                    self.milestone("qualifying_training_entry", exit_date, "")
                else:
                    name = f"Institut de promotion sociale de {town}"
                    kind = "adult_education"
                self.partner(
                    kind, name, exit_date - self.days(7, 45), "referral", exit_date, "completed"
                )
            elif group == "employment":
                self.milestone("job_contract", exit_date, "")
                if rng.random() < cal.EMPLOYER_AT_JOB_EXIT[filiere]:
                    # Half the time the last internship's employer hires.
                    hired = rng.random() < 0.5
                    self.partner(
                        "employer",
                        hosts[-1] if hosts and hired else rng.choice(cal.EMPLOYERS) + f", {town}",
                        exit_date - self.days(7, 40),
                        "job_placement",
                        exit_date,
                        "completed",
                    )
                if destination == "employment_art60":
                    self.partner(
                        "cpas",
                        f"CPAS de {town} (article 60)",
                        exit_date - self.days(0, 20),
                        "job_placement",
                        None,
                        "ongoing",
                    )
            elif group == "other_cisp":
                self.partner(
                    "other_cisp",
                    "Autre CISP de la région",
                    exit_date - self.days(0, 30),
                    "referral",
                    exit_date,
                    "completed",
                )
            elif group == "job_search" and referral == "mire" and rng.random() < 0.5:
                self.partner(
                    "mire", f"MIRE {centre.province}", exit_date, "referral", None, "ongoing"
                )

    def _assessments(self) -> None:
        rng, rows, resolved = self.rng, self.rows, self.resolved
        entry, end, exited, dropout = self.path.entry, self.end, self.exited, self.dropout
        # Barrier assessments: at entry, then every 2 to 4 months, and at exit.
        assessed = [entry]
        while (nxt := assessed[-1] + self.days(60, 120)) < end:
            assessed.append(nxt)
        if exited and (not dropout or rng.random() < 0.3) and (end - assessed[-1]).days > 20:
            assessed.append(end)
        current = dict(self.levels)
        # The chance that a barrier goes down at an assessment (the time to lift), that a lifted
        # one comes back (a setback) and that one gets worse for a while depend on who entered
        # and when.
        progress = min(0.8, (0.25 if dropout else 0.42) * self.effects["lift"])
        setback = 0.05 * self.effects["setback"]
        worse = min(0.15, 0.1 * self.effects["setback"])
        for i, on in enumerate(assessed):
            if i > 0:
                for b in list(current):
                    level = current[b]
                    if b in resolved and resolved[b] <= on and level > 0:
                        current[b] = 0
                        resolved.pop(b)
                        continue
                    r = rng.random()
                    if level == 0:
                        if r < setback:  # a setback: the barrier comes back (a new episode)
                            current[b] = 1 if rng.random() < 0.7 else 2
                    elif r < progress:
                        current[b] = max(0, level - (2 if r < 0.08 else 1))
                    elif r > 1 - worse:  # things get worse for a while
                        current[b] = min(3, level + 1)
                if rng.random() < 0.05:
                    fresh = [b for b in cal.LATE_BARRIERS if b not in current]
                    if fresh:
                        current[rng.choice(fresh)] = rng.choice([2, 3])
            for b, level in current.items():
                rows["barriers"].append({"assessed_on": on, "barrier": b, "level": level})

    def _hours(self) -> None:
        rng, rows, monthly = self.rng, self.rows, self.monthly
        entry, end = self.path.entry, self.end
        # Hours: every month from entry to exit, partial first and last months, summer lull.
        month = entry.replace(day=1)
        while month <= end:
            next_month = add_months(month, 1)
            first_day = max(month, entry)
            last_day = min(next_month - timedelta(days=1), end)
            share = ((last_day - first_day).days + 1) / (next_month - month).days
            season = 0.5 if month.month in (7, 8) else 1.0
            value = monthly * share * season * rng.gauss(1.0, 0.15)
            if rng.random() < 0.03:  # a month of illness
                value = 0.0
            hours = min(250.0, max(0.0, round(value * 2) / 2))
            rows["hours"].append({"month": month, "hours": hours})
            month = next_month

    def _exit_and_followups(self) -> None:
        rng, rows, until, group = self.rng, self.rows, self.until, self.group
        exit_date, destination, reason = self.exit_date, self.destination, self.reason
        rows["exits"].append({"exit_date": exit_date, "destination": destination, "reason": reason})
        # Follow-ups at 6, 12 and 24 months, when the centre managed to reach the person; some
        # go back to training after a first exit (`return`).
        situation = destination
        for after, odds in cal.FOLLOWUPS:
            on = add_months(exit_date, after)
            if on > until:
                break
            moves = cal.FOLLOWUP_MOVES[cal.CODE_GROUP[situation]]
            if "training" in moves:
                moves = {**moves, "training": moves["training"] * self.effects["return"]}
            situation_group = _choice(rng, moves)
            situation = (
                situation
                if cal.CODE_GROUP[situation] == situation_group
                else _choice(rng, cal.GROUP_CODES[situation_group])
            )
            if rng.random() < (odds if group != "unknown" else odds / 2):
                rows["followups"].append({"observed_on": on, "situation": situation})

    def _next_paths(self) -> list[_Spawn]:
        """A move to another centre (same person, same NISS) or, after a dropout, a return to
        the same centre later under a new participant_id."""
        rng, path, person, centre = self.rng, self.path, self.person, self.centre
        exit_date, group, reason, dropout = self.exit_date, self.group, self.reason, self.dropout
        sim = self.sim
        spawned: list[_Spawn] = []
        if path.depth < 2 and len(sim.centres) > 1:
            # Another centre that already sends its files (a late one only from its start; C001
            # and C002 never start late, so there is always one).
            others = [
                i
                for i, other in enumerate(sim.centres)
                if i != path.centre and (other.starts_on is None or other.starts_on <= exit_date)
            ]
            if group == "other_cisp" and rng.random() < 0.75:
                near = [i for i in others if sim.centres[i].province == centre.province]
                target = rng.choice(near if near and rng.random() < 0.7 else others)
                spawned.append(
                    (target, person, exit_date + self.days(7, 75), path.depth + 1, "move")
                )
            elif reason == "moved" and rng.random() < 0.4:
                far = [i for i in others if sim.centres[i].province != centre.province]
                target = rng.choice(far or others)
                person.postal_code = sim.near(sim.centres[target])
                spawned.append(
                    (target, person, exit_date + self.days(30, 150), path.depth + 1, "move")
                )
        if dropout and path.depth < 2 and rng.random() < cal.RETURN_ODDS * self.effects["return"]:
            spawned.append(
                (path.centre, person, exit_date + self.days(60, 420), path.depth + 1, "return")
            )
        return [s for s in spawned if s[2] <= self.until - timedelta(days=14)]


def _participant_id(centre: DemoCentre, n: int, entry: date) -> str:
    """Each centre's software numbers its files its own way."""
    return [
        f"E-{n:05d}",
        f"{entry.year}-{n:04d}",
        f"ST{10000 + n}",
        f"DOS{n:05d}",
    ][centre.id_format]


def default_until(today: date | None = None) -> date:
    """The last day of the previous month: a complete export, nothing in the future."""
    today = today or date.today()
    return today.replace(day=1) - timedelta(days=1)


def generate(
    centres: int = 20, years: int = 3, seed: int = 1, until: date | None = None
) -> DemoData:
    """Simulate `years` years of paths in `centres` fictional centres (pure: no file written)."""
    if centres < 1 or years < 1:
        raise ValueError("centres and years must be at least 1")
    until = until or default_until()
    rng = random.Random(seed)
    start = date(until.year - years, until.month, 1) + timedelta(days=32)
    start = start.replace(day=1)
    registry = export_habits(make_centres(centres, rng), until, years, seed)
    climates = year_climates(start.year, until.year, seed)
    sim = _Simulator(registry, until, rng, climates)
    # Returns and moves add about 12 % more paths to the fresh ones.
    queue: deque[tuple[int, _Person, date, int, str]] = deque()
    peak = max(cal.MONTH_SEASON)
    for index, centre in enumerate(registry):
        opens = centre.starts_on or start
        window_days = (until - opens).days
        covered = window_days / (until - start).days
        fresh = round(cal.PATHS_PER_CENTRE_YEAR * centre.size * years * covered / 1.12)
        for _ in range(fresh):
            while True:
                entry = opens + timedelta(days=rng.randrange(window_days - 14))
                odds = cal.MONTH_SEASON[entry.month - 1] / peak
                if rng.random() < odds * climates.entries.get(entry.year, 1.0):
                    break
            queue.append((index, sim.new_person(centre, entry), entry, 0, "fresh"))
    paths: list[_Path] = []
    while queue:
        index, person, entry, depth, origin = queue.popleft()
        path = _Path(len(paths), index, person, entry, depth, origin)
        paths.append(path)
        queue.extend(sim.simulate(path))

    by_centre: list[list[_Path]] = [[] for _ in registry]
    for path in paths:
        by_centre[path.centre].append(path)
    frames: dict[str, dict[str, pl.DataFrame]] = {}
    for index, centre in enumerate(registry):
        own = sorted(by_centre[index], key=lambda p: (p.entry, p.seq))
        records: dict[str, list[dict]] = {k: [] for k in KINDS}
        # The export habits: trainees who entered after the participants file was taken are
        # not in it yet; some trainees are written without their filière.
        declared_until = until - timedelta(days=centre.participants_lag)
        blanks = random.Random(f"{seed}/{centre.centre_id}/filiere")
        for n, path in enumerate(own, start=1):
            pid = _participant_id(centre, n, path.entry)
            path.participant_id = pid
            if path.entry <= declared_until:
                participant = path.participant
                if centre.no_filiere_share and blanks.random() < centre.no_filiere_share:
                    participant = {**participant, "filiere": None}
                records["participants"].append({"participant_id": pid, **participant})
            for kind, rows in path.rows.items():
                records[kind].extend({"participant_id": pid, **row} for row in rows)
        frames[centre.centre_id] = {
            kind: pl.from_dicts(records[kind], schema=SCHEMAS[kind]).sort(_SORT[kind])
            for kind in KINDS
        }
    return DemoData(registry, frames, until, seed, climates.slow_year)
