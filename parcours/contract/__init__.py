"""The export contract v1, read from its only copies: `contract/codes.csv` and
`contract/export_format.yml` (mirrors of `../shared/contract/`), the colour of each code,
`contract/colours.yml` (the dashboard's and the report's, beside the code lists), and the French
labels of the code lists' groups and of the dashboard's own series, `contract/labels.yml`.

Ingestion, the dbt seeds (transform/ points its seed path at this folder) and the UI labels all
read these files; nothing here repeats their content. (The colours are YAML, not CSV, so that
dbt does not load them as a seed.)
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACT_DIR = Path(__file__).resolve().parent
CODES_CSV = CONTRACT_DIR / "codes.csv"
EXPORT_FORMAT_YML = CONTRACT_DIR / "export_format.yml"
COLOURS_YML = CONTRACT_DIR / "colours.yml"
LABELS_YML = CONTRACT_DIR / "labels.yml"

# libyaml's parser when installed (ten times faster: every process parses the contract at start).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DROPPED = re.compile(r"[\s_\-'’./°]+")


def fold(text: str) -> str:
    """Fold a header or a value for comparison (EXPORT_FORMAT §2): lower case, accents removed,
    spaces, `_`, `-`, `'`, `’`, `.`, `/` and `°` dropped."""
    # Decompose, lower, decompose again: some compatibility characters decompose to capitals
    # (« ㎀ ») and some capitals lower to a letter plus an accent (« İ »).
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text.strip()).lower())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _DROPPED.sub("", without_accents)


@dataclass(frozen=True)
class Code:
    list: str
    code: str
    label: str
    synonyms: tuple[str, ...]
    group: str | None


@dataclass
class CodeList:
    name: str
    codes: list[Code] = field(default_factory=list)
    _lookup: dict[str, str] = field(default_factory=dict)

    def add(self, code: Code) -> None:
        self.codes.append(code)
        # The code and its label win over synonyms that fold to the same text.
        for spelling in (*code.synonyms, code.label, code.code):
            self._lookup[fold(spelling)] = code.code

    def lookup(self, value: str, mappings: dict[str, str] | None = None) -> str | None:
        """The code for a code, label or synonym (after folding), else a federation mapping."""
        folded = fold(value)
        found = self._lookup.get(folded)
        if found is None and mappings:
            found = mappings.get(folded)
        return found

    def spellings(self) -> dict[str, str]:
        """Every folded spelling → code (for vectorised lookups)."""
        return dict(self._lookup)

    @property
    def labels(self) -> dict[str, str]:
        return {c.code: c.label for c in self.codes}

    @property
    def groups(self) -> dict[str, str | None]:
        return {c.code: c.group for c in self.codes}

    def accepted_text(self, limit: int = 20) -> str:
        """Accepted values in French, for error messages."""
        shown = [f"{c.code} ({c.label})" for c in self.codes[:limit]]
        more = len(self.codes) - limit
        return ", ".join(shown) + (f" et {more} autres" if more > 0 else "")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = False
    names: tuple[str, ...] = ()
    codes: str | None = None
    min: float | None = None
    max: float | None = None
    max_years_before_today: int | None = None
    not_before: str | None = None

    @property
    def folded_names(self) -> tuple[str, ...]:
        return (fold(self.name), *(fold(n) for n in self.names))


@dataclass(frozen=True)
class KindSpec:
    name: str
    label: str  # lower case, as in « fichier de freins »
    key: tuple[str, ...]
    columns: dict[str, ColumnSpec]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.required]


@dataclass(frozen=True)
class Contract:
    code_lists: dict[str, CodeList]
    kinds: dict[str, KindSpec]
    common_columns: dict[str, ColumnSpec]
    identifier_columns: frozenset[str]

    def labels(self, list_name: str) -> dict[str, str]:
        return self.code_lists[list_name].labels

    def is_identifier(self, header: str) -> bool:
        return fold(header) in self.identifier_columns


def _column(name: str, raw: dict, participant_id: dict) -> ColumnSpec:
    if raw.get("same_as"):
        raw = {**participant_id, **{k: v for k, v in raw.items() if k != "same_as"}}
    return ColumnSpec(
        name=name,
        type=raw["type"],
        required=bool(raw.get("required", False)),
        names=tuple(raw.get("names", ())),
        codes=raw.get("codes"),
        min=raw.get("min"),
        max=raw.get("max"),
        max_years_before_today=raw.get("max_years_before_today"),
        not_before=raw.get("not_before"),
    )


def read_codes(path: Path = CODES_CSV) -> dict[str, CodeList]:
    lists: dict[str, CodeList] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            synonyms = tuple(s for s in (row["synonyms"] or "").split("|") if s)
            code = Code(row["list"], row["code"], row["label_fr"], synonyms, row["group"] or None)
            lists.setdefault(code.list, CodeList(code.list)).add(code)
    return lists


@cache
def load() -> Contract:
    """The contract, parsed once per process."""
    spec = yaml.load(EXPORT_FORMAT_YML.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 — a safe loader
    participant_id = spec["kinds"]["participants"]["columns"]["participant_id"]
    kinds = {
        kind: KindSpec(
            name=kind,
            label=raw["label"],
            key=tuple(raw["key"]),
            columns={n: _column(n, c, participant_id) for n, c in raw["columns"].items()},
        )
        for kind, raw in spec["kinds"].items()
    }
    common = {n: _column(n, c, participant_id) for n, c in spec["common_columns"].items()}
    identifiers = frozenset(fold(n) for n in spec["identifier_columns"])
    return Contract(read_codes(), kinds, common, identifiers)


# The kinds in the contract's order (participants first), and their French names.
KINDS: tuple[str, ...] = tuple(load().kinds)


def kind_label(kind: str, *, capital: bool = False) -> str:
    """« freins », or « Freins » with `capital`; an unknown kind is returned as it is."""
    spec = load().kinds.get(kind)
    label = spec.label if spec else kind
    return label[:1].upper() + label[1:] if capital else label


def kind_labels(*, capital: bool = False) -> dict[str, str]:
    """kind → French name, for tables that replace the codes."""
    return {kind: kind_label(kind, capital=capital) for kind in KINDS}


@cache
def colours() -> dict[str, dict[str, str]]:
    """list → code → colour (`#RRGGBB`), as written in colours.yml (its order kept). Lists are
    the code lists of codes.csv, `<list>.group` for the groups of a list, or the dashboard's own
    series; `parcours.presentation.palette` turns them into chart scales."""
    raw = yaml.load(COLOURS_YML.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 — a safe loader
    return {
        name: {str(code): str(colour) for code, colour in codes.items()}
        for name, codes in raw.items()
    }


@cache
def _labels_file() -> dict[str, dict[str, dict[str, str]]]:
    raw = yaml.safe_load(LABELS_YML.read_text(encoding="utf-8"))
    return {
        part: {
            name: {str(c): str(label) for c, label in codes.items()}
            for name, codes in lists.items()
        }
        for part, lists in raw.items()
    }


def group_labels(list_name: str) -> dict[str, str]:
    """group code → French label of the `group` column of a code list of codes.csv
    (`situation`: employment → « Emploi », …), in the order of legends and tables. The one
    place the pages, the report and the analytics get these labels from."""
    return dict(_labels_file()["group_labels"][list_name])


def series_labels(name: str) -> dict[str, str]:
    """code → French label of a list the dashboard draws that is not a code list of codes.csv
    (`series`, `moment`, `comparison`, `benchmark`, `lane`, and the labels the pages add to a
    list: `barrier.group.extra`, `purpose.extra`, `state.extra`)."""
    return dict(_labels_file()["series_labels"][name])


# --- population (who walks the paths) ---------------------------------------------------------
# The population dimensions the shared filters and « Ventiler par » choose from, as the dbt macro
# population_columns computes them (dim_participant_population): three code lists of codes.csv,
# plus the age band at entry, which has no code list (its bands are the IWEPS study's and are
# written once, in the macro; these are their French names). A missing value is `unknown`.
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Non renseigné"
AGE_BANDS: dict[str, str] = {
    "under_25": "Moins de 25 ans",
    "25_to_34": "25 à 34 ans",
    "35_to_44": "35 à 44 ans",
    "45_plus": "45 ans et plus",
}
POPULATION: dict[str, str] = {  # dimension (column) → its French name
    "age_band": "Âge à l'entrée",
    "gender": "Genre",
    "education": "Niveau d'études",
    "status_at_entry": "Statut à l'entrée",
}


def population_labels(dimension: str) -> dict[str, str]:
    """code → French label of one population dimension, in the list's order, `unknown` last as
    « Non renseigné » (a missing value and a declared « inconnu » are one group)."""
    if dimension == "age_band":
        labels = dict(AGE_BANDS)
    elif dimension in POPULATION:
        labels = {c: lbl for c, lbl in load().labels(dimension).items() if c != UNKNOWN}
    else:
        raise KeyError(dimension)
    labels[UNKNOWN] = UNKNOWN_LABEL
    return labels
