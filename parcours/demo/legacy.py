"""`parcours demo`: realistic, seeded demo exports that go through the real upload path.

Three steps, each usable alone:
1. `generate()` — a pure simulation of trainees' paths in N fictional centres over Y years,
   calibrated on the sector's published figures (Interfédé key figures 2023: 151 centres —
   76 DéFI, 57 EFT, 18 both; about 95 new paths per centre and per year, i.e. 14,300 a year at
   full scale; about 400 training hours per path, i.e. 5.7 million hours a year; of the exits with
   a known next step about 45 % go on to training and 24 % to a job). It returns one canonical
   frame per (centre, kind).
2. `write_exports()` — writes each centre's frames in the shape a centre's software would
   produce (one style per centre, rotating): Windows-1252 `;` with French headers and labels,
   `.xlsx`, tab-separated upper-case synonyms with extra columns, canonical UTF-8, quoted UTF-8
   with BOM. A few deliberately bad rows are planted per centre (unknown code, impossible date,
   hours out of range); the writer counts them so a test can check that exactly these are
   quarantined.
3. `run_demo()` — registers the centres and demo users, ingests the files through
   `parcours.upload.ingest` (never writing the warehouse directly) and builds the warehouse.

Paths are not linear: barriers go down but sometimes up again (setbacks), trainees drop out and
some come back later, some move to another centre. Identity across paths is the national number:
per the export contract a participants row is one path in one centre, keyed by the centre's own
`participant_id`. So **a return after a dropout is a new `participant_id` in the same centre with
the same `niss`**, and a move is a new `participant_id` in another centre with the same `niss`;
the warehouse links them through `person_key`.

Reproducible: the same (centres, years, seed, until) give byte-identical files. `until` (the
export date) defaults to the last day of the previous month, so that no date is in the future.
"""

from __future__ import annotations

import contextlib
import math
import random
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from parcours import contract
from parcours.contract import KINDS

FEDERATIONS = ("ACFI", "AID", "ALEAP", "CAIPS", "Lire et Écrire Wallonie")
# Share of centres per federation (rough order of magnitude of their membership).
_FEDERATION_WEIGHTS = {"ACFI": 0.17, "AID": 0.18, "ALEAP": 0.25, "CAIPS": 0.30}
# Interfédé 2023: 76 DéFI, 57 EFT, 18 both, out of 151 centres.
_CENTRE_TYPES = {"defi": 76, "eft": 57, "both": 18}
PATHS_PER_CENTRE_YEAR = 95
STYLES = ("excel_fr", "xlsx", "tab_upper", "canonical", "quoted_bom")
DEMO_PASSWORD = "demo-parcours"
DEMO_ACTOR = "parcours demo"

# Towns by province, with a postal code each (participants live near their centre).
_TOWNS = {
    "Liège": [
        ("Liège", 4000),
        ("Herstal", 4040),
        ("Seraing", 4100),
        ("Huy", 4500),
        ("Waremme", 4300),
        ("Verviers", 4800),
        ("Ans", 4430),
        ("Flémalle", 4400),
    ],
    "Namur": [
        ("Namur", 5000),
        ("Andenne", 5300),
        ("Dinant", 5500),
        ("Philippeville", 5600),
        ("Gembloux", 5030),
        ("Ciney", 5590),
    ],
    "Hainaut": [
        ("Charleroi", 6000),
        ("Châtelet", 6200),
        ("La Louvière", 7100),
        ("Mons", 7000),
        ("Tournai", 7500),
        ("Mouscron", 7700),
        ("Chimay", 6460),
        ("Binche", 7130),
    ],
    "Luxembourg": [
        ("Arlon", 6700),
        ("Marche-en-Famenne", 6900),
        ("Bastogne", 6600),
        ("Libramont", 6800),
        ("Virton", 6760),
    ],
    "Brabant wallon": [
        ("Wavre", 1300),
        ("Nivelles", 1400),
        ("Ottignies", 1340),
        ("Tubize", 1480),
    ],
}
_PROVINCE_WEIGHTS = {
    "Hainaut": 0.38,
    "Liège": 0.30,
    "Namur": 0.14,
    "Luxembourg": 0.09,
    "Brabant wallon": 0.09,
}
_CENTRE_NAMES = [
    "Le Trusquin",
    "La Navette",
    "Le Pivot",
    "L'Établi",
    "Le Sillon",
    "La Passerelle",
    "Le Tremplin",
    "Coup de Pouce",
    "La Bobine",
    "Les Compagnons du Rail",
    "L'Atelier du Bocage",
    "Le Fil d'Ariane",
    "La Boussole",
    "Les Jardins de la Sambre",
    "Le Chantier",
    "La Marmite",
    "L'Escale",
    "Le Relais",
    "La Ruche",
    "Le Levier",
    "Horizon Neuf",
    "Le Gué",
    "La Fourmilière",
    "Cap Avenir",
]
_EFT_AREAS = [
    "Horeca",
    "Bâtiment",
    "Espaces verts",
    "Nettoyage",
    "Logistique",
    "Maraîchage",
    "Couture et retouche",
    "Menuiserie",
    "Aide-ménagère",
    "Vente",
    "Recyclage",
]
_DEFI_AREAS = [
    "Remise à niveau",
    "Informatique",
    "Préformation aide-soignant",
    "Français langue étrangère",
    "Citoyenneté et emploi",
]
_LEW_AREAS = ["Alphabétisation", "Français langue étrangère"]
_MONTH_SEASON = [1.3, 1.1, 1.0, 0.9, 0.8, 0.6, 0.3, 0.5, 1.6, 1.2, 1.0, 0.6]  # entries by month

_BARRIER_PREVALENCE = {
    "self_esteem": 0.62,
    "finances": 0.55,
    "mobility": 0.50,
    "isolation": 0.45,
    "digital": 0.35,
    "administrative": 0.30,
    "mental_health": 0.20,
    "housing": 0.18,
    "childcare": 0.15,
    "physical_health": 0.13,
    "language": 0.12,
    "literacy": 0.10,
    "addiction": 0.07,
    "justice": 0.05,
}
_LATE_BARRIERS = ("housing", "finances", "mental_health", "physical_health", "childcare")

# Destination of an exit, by group, then code. Calibrated so that among exits with a known
# next step about 45 % go on to training and 24 % to a job (Interfédé 2023).
_DESTINATION_GROUPS = {
    "training": 0.45,
    "employment": 0.24,
    "job_search": 0.15,
    "other_cisp": 0.08,
    "inactive": 0.08,
}
_UNKNOWN_SHARE = 0.14
_GROUP_CODES = {
    "training": {"qualifying_training": 0.65, "adult_education": 0.35},
    "employment": {
        "employment_fixed": 0.35,
        "employment_temp": 0.25,
        "employment_art60": 0.20,
        "employment_permanent": 0.15,
        "self_employed": 0.05,
    },
    "job_search": {"job_search": 1.0},
    "other_cisp": {"other_cisp": 1.0},
    "inactive": {"inactive": 1.0},
    "unknown": {"unknown": 1.0},
}
_REASONS = {
    "unknown": {"dropout": 0.75, "moved": 0.15, "other": 0.10},
    "job_search": {"completed": 0.55, "dropout": 0.35, "excluded": 0.05, "other": 0.05},
    "inactive": {"health": 0.50, "dropout": 0.40, "other": 0.10},
    "employment": {"job": 0.85, "completed": 0.10, "dropout": 0.05},
    "training": {"training": 0.80, "completed": 0.20},
    "other_cisp": {"completed": 0.60, "moved": 0.25, "dropout": 0.15},
}
# Situation some months after exit, by the group of the previous situation.
_FOLLOWUP_MOVES = {
    "employment": {"employment": 0.80, "job_search": 0.15, "inactive": 0.05},
    "training": {"training": 0.45, "employment": 0.35, "job_search": 0.15, "inactive": 0.05},
    "other_cisp": {
        "training": 0.30,
        "employment": 0.25,
        "other_cisp": 0.20,
        "job_search": 0.20,
        "inactive": 0.05,
    },
    "job_search": {
        "employment": 0.25,
        "training": 0.15,
        "job_search": 0.45,
        "inactive": 0.10,
        "unknown": 0.05,
    },
    "inactive": {"inactive": 0.55, "job_search": 0.30, "employment": 0.10, "training": 0.05},
    "unknown": {"unknown": 0.50, "job_search": 0.25, "employment": 0.15, "training": 0.10},
}
_CODE_GROUP = {code: g for g, codes in _GROUP_CODES.items() for code in codes}

_EMPLOYERS = [
    "Boulangerie Au Bon Grain",
    "Brasserie du Marché",
    "Garage de la Gare",
    "Jardinerie Verte Vallée",
    "Menuiserie Lambot",
    "Restaurant Le Petit Four",
    "Supérette du Coin",
    "Maison de repos Les Tilleuls",
    "Entreprise de nettoyage Net'Éclat",
    "Chantiers Dubois & Fils",
    "Logistique Meuse Express",
    "Hôtel du Parc",
]
_DETAILS = {
    "driving_theory": ["réussi au 1er essai", "réussi au 2e essai", ""],
    "driving_licence": ["réussi au 1er essai", "réussi au 2e essai", "réussi au 3e essai"],
    "first_internship": ["stage en cuisine", "stage en magasin", "stage sur chantier", ""],
    "internship_completed": ["stage de 3 semaines", "bonne évaluation du tuteur", ""],
    "skills_validation": ["titre obtenu", "2 unités de compétence", ""],
    "language_level": ["niveau A2 atteint", "niveau B1 atteint", ""],
    "digital_skills": ["PMTIC module 1", "passeport TIC", ""],
}


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
    types = _largest_remainder(_CENTRE_TYPES, n)
    rng.shuffle(types)
    lew_share = 0.10
    federations = []
    for centre_type in types:
        if centre_type == "defi" and rng.random() < lew_share / 0.5:
            federations.append("Lire et Écrire Wallonie")
        else:
            federations.append(_choice(rng, _FEDERATION_WEIGHTS))
    sizes = [rng.uniform(0.5, 1.5) for _ in range(n)]
    mean_size = sum(sizes) / n
    names = list(_CENTRE_NAMES)
    rng.shuffle(names)
    centres = []
    used: set[str] = set()
    for i, (centre_type, federation) in enumerate(zip(types, federations, strict=True)):
        province = _choice(rng, _PROVINCE_WEIGHTS)
        town, postal_code = rng.choice(_TOWNS[province])
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
            areas: tuple[str, ...] = tuple(_LEW_AREAS)
        else:
            eft_areas = tuple(rng.sample(_EFT_AREAS, 2 + rng.randrange(2)))
            defi_areas = tuple(rng.sample(_DEFI_AREAS, 2))
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
                style=STYLES[i % len(STYLES)],
                size=sizes[i] / mean_size,
                areas=areas,
                id_format=i % 4,
            )
        )
    return centres


# --- the simulation ---------------------------------------------------------------------------


def _choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


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


_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
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
    def __init__(self, centres: list[DemoCentre], until: date, rng: random.Random):
        self.centres = centres
        self.until = until
        self.rng = rng
        self.used_niss: set[str] = set()

    # people
    def new_person(self, centre: DemoCentre, entry: date) -> _Person:
        rng = self.rng
        gender = _choice(rng, {"F": 0.46, "M": 0.52, "X": 0.02})
        age_days = int(rng.triangular(18, 62, 24) * 365.25)
        birth = entry - timedelta(days=age_days)
        if centre.federation == "Lire et Écrire Wallonie":
            education = _choice(
                rng, {"none": 35, "ceb": 25, "foreign": 30, "ce1d": 7, "unknown": 3}
            )
        else:
            education = _choice(
                rng,
                {
                    "none": 12,
                    "ceb": 22,
                    "ce1d": 33,
                    "cess": 15,
                    "higher": 3,
                    "foreign": 12,
                    "unknown": 3,
                },
            )
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
        if self.rng.random() < 0.6:
            return centre.postal_code
        return self.rng.choice(_TOWNS[centre.province])[1]

    # one path in one centre
    def simulate(self, path: _Path) -> list[_Spawn]:
        """Fill `path` with its records; return the paths it leads to (a return, a move)."""
        return _Story(self, path).tell()


_Spawn = tuple[int, _Person, date, int, str]  # centre index, person, entry, depth, origin


class _Story:
    """One path in one centre, told in order: who enters and why; how it ends (the outcome
    shapes the length); the partners and victories on the way; the barrier assessments; the
    monthly hours; the exit and its follow-ups; the paths it leads to. The order of the random
    draws is part of the seed's contract: reordering the steps changes every file."""

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
        self._outcome()
        self.path.participant = self._participant()
        self._barriers_at_entry()
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
            detail = self.rng.choice(_DETAILS.get(code, [""]))
        self.rows["milestones"].append(
            {"achieved_on": on, "milestone": code, "detail": detail or None}
        )
        return True

    def partner(
        self, kind: str, name: str, start: date, purpose: str, stop: date | None, result: str
    ) -> None:
        """Record a partnership; one still running when the path ends is cut there, and one
        prepared before a short path began is dated from the entry."""
        end = self.end
        if start > end:
            return
        start = max(start, self.path.entry)
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
        filiere = {
            "eft": lambda: _choice(rng, {"eft": 0.95, "orientation": 0.05}),
            "defi": lambda: _choice(rng, {"defi": 0.88, "orientation": 0.12}),
            "both": lambda: _choice(rng, {"eft": 0.5, "defi": 0.45, "orientation": 0.05}),
        }[centre.centre_type]()
        eft_areas = [a for a in centre.areas if a in _EFT_AREAS] or list(_EFT_AREAS[:2])
        defi_areas = [a for a in centre.areas if a not in _EFT_AREAS] or list(_DEFI_AREAS[:2])
        if filiere == "eft":
            months_planned = rng.triangular(3, 18, 7)
            monthly = min(170.0, max(40.0, rng.gauss(96, 24)))
            area = rng.choice(eft_areas)
        elif filiere == "defi":
            months_planned = rng.triangular(2, 12, 5)
            monthly = min(110.0, max(12.0, rng.gauss(46, 16)))
            area = rng.choice(defi_areas)
        else:
            months_planned = rng.triangular(1, 4, 2)
            monthly = min(70.0, max(12.0, rng.gauss(38, 12)))
            area = "Orientation" if rng.random() < 0.7 else None

        # Referral and status at entry.
        if path.origin == "move":
            referral = "other_cisp"
        elif path.origin == "return":
            referral = _choice(rng, {"self": 0.6, "forem": 0.2, "cpas": 0.2})
        else:
            referral = _choice(
                rng,
                {
                    "forem": 0.35,
                    "cpas": 0.20,
                    "self": 0.15,
                    "social_service": 0.12,
                    "other_cisp": 0.05,
                    "aviq": 0.03,
                    "mire": 0.03,
                    "justice": 0.02,
                    "other": 0.05,
                },
            )
        status = {
            "cpas": lambda: _choice(rng, {"ris": 0.85, "no_income": 0.1, "other": 0.05}),
            "forem": lambda: _choice(rng, {"dei": 0.6, "unemployment_benefit": 0.4}),
            "aviq": lambda: _choice(rng, {"disability": 0.75, "dei": 0.25}),
        }.get(
            referral,
            lambda: _choice(
                rng,
                {
                    "dei": 0.40,
                    "ris": 0.25,
                    "unemployment_benefit": 0.15,
                    "no_income": 0.10,
                    "disability": 0.04,
                    "other": 0.06,
                },
            ),
        )()

        self.filiere, self.months_planned, self.monthly = filiere, months_planned, monthly
        self.area, self.referral, self.status = area, referral, status

    def _outcome(self) -> None:
        rng, path, until, months_planned = self.rng, self.path, self.until, self.months_planned
        # Outcome first (it shapes the length of the path), then what happened on the way.
        group = "unknown" if rng.random() < _UNKNOWN_SHARE else _choice(rng, _DESTINATION_GROUPS)
        destination = _choice(rng, _GROUP_CODES[group])
        reason = _choice(rng, _REASONS[group])
        dropout = reason == "dropout"
        months = months_planned * (rng.uniform(0.1, 0.6) if dropout else rng.uniform(0.85, 1.1))
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
        prevalence = dict(_BARRIER_PREVALENCE)
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
        barriers = {b: None for b, p in prevalence.items() if rng.random() < p}
        if not barriers:
            barriers["self_esteem"] = None
        self.barriers = barriers

    def _partners_and_victories(self) -> None:
        rng, centre, person, resolved = self.rng, self.centre, self.person, self.resolved
        barriers, status = self.barriers, self.status
        referral, filiere = self.referral, self.filiere
        group, destination = self.group, self.destination
        exit_date, exited, end, length = self.exit_date, self.exited, self.end, self.length
        months_planned = self.months_planned
        entry = self.path.entry
        town = centre.town
        if (status == "ris" or "finances" in barriers) and rng.random() < 0.55:
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
        internship_odds = {"eft": 0.6, "defi": 0.25, "orientation": 0.15}[filiere]
        if length > 75 and rng.random() < internship_odds:
            start = entry + self.days(60, max(61, min(240, length - 14)))
            first = True
            while start <= end:
                stop = start + self.days(10, 35)
                ok = rng.random() < 0.8
                self.partner(
                    "employer",
                    rng.choice(_EMPLOYERS) + f", {town}",
                    start,
                    "internship",
                    stop,
                    "completed" if ok else "interrupted",
                )
                if ok and stop <= end:
                    self.milestone("first_internship" if first else "internship_completed", stop)
                    first = False
                if rng.random() > 0.35:
                    break
                start = stop + self.days(30, 120)
        if barriers.keys() & {"mental_health", "addiction", "physical_health"} and (
            rng.random() < 0.5
        ):
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
        if "housing" in barriers and rng.random() < 0.45:
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
        if "childcare" in barriers and rng.random() < 0.5:
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
        if "justice" in barriers and rng.random() < 0.5:
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
                if rng.random() < 0.5:
                    self.partner(
                        "employer",
                        rng.choice(_EMPLOYERS) + f", {town}",
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
        rng, rows, resolved, barriers = self.rng, self.rows, self.resolved, self.barriers
        entry, end, exited, dropout = self.path.entry, self.end, self.exited, self.dropout
        # Barrier assessments: at entry, then every 2 to 4 months, and at exit.
        assessed = [entry]
        while (nxt := assessed[-1] + self.days(60, 120)) < end:
            assessed.append(nxt)
        if exited and (not dropout or rng.random() < 0.3) and (end - assessed[-1]).days > 20:
            assessed.append(end)
        levels = {b: _choice(rng, {"1": 0.25, "2": 0.45, "3": 0.30}) for b in barriers}
        current = {b: int(v) for b, v in levels.items()}
        progress = 0.25 if dropout else 0.42
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
                        if r < 0.06:  # a setback: the barrier comes back (a new episode)
                            current[b] = 1 if rng.random() < 0.7 else 2
                    elif r < progress:
                        current[b] = max(0, level - (2 if r < 0.08 else 1))
                    elif r > 0.9:  # things get worse for a while
                        current[b] = min(3, level + 1)
                if rng.random() < 0.05:
                    fresh = [b for b in _LATE_BARRIERS if b not in current]
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
            next_month = _add_months(month, 1)
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
        # Follow-ups at 6 and 12 months, when the centre managed to reach the person.
        situation = destination
        for after, odds in ((6, 0.75), (12, 0.6)):
            on = _add_months(exit_date, after)
            if on > until:
                break
            situation_group = _choice(rng, _FOLLOWUP_MOVES[_CODE_GROUP[situation]])
            situation = (
                situation
                if _CODE_GROUP[situation] == situation_group
                else _choice(rng, _GROUP_CODES[situation_group])
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
            others = [i for i in range(len(sim.centres)) if i != path.centre]
            near = [i for i in others if sim.centres[i].province == centre.province]
            if group == "other_cisp" and rng.random() < 0.75:
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
        if dropout and path.depth < 2 and rng.random() < 0.25:
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
    registry = make_centres(centres, rng)
    sim = _Simulator(registry, until, rng)
    start = date(until.year - years, until.month, 1) + timedelta(days=32)
    start = start.replace(day=1)
    window_days = (until - start).days
    # Returns and moves add about 12 % more paths to the fresh ones.
    queue: deque[tuple[int, _Person, date, int, str]] = deque()
    for index, centre in enumerate(registry):
        fresh = round(PATHS_PER_CENTRE_YEAR * centre.size * years / 1.12)
        for _ in range(fresh):
            while True:
                entry = start + timedelta(days=rng.randrange(window_days - 14))
                if rng.random() < _MONTH_SEASON[entry.month - 1] / max(_MONTH_SEASON):
                    break
            queue.append((index, sim.new_person(centre, entry), entry, 0, "fresh"))
    paths: list[_Path] = []
    while queue:
        index, person, entry, depth, origin = queue.popleft()
        path = _Path(len(paths), index, person, entry, depth, origin)
        paths.append(path)
        queue.extend(sim.simulate(path))

    frames: dict[str, dict[str, pl.DataFrame]] = {}
    for index, centre in enumerate(registry):
        own = sorted((p for p in paths if p.centre == index), key=lambda p: (p.entry, p.seq))
        records: dict[str, list[dict]] = {k: [] for k in KINDS}
        for n, path in enumerate(own, start=1):
            pid = _participant_id(centre, n, path.entry)
            path.participant_id = pid
            records["participants"].append({"participant_id": pid, **path.participant})
            for kind, rows in path.rows.items():
                records[kind].extend({"participant_id": pid, **row} for row in rows)
        frames[centre.centre_id] = {
            kind: pl.from_dicts(records[kind], schema=_SCHEMAS[kind]).sort(_SORT[kind])
            for kind in KINDS
        }
    return DemoData(registry, frames, until, seed)


# --- the writers ------------------------------------------------------------------------------

# Column headers per style and kind: canonical column → header. Absent columns are not written.
_FR_HEADERS = {
    "participants": {
        "participant_id": "N° stagiaire",
        "entry_date": "Date d'entrée",
        "birth_year": "Année de naissance",
        "gender": "Genre",
        "education": "Diplôme",
        "postal_code": "CP",
        "filiere": "Filière",
        "training_area": "Métier",
        "referral": "Prescripteur",
        "status_at_entry": "Statut",
        "niss": "Numéro national",
    },
    "barriers": {
        "participant_id": "N° stagiaire",
        "assessed_on": "Date d'évaluation",
        "barrier": "Type de frein",
        "level": "Niveau",
    },
    "partnerships": {
        "participant_id": "N° stagiaire",
        "started_on": "Début",
        "partner_type": "Type de partenaire",
        "partner_name": "Partenaire",
        "purpose": "Objet",
        "ended_on": "Fin",
        "result": "Résultat",
    },
    "milestones": {
        "participant_id": "N° stagiaire",
        "achieved_on": "Date",
        "milestone": "Étape",
        "detail": "Détail",
    },
    "exits": {
        "participant_id": "N° stagiaire",
        "exit_date": "Date de sortie",
        "destination": "Situation à la sortie",
        "reason": "Motif de sortie",
    },
    "followups": {
        "participant_id": "N° stagiaire",
        "observed_on": "Date de suivi",
        "situation": "Situation",
    },
    "hours": {"participant_id": "N° stagiaire", "month": "Mois", "hours": "Heures"},
}
_TAB_HEADERS = {
    "participants": {
        "participant_id": "MATRICULE",
        "entry_date": "DATE_ENTREE",
        "birth_date": "DATE_DE_NAISSANCE",
        "gender": "SEXE",
        "education": "NIVEAU_D_ETUDES",
        "postal_code": "CODE_POSTAL",
        "filiere": "FILIERE",
        "training_area": "SECTEUR",
        "referral": "ORIENTE_PAR",
        "status_at_entry": "STATUT_A_L_ENTREE",
        "niss": "REGISTRE_NATIONAL",
    },
    "barriers": {
        "participant_id": "MATRICULE",
        "assessed_on": "DATE_DU_BILAN",
        "barrier": "FREIN",
        "level": "INTENSITE",
    },
    "partnerships": {
        "participant_id": "MATRICULE",
        "started_on": "DATE_DE_DEBUT",
        "partner_type": "PARTENAIRE_TYPE",
        "partner_name": "ORGANISME",
        "purpose": "BUT",
        "ended_on": "DATE_DE_FIN",
        "result": "ISSUE",
    },
    "milestones": {
        "participant_id": "MATRICULE",
        "achieved_on": "DATE_D_OBTENTION",
        "milestone": "ETAPE_FRANCHIE",
        "detail": "COMMENTAIRE",
    },
    "exits": {
        "participant_id": "MATRICULE",
        "exit_date": "SORTIE_LE",
        "destination": "ORIENTATION_A_LA_SORTIE",
        "reason": "MOTIF",
    },
    "followups": {
        "participant_id": "MATRICULE",
        "observed_on": "DATE_DU_SUIVI",
        "situation": "SITUATION_OBSERVEE",
    },
    "hours": {"participant_id": "MATRICULE", "month": "PERIODE", "hours": "HEURES_PRESTEES"},
}
_QUOTED_HEADERS = {
    "participants": {
        "participant_id": "Numéro stagiaire",
        "entry_date": "Date entrée",
        "birth_date": "Date de naissance",
        "gender": "Sexe",
        "education": "Diplôme le plus élevé",
        "postal_code": "Code postal",
        "filiere": "Type de filière",
        "training_area": "Formation",
        "referral": "Envoyé par",
        "status_at_entry": "Statut à l'entrée",
        "niss": "NN",
    },
    "barriers": {
        "participant_id": "Numéro stagiaire",
        "assessed_on": "Date évaluation",
        "barrier": "Frein",
        "level": "Sévérité",
    },
    "partnerships": {
        "participant_id": "Numéro stagiaire",
        "started_on": "Date de début",
        "partner_type": "Type de partenaire",
        "partner_name": "Nom du partenaire",
        "purpose": "Motif",
        "ended_on": "Date de fin",
        "result": "Résultat",
    },
    "milestones": {
        "participant_id": "Numéro stagiaire",
        "achieved_on": "Date de réussite",
        "milestone": "Victoire",
        "detail": "Commentaire",
    },
    "exits": {
        "participant_id": "Numéro stagiaire",
        "exit_date": "Date de sortie",
        "destination": "Destination",
        "reason": "Motif de sortie",
    },
    "followups": {
        "participant_id": "Numéro stagiaire",
        "observed_on": "Date de suivi",
        "situation": "Situation observée",
    },
    "hours": {
        "participant_id": "Numéro stagiaire",
        "month": "Période",
        "hours": "Nombre d'heures",
    },
}
_CANONICAL_COLUMNS = {
    kind: [c for c in schema if c not in ("birth_date",)] for kind, schema in _SCHEMAS.items()
}
_XLSX_HEADERS = {
    kind: (
        {**{k: v for k, v in h.items() if k != "birth_year"}, "birth_date": "Date de naissance"}
        if kind == "participants"
        else h
    )
    for kind, h in _FR_HEADERS.items()
}
HEADERS = {
    "canonical": {kind: {c: c for c in cols} for kind, cols in _CANONICAL_COLUMNS.items()},
    "excel_fr": _FR_HEADERS,
    "xlsx": _XLSX_HEADERS,
    "tab_upper": _TAB_HEADERS,
    "quoted_bom": _QUOTED_HEADERS,
}
_FILE_NAMES_FR = {
    "participants": "Stagiaires",
    "barriers": "Freins",
    "partnerships": "Partenariats",
    "milestones": "Etapes",
    "exits": "Sorties",
    "followups": "Suivis",
    "hours": "Heures",
}


@dataclass(frozen=True)
class DemoFile:
    centre_id: str
    kind: str
    style: str
    path: Path
    rows: int  # data rows written, bad ones included
    bad_rows: int  # rows planted to be quarantined


def _file_name(style: str, kind: str, centre: DemoCentre, until: date) -> str:
    fr = _FILE_NAMES_FR[kind]
    return {
        "canonical": f"{kind}.csv",
        "excel_fr": f"Export_{fr}.csv",
        "xlsx": f"{fr}.xlsx",
        "tab_upper": f"EXPORT_{fr.upper()}_{until:%Y%m%d}.csv",
        "quoted_bom": f"{fr.lower()}_{centre.centre_id}.csv",
    }[style]


_DATE_FORMATS = {
    "canonical": "%Y-%m-%d",
    "excel_fr": "%d/%m/%Y",
    "tab_upper": "%d.%m.%Y",
    "quoted_bom": "%d-%m-%Y 00:00",
}
_MONTH_FORMATS = {
    "canonical": "%Y-%m",
    "excel_fr": "%m/%Y",
    "tab_upper": "%Y-%m",
    "quoted_bom": "%m/%Y",
}
# National number: (cut positions, separators) — 85.07.30-033.61, 850730 033 61, 850730-033-61.
_NISS_SHAPES = {
    "canonical": ((0, 11), ("",)),
    "excel_fr": ((0, 2, 4, 6, 9, 11), (".", ".", "-", ".")),
    "xlsx": ((0, 2, 4, 6, 9, 11), (".", ".", "-", ".")),
    "tab_upper": ((0, 6, 9, 11), (" ", " ")),
    "quoted_bom": ((0, 6, 9, 11), ("-", "-")),
}


class _Formatter:
    """Canonical values → what a given style writes: text for the CSV styles, typed cells
    (dates, numbers) for `.xlsx`. Vectorised: one polars expression per column."""

    def __init__(self, style: str):
        self.style = style
        self.contract = contract.load()

    def synonym(self, list_name: str, code: str) -> str:
        """A listed synonym that reads back as this very code (some spellings are shared
        between codes of a list; those are skipped)."""
        codes = self.contract.code_lists[list_name]
        entry = next(c for c in codes.codes if c.code == code)
        return next(
            (s for s in entry.synonyms if codes.lookup(s) == code and s != code), entry.label
        )

    def spelling(self, list_name: str) -> dict[str, str]:
        """code → how this style writes it."""
        codes = self.contract.code_lists[list_name].codes
        if self.style == "canonical":
            return {c.code: c.code for c in codes}
        if self.style == "tab_upper":
            return {c.code: self.synonym(list_name, c.code).upper() for c in codes}
        return {c.code: c.label for c in codes}

    def expr(self, kind: str, column: str) -> pl.Expr:
        col, style, typed = pl.col(column), self.style, self.style == "xlsx"
        if column == "niss":
            cuts, separators = _NISS_SHAPES[style]
            parts = [col.str.slice(a, b - a) for a, b in zip(cuts, cuts[1:], strict=False)]
            pieces = [parts[0]]
            for separator, part in zip(separators, parts[1:], strict=False):
                pieces += [pl.lit(separator), part]
            return pl.concat_str(pieces)
        spec = self.contract.kinds[kind].columns.get(column)
        kind_of_value = "date" if column == "birth_date" else spec.type
        if column == "level":
            if style in ("excel_fr", "tab_upper"):
                spelled = {int(k): v for k, v in self.spelling("level").items()}
                return col.replace_strict(spelled, return_dtype=pl.String)
            return col if typed else col.cast(pl.String)
        if kind_of_value == "code":
            return col.replace_strict(self.spelling(spec.codes), return_dtype=pl.String)
        if typed or kind_of_value == "text":
            return col
        if kind_of_value == "date":
            return col.dt.strftime(_DATE_FORMATS[style])
        if kind_of_value == "month":
            return col.dt.strftime(_MONTH_FORMATS[style])
        if kind_of_value == "decimal":
            # 28 rather than 28.0, and a decimal comma where Belgian software writes one.
            text = (
                pl.when(col == col.floor())
                .then(col.cast(pl.Int64).cast(pl.String))
                .otherwise(col.cast(pl.String))
            )
            return text.str.replace(".", ",", literal=True) if self.comma else text
        return col.cast(pl.String)

    @property
    def comma(self) -> bool:
        return self.style in ("excel_fr", "quoted_bom")

    def frame(self, kind: str, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame as written: one column per header of the style, in order."""
        return frame.select(self.expr(kind, c).alias(c) for c in HEADERS[self.style][kind])

    def day(self, value: date) -> object:
        return value if self.style == "xlsx" else value.strftime(_DATE_FORMATS[self.style])

    def impossible_day(self, year: int) -> str:
        """The 31st of February, as this style would spell a date."""
        return {
            "canonical": f"{year}-02-31",
            "tab_upper": f"31.02.{year}",
            "quoted_bom": f"31-02-{year} 00:00",
        }.get(self.style, f"31/02/{year}")

    def decimal(self, value: float) -> object:
        if self.style == "xlsx":
            return value
        text = f"{value:g}"
        return text.replace(".", ",") if self.comma else text


def _extras(style: str, kind: str, centre: DemoCentre, until: date) -> list[pl.Expr]:
    """Extra columns a centre's software adds (kept by the ingestion, with a warning)."""
    if style != "tab_upper":
        return []
    extra = [
        pl.lit(centre.centre_id).alias("CODE_CENTRE"),
        pl.lit(f"Site de {centre.town}").alias("ANTENNE"),
    ]
    if kind == "participants":
        extra.append(pl.lit(f"{until:%d.%m.%Y}").alias("DATE_EXPORT"))
    if kind == "followups":
        phone = pl.col("observed_on").dt.day() % 3 != 0
        extra.append(
            pl.when(phone)
            .then(pl.lit("TELEPHONE"))
            .otherwise(pl.lit("COURRIER"))
            .alias("MODE_DE_CONTACT")
        )
    return extra


def _bad_rows(
    frames: dict[str, pl.DataFrame], fmt: _Formatter, rng: random.Random
) -> dict[str, list[dict]]:
    """A few rows per centre that must be quarantined, each with one plain mistake that a
    centre's staff really makes: a free-typed code, the 31st of February, a month of 300 hours,
    a situation typed in by hand. Each is an extra row copied from a real one (the clean data
    stays whole), in the file's own spelling; the writer counts them."""
    planted: dict[str, list[dict]] = {}
    count = rng.randint(2, 5)
    makers = ["barrier", "date", "hours", "situation", "barrier"][:count]
    targets = {"barrier": "barriers", "date": "milestones", "hours": "hours"}
    for maker in makers:
        kind = targets.get(maker, "followups")
        source = frames[kind]
        if not source.height:
            continue
        row = source.slice(rng.randrange(source.height), 1)
        bad = fmt.frame(kind, row).row(0, named=True)
        original = row.row(0, named=True)
        if maker == "barrier":
            bad["barrier"] = "Mobilite reduite"
        elif maker == "date":
            bad["achieved_on"] = fmt.impossible_day(original["achieved_on"].year)
        elif maker == "hours":
            bad["hours"] = fmt.decimal(300.0)
        else:
            bad["observed_on"] = fmt.day(original["observed_on"] + timedelta(days=1))
            bad["situation"] = "Déménagé à l'étranger"
        planted.setdefault(kind, []).append(bad)
    return planted


def _interleave(table: pl.DataFrame, positions: list[int], bad: list[dict]) -> pl.DataFrame:
    """The text table with the bad rows inserted before the given row positions (sorted); extra
    columns of a bad row are copied from the first row (they are the same on every row)."""
    pieces, start = [], 0
    for at, bad_row in zip(positions, bad, strict=True):
        filler = {c: table[c][0] for c in table.columns if c not in bad_row}
        row = {c: bad_row.get(c, filler.get(c)) for c in table.columns}
        pieces += [table.slice(start, at - start), pl.DataFrame([row], schema=table.schema)]
        start = at
    pieces.append(table.slice(start))
    return pl.concat(pieces, how="vertical")


def _write_csv(path: Path, style: str, table: pl.DataFrame, header: list[str]) -> None:
    table = table.rename(dict(zip(table.columns, header, strict=True)))
    text = table.write_csv(
        separator={"tab_upper": "\t", "excel_fr": ";"}.get(style, ","),
        line_terminator="\n" if style == "canonical" else "\r\n",
        quote_style="always" if style == "quoted_bom" else "necessary",
    )
    encoding = {"excel_fr": "cp1252", "quoted_bom": "utf-8-sig"}.get(style, "utf-8")
    path.write_bytes(text.encode(encoding))


def _write_xlsx(path: Path, header: list[str], rows: list[tuple]) -> None:
    import xlsxwriter

    # A fixed creation date: the same data give the same bytes.
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"created": datetime(2024, 1, 1), "author": "Parcours démo"})
    sheet = workbook.add_worksheet("Export")
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.set_column(0, len(header) - 1, 18)
    workbook.close()


def write_centre(data: DemoData, centre: DemoCentre, out_dir: Path) -> list[DemoFile]:
    """Write one centre's seven files in its style, with its planted bad rows."""
    fmt = _Formatter(centre.style)
    frames = data.frames[centre.centre_id]
    rng = random.Random(f"{data.seed}/{centre.centre_id}/bad-rows")
    planted = _bad_rows(frames, fmt, rng)
    folder = out_dir / centre.centre_id
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        headers = HEADERS[centre.style][kind]
        extras = _extras(centre.style, kind, centre, data.until)
        table = frames[kind].select(*(fmt.expr(kind, c).alias(c) for c in headers), *extras)
        bad = planted.get(kind, [])
        # Each mistake somewhere in the file, not at the end: where it was typed.
        positions = sorted(rng.randrange(table.height + 1) for _ in bad)
        header = [headers.get(c, c) for c in table.columns]
        path = folder / _file_name(centre.style, kind, centre, data.until)
        if centre.style == "xlsx":
            rows = table.rows()
            for at, bad_row in zip(reversed(positions), reversed(bad), strict=True):
                rows.insert(at, tuple(bad_row.get(c) for c in table.columns))
            _write_xlsx(path, header, rows)
        else:
            _write_csv(path, centre.style, _interleave(table, positions, bad), header)
        written.append(
            DemoFile(centre.centre_id, kind, centre.style, path, table.height + len(bad), len(bad))
        )
    return written


def write_exports(data: DemoData, out_dir: Path) -> list[DemoFile]:
    """Write every centre's exports under `out_dir/<centre_id>/` (the folder is emptied first:
    it only ever holds demo files)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    files: list[DemoFile] = []
    for centre in data.centres:
        files.extend(write_centre(data, centre, out_dir))
    return files


# --- through the real upload path -------------------------------------------------------------


@dataclass
class DemoSummary:
    centres: int
    files: int
    rows_written: int
    bad_rows_planted: int
    rows_stored: int = 0
    rows_quarantined: int = 0
    files_rejected: int = 0
    files_duplicate: int = 0
    build_status: str = "not run"
    build_message: str = ""
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, what it shows)
    password: str = DEMO_PASSWORD
    folder: str = ""


def demo_users(centres: list[DemoCentre]) -> list[dict]:
    """One admin, one analyst, one user per federation and one for the Interfédé, and a centre
    user for the first two centres. Demo only: they all share `DEMO_PASSWORD`."""
    from parcours.store.opstore import INTERFEDE

    users = [
        {"email": "admin@demo.parcours.be", "role": "admin"},
        {"email": "analyste@demo.parcours.be", "role": "analyst"},
        {"email": "interfede@demo.parcours.be", "role": "federation", "federation": INTERFEDE},
    ]
    slugs = {"Lire et Écrire Wallonie": "lee-wallonie"}
    for federation in FEDERATIONS:
        slug = slugs.get(federation, federation.lower())
        users.append(
            {"email": f"{slug}@demo.parcours.be", "role": "federation", "federation": federation}
        )
    for centre in centres[:2]:
        users.append(
            {
                "email": f"centre-{centre.centre_id.lower()}@demo.parcours.be",
                "role": "centre",
                "centre_id": centre.centre_id,
            }
        )
    return users


def _foreign_uploads(data_dir) -> int:
    from parcours.store import opstore

    with opstore.connected(data_dir.ops_db) as conn:
        row = conn.execute(
            "select count(*) from batches where received_by <> ?", (DEMO_ACTOR,)
        ).fetchone()
    return row[0]


def _existing_users(data_dir) -> set[str]:
    from parcours.store import opstore

    with opstore.connected(data_dir.ops_db) as conn:
        return {row[0] for row in conn.execute("select email from users")}


def build_warehouse(data_dir, echo: Callable[[str], None]):
    """The one place the demo calls the warehouse build."""
    from parcours.warehouse.build import build

    return build(data_dir, actor=DEMO_ACTOR, progress=echo)


def run_demo(
    data_dir,
    centres: int = 20,
    years: int = 3,
    seed: int = 1,
    until: date | None = None,
    *,
    echo: Callable[[str], None] = lambda _line: None,
    build: bool = True,
) -> DemoSummary:
    """Generate the exports into `data_dir.demo`, register the centres and the demo users,
    ingest every file through `parcours.upload.ingest` and build the warehouse."""
    from parcours.core.errors import ParcoursError
    from parcours.store import users as auth
    from parcours.upload import ingest
    from parcours.upload.isolation import Checker

    if _foreign_uploads(data_dir):
        raise ParcoursError(
            f"Le dossier de données {data_dir.root} contient déjà des envois qui ne viennent pas "
            "de la démo : la démo s'installe dans un dossier neuf "
            "(PARCOURS_DATA_DIR=/un/autre/dossier parcours demo)."
        )
    if until is not None and until > date.today():
        raise ParcoursError(f"La date d'export {until:%d/%m/%Y} est dans le futur.")
    echo(f"Simulation de {centres} centre(s) sur {years} an(s) (graine {seed})…")
    started = time.monotonic()
    data = generate(centres, years, seed, until)
    files = write_exports(data, data_dir.demo)
    summary = DemoSummary(
        centres=len(data.centres),
        files=len(files),
        rows_written=sum(f.rows for f in files),
        bad_rows_planted=sum(f.bad_rows for f in files),
        folder=str(data_dir.demo),
    )
    echo(
        f"{n_fr(summary.files)} fichiers écrits dans {data_dir.demo} "
        f"({n_fr(summary.rows_written)} lignes, dont {summary.bad_rows_planted} volontairement "
        f"erronées), en {time.monotonic() - started:.0f} s."
    )
    for centre in data.centres:
        with contextlib.suppress(ParcoursError):  # already registered by an earlier run
            ingest.register_centre(
                data_dir,
                centre.centre_id,
                centre.name,
                centre.federation,
                centre.postal_code,
                actor=DEMO_ACTOR,
            )
    existing = _existing_users(data_dir)
    for user in demo_users(data.centres):
        if user["email"] not in existing:  # a rerun: no need to hash the password again
            auth.add_user(data_dir, password=DEMO_PASSWORD, actor=DEMO_ACTOR, **user)
        summary.logins.append((user["email"], _scope_text(user)))

    echo("Envoi des fichiers, centre par centre, comme le ferait « parcours ingest »…")
    started = time.monotonic()
    by_centre: dict[str, list[DemoFile]] = {}
    for demo_file in files:
        by_centre.setdefault(demo_file.centre_id, []).append(demo_file)
    # One checking process for every centre's files (`ingest_files` would start one per call).
    checker = Checker()  # closed below; it also dies with this process
    for centre in data.centres:
        reports = ingest.ingest_files(
            data_dir,
            centre.centre_id,
            [f.path for f in by_centre[centre.centre_id]],
            actor=DEMO_ACTOR,
            checker=checker,
        )
        stored = sum(r.rows_stored for r in reports)
        quarantined = sum(r.rows_quarantined for r in reports)
        summary.rows_stored += stored
        summary.rows_quarantined += quarantined
        summary.files_rejected += sum(r.status == "rejected" for r in reports)
        summary.files_duplicate += sum(r.status == "duplicate" for r in reports)
        echo(
            f"  {centre.centre_id} {centre.name} "
            f"[{centre.federation}, {_STYLE_TEXT[centre.style]}] : "
            f"{n_fr(stored)} lignes enregistrées, {quarantined} en quarantaine"
            + (
                f", {sum(r.status == 'duplicate' for r in reports)} fichier(s) déjà reçu(s)"
                if any(r.status == "duplicate" for r in reports)
                else ""
            )
        )
        for report in reports:
            if report.status == "rejected":
                reason = report.errors[0]["message"] if report.errors else ""
                echo(f"    Fichier refusé : {report.file} — {reason}")
    checker.close()
    echo(f"Envoi terminé en {time.monotonic() - started:.0f} s.")
    if build:
        echo("Construction de l'entrepôt…")
        result = build_warehouse(data_dir, echo)
        summary.build_status = result.status
        summary.build_message = result.message
        echo(result.message)
    return summary


_STYLE_TEXT = {
    "excel_fr": "CSV Excel ; Windows-1252",
    "xlsx": "classeur .xlsx",
    "tab_upper": "texte tabulé, en-têtes en majuscules",
    "canonical": "CSV UTF-8 canonique",
    "quoted_bom": "CSV UTF-8 avec BOM, guillemets",
}


def _scope_text(user: dict) -> str:
    if user["role"] == "admin":
        return "administrateur (tout)"
    if user["role"] == "analyst":
        return "analyste (tous les centres, agrégats)"
    if user["role"] == "federation":
        return f"fédération {user['federation']} (agrégats)"
    return f"centre {user['centre_id']} (ses stagiaires)"


def n_fr(number: int) -> str:
    """Belgian thousands separator: 1 234."""
    return f"{number:,}".replace(",", "\u202f")
