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
# The two filières are two ways of working (decree of 10 July 2013 on the CISP); the demo makes
# them differ as the sector describes them (the sizes are demo assumptions, not measured):
# - an **EFT** trains by working on a real job (a chantier, a kitchen, a shop), nearly full time,
#   in sessions of a fixed calendar: the length is the session's whatever the barriers (they
#   stretch it little, `STRETCH`), trainees meet employers through internships (`INTERNSHIPS`),
#   and exits go to a job more often (`PATH_EFFECTS`, training < 1);
# - a **DéFI** works on the person first (confidence, French, the barriers), part time, in
#   modules a trainee may chain while the barriers are being dealt with: paths are longer in
#   months but lighter in hours, each barrier that weighs at entry stretches them, partners are
#   more often social (CPAS, health, housing: `support`), setbacks more frequent, and exits go
#   on to a qualifying training more often than to a job;
# - **orientation** is a short stop of a few weeks to find the right filière.
PLANNED_MONTHS = {"eft": (3, 18, 7), "defi": (3, 15, 7), "orientation": (1, 4, 2)}  # triangular
MONTHLY_HOURS = {  # gauss mean, sd, then clipped to low, high
    "eft": (96, 24, 40.0, 170.0),
    "defi": (32, 12, 10.0, 90.0),
    "orientation": (38, 12, 12.0, 70.0),
}
# How much each barrier present at entry at level 2 or 3 (moyen, fort) lengthens the planned
# path, by filière: a DéFI path waits for the barriers (+8 % each), an EFT session hardly does.
STRETCH = {"eft": 0.015, "defi": 0.08, "orientation": 0.0}
# The public's `length` effects (below) and the stretch average above 1 over the people who
# enter: this scale brings the mean length back, so that a path keeps about 400 training hours
# (measured on 40 centres over 6 years: EFT ≈ 9 months, DéFI ≈ 10 months but ≈ 250 hours).
LENGTH_SCALE = 0.92
# Internships with an employer, by filière: the odds of a first one (on a path of more than
# 2.5 months), then of another after each; and the odds that an exit to a job names its
# employer as a partner (the EFT's internship employer often hires).
INTERNSHIPS = {"eft": (0.7, 0.5), "defi": (0.25, 0.2), "orientation": (0.15, 0.1)}
EMPLOYER_AT_JOB_EXIT = {"eft": 0.75, "defi": 0.4, "orientation": 0.3}
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
# lifted barrier comes back, or that one gets worse for a while), `return` (coming back to
# training after a first exit: a new path after a dropout, or training found after leaving),
# `length` (the planned length of the path, before the barriers stretch it: `STRETCH`) and
# `support` (the odds of the social partnerships that work on the barriers: CPAS, health,
# housing, childcare, justice). Traits that are not listed change nothing.
# Chosen so that each trait averages out near 1 over the people who enter, which keeps the
# published destination shares; the differences are the point: paths differ by public. Why each
# effect, in short (orders of magnitude the sector's reports describe, not measured figures):
# - age: the young go on to a qualifying training more often, and drop out, fall back and come
#   back more often; from 45 on, exits are less often positive (employers hire the over-45s
#   less, a new training is less often started), barriers take longer to lift (health), and
#   paths are longer;
# - education: without a diploma (or with a CEB only) the basics come first, so paths are
#   longer, barriers lift more slowly and exits are less often positive; with a CESS or higher,
#   the reverse; a foreign diploma that is not recognised leads to training (French, then a
#   qualification) more than to a job;
# - status: people on the CPAS's revenu d'intégration (RIS) or without income are further from
#   work: more debts, housing and paperwork barriers (`PREVALENCE_EFFECTS`), more social
#   partners, longer paths, more dropouts and setbacks, fewer positive exits; people on a
#   disability allowance the more so; people on unemployment benefit are the closest to work
#   (shorter paths, more positive exits, more often to a job);
# - gender: weak on purpose (the sector reports small differences): women somewhat more often
#   go on to training and drop out a little more (childcare), men fall back a little more;
# - filière: see above (« Filière by centre type »).

# The effects spread the odds around their mean, which lowers the mean share of positive exits a
# little (a share is concave in its odds): this scale brings it back to the published 69 %
# (measured on 150 centres over 10 years).
POSITIVE_SCALE = 1.15
AGE_BANDS = ((25, "<25"), (35, "25-34"), (45, "35-44"), (200, "45+"))  # (age below, band)
EFFECTS = ("positive", "training", "dropout", "lift", "setback", "return", "length", "support")
PATH_EFFECTS: dict[tuple[str, str], dict[str, float]] = {
    ("age", "<25"): {
        "positive": 1.15,
        "training": 1.6,
        "lift": 1.1,
        "dropout": 1.35,
        "setback": 1.6,
        "return": 1.5,
        "length": 0.9,
    },
    ("age", "25-34"): {"positive": 1.1},
    ("age", "35-44"): {"training": 0.85, "dropout": 0.9, "lift": 0.95},
    ("age", "45+"): {
        "positive": 0.65,
        "training": 0.75,
        "dropout": 0.8,
        "lift": 0.7,
        "setback": 0.65,
        "return": 0.6,
        "length": 1.15,
        "support": 1.15,
    },
    ("gender", "F"): {"training": 1.1, "dropout": 1.1},
    ("gender", "M"): {"training": 0.92, "setback": 1.1},
    ("education", "none"): {"positive": 0.75, "training": 0.8, "lift": 0.75, "length": 1.15},
    ("education", "ceb"): {"positive": 0.9, "lift": 0.9, "length": 1.05},
    ("education", "cess"): {"positive": 1.35, "training": 1.15, "lift": 1.25, "length": 0.9},
    ("education", "higher"): {"positive": 1.4, "training": 1.2, "lift": 1.35, "length": 0.85},
    ("education", "foreign"): {"positive": 0.95, "training": 1.3, "length": 1.1},
    ("status", "ris"): {
        "positive": 0.85,
        "dropout": 1.1,
        "setback": 1.3,
        "length": 1.15,
        "support": 1.3,
    },
    ("status", "no_income"): {
        "positive": 0.8,
        "dropout": 1.2,
        "setback": 1.4,
        "length": 1.15,
        "support": 1.3,
    },
    ("status", "disability"): {
        "positive": 0.65,
        "dropout": 1.2,
        "lift": 0.65,
        "length": 1.2,
        "support": 1.2,
    },
    ("status", "unemployment_benefit"): {"positive": 1.25, "training": 0.85, "length": 0.9},
    ("status", "dei"): {"positive": 1.1},
    ("filiere", "eft"): {
        "positive": 1.05,
        "training": 0.6,
        "setback": 0.85,
        "support": 0.8,
    },
    ("filiere", "defi"): {
        "positive": 0.95,
        "training": 1.5,
        "setback": 1.35,
        "return": 1.3,
        "support": 1.3,
    },
    ("filiere", "orientation"): {"positive": 0.85, "training": 1.5, "lift": 0.9},
}
# Barrier prevalence multipliers by trait (on top of the shares above; capped at 0.95): the
# young lack a licence and confidence and more often meet justice; from 45 on, health and
# digital skills weigh more and children less; benefits at the bottom bring debts, housing and
# paperwork; the DéFI take in the people furthest from work (isolation, mental health, French
# and reading, paperwork), an EFT people who can already work on a chantier most days.
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
    ("status", "no_income"): {"finances": 1.35, "housing": 1.6, "administrative": 1.4},
    ("status", "ris"): {"housing": 1.5, "administrative": 1.3},
    ("status", "disability"): {"physical_health": 2.5, "mental_health": 1.8},
    ("filiere", "defi"): {
        "isolation": 1.2,
        "self_esteem": 1.1,
        "mental_health": 1.3,
        "administrative": 1.25,
        "housing": 1.2,
        "language": 1.4,
        "literacy": 1.4,
    },
    ("filiere", "eft"): {
        "isolation": 0.85,
        "mental_health": 0.75,
        "language": 0.7,
        "literacy": 0.7,
    },
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
