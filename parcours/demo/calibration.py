"""The figures and weights the demo is calibrated on, each with where it comes from.

Published figures (Interfédé, key figures 2023): 151 centres — 76 DéFI, 57 EFT, 18 both; about
14,300 new paths a year, i.e. about 95 per centre; about 5.7 million training hours a year (about
400 per path, which the path lengths and monthly hours below give); of the exits with a known next
step, 45 % go on to training and 24 % to a job. The barriers and their order follow the sector's
own dossier (« Une mosaïque de parcours, un même fil conducteur »: isolement, précarité,
mobilité, santé, logement, confiance en soi).

Everything else here is an order of magnitude chosen for the demo, written down so that it can
be argued with: it is **not** a published figure. Nothing here draws a random number; the
simulation (`simulation.py`) does, in an order that is part of the seed's contract — so the key
order of each table matters too.
"""

from __future__ import annotations

# --- centres ----------------------------------------------------------------------------------

FEDERATIONS = ("ACFI", "AID", "ALEAP", "CAIPS", "Lire et Écrire Wallonie")
# Share of centres per federation (rough order of magnitude of their membership; Lire et Écrire
# is drawn apart: it only runs DéFI literacy centres, about one centre in ten).
FEDERATION_WEIGHTS = {"ACFI": 0.17, "AID": 0.18, "ALEAP": 0.25, "CAIPS": 0.30}
LEW_SHARE = 0.10
# Interfédé 2023: 76 DéFI, 57 EFT, 18 both, out of 151 centres.
CENTRE_TYPES = {"defi": 76, "eft": 57, "both": 18}
# Interfédé 2023: about 14,300 new paths a year in 151 centres.
PATHS_PER_CENTRE_YEAR = 95
# The shapes centres' exports take (what their software or spreadsheet writes), one per centre,
# rotating; `writers.py` spells each.
STYLES = ("excel_fr", "xlsx", "tab_upper", "canonical", "quoted_bom")

# --- where: real towns, fictional centres ---------------------------------------------------

# Towns by province, with a postal code each (participants live near their centre).
TOWNS = {
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
# Share of centres per province (rough order of magnitude).
PROVINCE_WEIGHTS = {
    "Hainaut": 0.38,
    "Liège": 0.30,
    "Namur": 0.14,
    "Luxembourg": 0.09,
    "Brabant wallon": 0.09,
}
CENTRE_NAMES = [
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
# Training areas (métiers) of the EFT, DéFI and Lire et Écrire filières.
EFT_AREAS = [
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
DEFI_AREAS = [
    "Remise à niveau",
    "Informatique",
    "Préformation aide-soignant",
    "Français langue étrangère",
    "Citoyenneté et emploi",
]
LEW_AREAS = ["Alphabétisation", "Français langue étrangère"]
# Entries by calendar month (September and January peaks, a summer lull).
MONTH_SEASON = [1.3, 1.1, 1.0, 0.9, 0.8, 0.6, 0.3, 0.5, 1.6, 1.2, 1.0, 0.6]

# --- people at entry (demo assumptions) --------------------------------------------------------

GENDERS = {"F": 0.46, "M": 0.52, "X": 0.02}
AGE_AT_ENTRY = (18, 62, 24)  # years: triangular low, high, mode
EDUCATION = {
    "none": 12,
    "ceb": 22,
    "ce1d": 33,
    "cess": 15,
    "higher": 3,
    "foreign": 12,
    "unknown": 3,
}
EDUCATION_LEW = {"none": 35, "ceb": 25, "foreign": 30, "ce1d": 7, "unknown": 3}
LOCAL_SHARE = 0.6  # trainees living in the centre's own town; the others in its province

# Filière by centre type; then, per filière, the planned length and the monthly hours.
FILIERES = {
    "eft": {"eft": 0.95, "orientation": 0.05},
    "defi": {"defi": 0.88, "orientation": 0.12},
    "both": {"eft": 0.5, "defi": 0.45, "orientation": 0.05},
}
PLANNED_MONTHS = {"eft": (3, 18, 7), "defi": (2, 12, 5), "orientation": (1, 4, 2)}  # triangular
MONTHLY_HOURS = {  # gauss mean, sd, then clipped to low, high
    "eft": (96, 24, 40.0, 170.0),
    "defi": (46, 16, 12.0, 110.0),
    "orientation": (38, 12, 12.0, 70.0),
}
REFERRALS = {
    "forem": 0.35,
    "cpas": 0.20,
    "self": 0.15,
    "social_service": 0.12,
    "other_cisp": 0.05,
    "aviq": 0.03,
    "mire": 0.03,
    "justice": 0.02,
    "other": 0.05,
}
RETURN_REFERRALS = {"self": 0.6, "forem": 0.2, "cpas": 0.2}
# Status at entry follows the referral where the referrer pays or registers.
STATUS_BY_REFERRAL = {
    "cpas": {"ris": 0.85, "no_income": 0.1, "other": 0.05},
    "forem": {"dei": 0.6, "unemployment_benefit": 0.4},
    "aviq": {"disability": 0.75, "dei": 0.25},
}
STATUS_AT_ENTRY = {
    "dei": 0.40,
    "ris": 0.25,
    "unemployment_benefit": 0.15,
    "no_income": 0.10,
    "disability": 0.04,
    "other": 0.06,
}

# --- barriers (the sector's list; the shares are demo assumptions) ---------------------------

BARRIER_PREVALENCE = {
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
# Level at the first assessment of a barrier present at entry (1 = faible … 3 = fort).
INITIAL_LEVELS = {"1": 0.25, "2": 0.45, "3": 0.30}
# Barriers that may appear during a path (a new trouble, not one present at entry).
LATE_BARRIERS = ("housing", "finances", "mental_health", "physical_health", "childcare")

# --- exits and follow-ups --------------------------------------------------------------------

# Destination of an exit, by group, then code. Calibrated so that among exits with a known
# next step about 45 % go on to training and 24 % to a job (Interfédé 2023).
DESTINATION_GROUPS = {
    "training": 0.45,
    "employment": 0.24,
    "job_search": 0.15,
    "other_cisp": 0.08,
    "inactive": 0.08,
}
UNKNOWN_SHARE = 0.14  # exits whose next step the centre does not know (demo assumption)
GROUP_CODES = {
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
# Reason of an exit, by the group of its destination.
REASONS = {
    "unknown": {"dropout": 0.75, "moved": 0.15, "other": 0.10},
    "job_search": {"completed": 0.55, "dropout": 0.35, "excluded": 0.05, "other": 0.05},
    "inactive": {"health": 0.50, "dropout": 0.40, "other": 0.10},
    "employment": {"job": 0.85, "completed": 0.10, "dropout": 0.05},
    "training": {"training": 0.80, "completed": 0.20},
    "other_cisp": {"completed": 0.60, "moved": 0.25, "dropout": 0.15},
}
# Follow-ups: (months after exit, odds that the centre reaches the person then).
FOLLOWUPS = ((6, 0.75), (12, 0.6), (24, 0.45))
# Situation some months after exit, by the group of the previous situation.
FOLLOWUP_MOVES = {
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
CODE_GROUP = {code: g for g, codes in GROUP_CODES.items() for code in codes}
RETURN_ODDS = 0.25  # a dropout who comes back to the same centre later (a new path)

# --- partners and victories (fictional names; the details centres type in) -------------------

EMPLOYERS = [
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
DETAILS = {
    "driving_theory": ["réussi au 1er essai", "réussi au 2e essai", ""],
    "driving_licence": ["réussi au 1er essai", "réussi au 2e essai", "réussi au 3e essai"],
    "first_internship": ["stage en cuisine", "stage en magasin", "stage sur chantier", ""],
    "internship_completed": ["stage de 3 semaines", "bonne évaluation du tuteur", ""],
    "skills_validation": ["titre obtenu", "2 unités de compétence", ""],
    "language_level": ["niveau A2 atteint", "niveau B1 atteint", ""],
    "digital_skills": ["PMTIC module 1", "passeport TIC", ""],
}

# --- who enters shapes the path (demo assumptions) ---------------------------------------------
# Multipliers on the odds of a path, by trait at entry, multiplied together: `positive` (a
# positive exit: training or a job), `training` (training rather than a job, among positive
# exits), `dropout` (the weight of a dropout among the reasons of an exit), `lift` (the chance
# that a barrier goes down at an assessment: the time to lift), `setback` (the chance that a
# lifted barrier comes back), `return` (coming back to training after a first exit: a new path
# after a dropout, or training found after leaving). Traits that are not listed change nothing.
# Chosen so that each trait averages out near 1 over the people who enter, which keeps the
# published destination shares; the differences are the point: paths differ by public.

# The effects spread the odds around their mean, which lowers the mean share of positive exits a
# little (a share is concave in its odds): this scale brings it back to the published 69 %
# (measured on 150 centres over 10 years).
POSITIVE_SCALE = 1.08
AGE_BANDS = ((25, "<25"), (35, "25-34"), (45, "35-44"), (200, "45+"))  # (age below, band)
EFFECTS = ("positive", "training", "dropout", "lift", "setback", "return")
PATH_EFFECTS: dict[tuple[str, str], dict[str, float]] = {
    ("age", "<25"): {
        "positive": 1.1,
        "training": 1.6,
        "lift": 1.1,
        "dropout": 1.35,
        "setback": 1.5,
        "return": 1.5,
    },
    ("age", "25-34"): {"positive": 1.05},
    ("age", "35-44"): {"training": 0.85, "dropout": 0.9, "lift": 0.95},
    ("age", "45+"): {
        "positive": 0.75,
        "training": 0.6,
        "dropout": 0.8,
        "lift": 0.7,
        "setback": 0.8,
        "return": 0.6,
    },
    ("gender", "F"): {"training": 1.1, "dropout": 1.1},
    ("gender", "M"): {"training": 0.92, "setback": 1.1},
    ("education", "none"): {"positive": 0.8, "training": 0.8, "lift": 0.75},
    ("education", "ceb"): {"positive": 0.9, "lift": 0.9},
    ("education", "cess"): {"positive": 1.3, "training": 1.15, "lift": 1.25},
    ("education", "higher"): {"positive": 1.4, "training": 1.2, "lift": 1.35},
    ("education", "foreign"): {"positive": 0.95, "training": 1.3},
    ("status", "ris"): {"positive": 0.9, "dropout": 1.1, "setback": 1.3},
    ("status", "no_income"): {"positive": 0.85, "dropout": 1.2, "setback": 1.4},
    ("status", "disability"): {"positive": 0.65, "dropout": 1.2, "lift": 0.65},
    ("status", "unemployment_benefit"): {"positive": 1.2, "training": 0.85},
    ("status", "dei"): {"positive": 1.05},
    ("filiere", "eft"): {"training": 0.75},
    ("filiere", "defi"): {"training": 1.35, "lift": 1.05},
    ("filiere", "orientation"): {"positive": 0.85, "training": 1.5, "lift": 0.9},
}
# Barrier prevalence multipliers by trait (on top of the shares above; capped at 0.95): the
# young lack a licence and confidence and more often meet justice; from 45 on, health and
# digital skills weigh more and children less; benefits at the bottom bring debts and housing.
PREVALENCE_EFFECTS: dict[tuple[str, str], dict[str, float]] = {
    ("age", "<25"): {
        "mobility": 1.25,
        "self_esteem": 1.1,
        "digital": 0.6,
        "physical_health": 0.5,
        "childcare": 0.6,
        "justice": 1.6,
        "addiction": 1.3,
    },
    ("age", "35-44"): {"childcare": 1.3, "physical_health": 1.3, "digital": 1.2},
    ("age", "45+"): {
        "digital": 1.7,
        "physical_health": 2.2,
        "isolation": 1.3,
        "mobility": 0.85,
        "childcare": 0.3,
    },
    ("gender", "M"): {"justice": 1.8, "addiction": 1.7},
    ("status", "no_income"): {"finances": 1.35, "housing": 1.6},
    ("status", "ris"): {"housing": 1.5},
    ("status", "disability"): {"physical_health": 2.5, "mental_health": 1.8},
}

# --- entry years differ (demo assumptions) -----------------------------------------------------
# Each entry year's cohort has its own climate: a slow drift (the positive-exit odds and the
# barrier-lift rate improve by YEAR_TREND a year), its own luck (a few %), and one slower year in
# the middle of the window (never its first or last year; the lockdown year 2020 when the window
# holds it): fewer entries, fewer positive exits, slower lifts, more dropouts. The climates are
# scaled to average 1 over the window, so the window as a whole keeps the published shares.
YEAR_TREND = 0.05
YEAR_LUCK = 0.04  # standard deviation of a year's own luck
SLOW_YEAR = 2020
SLOW_YEAR_EFFECTS = {"positive": 0.55, "lift": 0.65, "dropout": 1.4}
SLOW_YEAR_ENTRIES = 0.8  # share of the usual entries

# --- how centres export (demo assumptions) -----------------------------------------------------
# Some centres joined late: their first upload covers only the last 9 to 15 months (none when the
# window is shorter than two years). Some leave the optional filière empty for part of their
# trainees. Some export their participants file some weeks before their other files, so the
# trainees who entered since appear in hours and barriers first (undeclared). C001 and C002
# (the demo's centre logins) keep their whole history, and C001–C003 declare every trainee, so
# that a three-centre demo has no quality issue end to end.
LATE_START_SHARE = 0.08  # of the centres
LATE_START_MONTHS = (9, 15)
NO_FILIERE_SHARE = 0.2  # of the centres …
NO_FILIERE_ROWS = (0.15, 0.6)  # … each leaving it empty for this share of its trainees
LAGGING_PARTICIPANTS_SHARE = 0.12  # of the centres
PARTICIPANTS_LAG_DAYS = (20, 60)
