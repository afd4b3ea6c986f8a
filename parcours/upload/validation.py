"""Checking an uploaded file (EXPORT_FORMAT §1–4): header → kind, row rules → accepted typed frame,
quarantined rows with French reasons, and warnings.

`check_file` reads and checks one file; `check_rows` applies the row rules to a frame whose columns
already carry canonical names, so that `parcours replay` re-checks quarantined rows (for instance
after the federation added a code mapping) with exactly the rules of the first upload.

The accepted path is vectorised (polars expressions over whole columns); Python loops only over the
failing rows, to write their messages. Nothing here writes to disk.

Privacy: a national number is replaced by its `person_key` before anything leaves this module,
`birth_date` by its year, and direct identifier columns (name, address, phone…) are dropped.
No message ever shows a national number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import polars as pl

from parcours import contract
from parcours.core import dates
from parcours.core.errors import FileRejected
from parcours.upload import parsing, privacy
from parcours.upload.limits import UploadLimits
from parcours.upload.reading import OVERFLOW, ROW_NUMBER, RawTable, read_table

EVENT_DATE_FLOOR = date(1990, 1, 1)


def kind_file(kind: str) -> str:
    """« fichier de freins », « fichier d'heures de formation »…"""
    label = contract.kind_label(kind)
    return f"fichier d'{label}" if label[0] in "aeéhiou" else f"fichier de {label}"


# Columns every kind has: they do not tell kinds apart.
_SHARED_COLUMNS = ("participant_id", "centre_id")
_MAX_LISTED = 5
# Columns a raw frame may carry through check_rows unchanged (set by a first check).
_CARRIED = ("person_key", "extra", OVERFLOW)


@dataclass
class QuarantinedRow:
    row_number: int
    # canonical column → raw text; identifiers dropped; national numbers masked wherever they
    # were; a valid NISS replaced by its person_key under "person_key", an invalid one kept
    # masked; "extra" (JSON text) when the row had extras.
    raw: dict[str, str | None]
    errors: list[dict] = field(default_factory=list)  # {"row", "column", "value", "message"}


@dataclass
class CheckedFile:
    kind: str
    rows_read: int
    # the landing schema (docs/ARCHITECTURE.md) without batch_id
    accepted: pl.DataFrame
    quarantined: list[QuarantinedRow]
    warnings: list[str]
    # canonical column → header as written in the file (for messages and reports)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.accepted.height + len(self.quarantined) == self.rows_read


# --- landing schema ----------------------------------------------------------------------------


def _is_int_code_list(name: str) -> bool:
    return all(c.code.isdigit() for c in contract.load().code_lists[name].codes)


def _dtype(column: contract.ColumnSpec) -> pl.DataType:
    if column.type in ("date", "month"):
        return pl.Date
    if column.type == "int":
        return pl.Int16
    if column.type == "decimal":
        return pl.Float64
    if column.type == "code" and _is_int_code_list(column.codes):
        return pl.Int8
    return pl.String


def landing_schema(kind: str, *, with_batch_id: bool = False) -> dict[str, pl.DataType]:
    """The columns of a landing parquet file of `kind`, in order (docs/ARCHITECTURE.md)."""
    spec = contract.load().kinds[kind]
    schema: dict[str, pl.DataType] = {"batch_id": pl.String} if with_batch_id else {}
    schema |= {"centre_id": pl.String, ROW_NUMBER: pl.Int32}
    has_niss = False
    for name, column in spec.columns.items():
        if column.type == "niss":
            has_niss = True
        elif column.type != "birth_date":  # reduced to birth_year
            schema[name] = _dtype(column)
    if has_niss:
        schema["person_key"] = pl.String
    schema["extra"] = pl.String
    return schema


# --- header → kind -----------------------------------------------------------------------------


@dataclass
class HeaderMatch:
    kind: str
    columns: dict[int, str]  # header position → canonical column (centre_id included)
    missing: list[str]  # required columns not found
    shadowed: dict[int, str]  # header position → canonical column already read from another one

    @property
    def specific(self) -> int:
        return sum(1 for c in self.columns.values() if c not in _SHARED_COLUMNS)


def _match(headers: list[str], kind: contract.KindSpec) -> HeaderMatch:
    specs = {**contract.load().common_columns, **kind.columns}
    # folded name → (canonical column, rank): the canonical name first, generic names last,
    # so that « Date d'évaluation » beats « Date » when a file has both.
    names: dict[str, tuple[str, int]] = {}
    for spec in specs.values():
        for rank, folded in enumerate(spec.folded_names):
            names.setdefault(folded, (spec.name, rank))
    chosen: dict[str, tuple[int, int]] = {}  # canonical → (position, rank)
    shadowed: dict[int, str] = {}
    for position, header in enumerate(headers):
        found = names.get(contract.fold(header))
        if found is None:
            continue
        column, rank = found
        if column in chosen:
            other, other_rank = chosen[column]
            if rank < other_rank:
                shadowed[other] = column
                chosen[column] = (position, rank)
            else:
                shadowed[position] = column
        else:
            chosen[column] = (position, rank)
    columns = {position: column for column, (position, _) in chosen.items()}
    missing = [c for c in kind.required if c not in chosen]
    return HeaderMatch(kind.name, dict(sorted(columns.items())), missing, shadowed)


def french_name(column: str, kind: str | None = None) -> str:
    """The first French name of a canonical column (« numéro stagiaire » for participant_id)."""
    c = contract.load()
    specs = dict(c.common_columns)
    for name in [kind] if kind else list(c.kinds):
        specs = {**c.kinds[name].columns, **specs}
    spec = specs.get(column)
    return spec.names[0] if spec and spec.names else column


def _quote_header(headers: list[str]) -> str:
    # A file without header shows a data line here: a cell that could be a national number
    # (9 digits or more) is masked.
    shown = [privacy.mask(h) if sum(ch.isdigit() for ch in h) >= 9 else h for h in headers]
    return "« " + " ; ".join(shown) + " »"


def _missing_text(match: HeaderMatch) -> str:
    return ", ".join(f"{c} (« {french_name(c, match.kind)} »)" for c in match.missing)


def detect_kind(headers: list[str], file_name: str = "fichier") -> HeaderMatch:
    """The kind of a file from its header alone (EXPORT_FORMAT §1), or `FileRejected`."""
    kinds = contract.load().kinds
    matches = [_match(headers, spec) for spec in kinds.values()]
    complete = [m for m in matches if not m.missing]
    if complete:
        # The kind accounting for the most header columns; then the one asking the most.
        return max(
            complete,
            key=lambda m: (len(m.columns), len(kinds[m.kind].required), -matches.index(m)),
        )

    def closeness(m: HeaderMatch) -> tuple[int, int]:
        return (len(kinds[m.kind].required) - len(m.missing), m.specific)

    best = max(matches, key=closeness)
    ties = [m for m in matches if closeness(m) == closeness(best)]
    if best.specific and len(ties) == 1:
        raise FileRejected(
            f"{file_name} : colonne obligatoire manquante pour un {kind_file(best.kind)} "
            f"({best.kind}) : {_missing_text(best)}. "
            f"En-tête trouvé : {_quote_header(headers)}.",
            kind=best.kind,
        )
    best = min(matches, key=lambda m: (len(m.missing), -m.specific))
    raise FileRejected(
        f"{file_name} : type de fichier non reconnu, l'en-tête ne correspond à aucun type d'export."
        f" En-tête trouvé : {_quote_header(headers)}. Le type le plus proche est le "
        f"{kind_file(best.kind)} ({best.kind}), auquel il manque : {_missing_text(best)}.",
        kind=None,
    )


# --- check_file --------------------------------------------------------------------------------


def _unique_names(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for header in headers:
        count = seen.get(header, 0) + 1
        seen[header] = count
        names.append(header if count == 1 else f"{header} ({count})")
    return names


@cache
def _personal_names() -> frozenset[str]:
    """Folded names of the columns that are reduced or pseudonymised in the kind that has them
    (national number, birth date): in another kind's file they would be kept whole as extras."""
    return frozenset(
        folded
        for kind in contract.load().kinds.values()
        for column in kind.columns.values()
        if column.type in ("niss", "birth_date")
        for folded in column.folded_names
    )


def _looks_like_niss(values: pl.Series) -> bool:
    present = values.drop_nulls().head(1000)
    if present.is_empty():
        return False
    valid = present.to_frame("v").select(parsing.niss_expr(pl.col("v")).is_not_null().mean())
    return valid.item() >= 0.5


def check_file(
    content: bytes,
    file_name: str,
    centre_id: str,
    *,
    pseudonym_key: bytes,
    mappings: dict[str, dict[str, str]] | None = None,
    today: date | None = None,
    limits: UploadLimits | None = None,
) -> CheckedFile:
    """Read and check one uploaded file. Raises `FileRejected` (French) when refused whole.

    Pure (writes nothing), and run by the upload pipeline in a memory- and time-limited child
    process (`parcours.upload.isolation`)."""
    table = read_table(content, file_name, limits)
    match = detect_kind(table.headers, file_name)
    _check_centre(table, match, centre_id, file_name)
    sorted_columns = _sort_columns(table, match)
    warnings = sorted_columns.warnings(table, match)
    headers = {c: table.headers[p] for p, c in match.columns.items()}
    masked: dict[str, int] = {}
    accepted, quarantined = check_rows(
        match.kind,
        _raw_frame(table, match, sorted_columns.extras),
        centre_id,
        pseudonym_key=pseudonym_key,
        mappings=mappings,
        today=today,
        headers=headers,
        masked=masked,
    )
    if masked:
        where = ", ".join(
            f"« {headers.get(c, 'colonnes supplémentaires' if c == 'extra' else c)} » ({n})"
            for c, n in masked.items()
        )
        warnings.append(
            "Numéros nationaux trouvés dans le texte et masqués (••) avant tout enregistrement : "
            f"{where}. Un numéro national ne va que dans la colonne « numéro national »."
        )
    duplicates = duplicate_warning(match.kind, accepted, headers)
    if duplicates:
        warnings.append(duplicates)
    return CheckedFile(match.kind, table.height, accepted, quarantined, warnings, headers)


def _check_centre(table: RawTable, match: HeaderMatch, centre_id: str, file_name: str) -> None:
    """A `centre_id` column must name the centre the upload is made for (else: refused whole)."""
    for position, column in match.columns.items():
        if column != "centre_id":
            continue
        values = table.frame.get_column(f"c{position}").drop_nulls().unique().sort().to_list()
        others = [v for v in values if v.casefold() != centre_id.casefold()]
        if others:
            raise FileRejected(
                f"{file_name} : la colonne « {table.headers[position]} » contient "
                f"« {others[0]} », alors que l'envoi est fait pour le centre « {centre_id} ». "
                "Rien n'a été enregistré.",
                kind=match.kind,
            )


@dataclass
class _SortedColumns:
    """The header columns the kind does not read, by fate."""

    identifiers: list[str] = field(default_factory=list)  # dropped: names, phones…
    personal: list[str] = field(default_factory=list)  # dropped: birth date, NISS of other kinds
    national_numbers: list[str] = field(default_factory=list)  # dropped: values are NISS
    extras: list[int] = field(default_factory=list)  # kept in `extra` (positions)

    def warnings(self, table: RawTable, match: HeaderMatch) -> list[str]:
        def quoted(headers: list[str]) -> str:
            return ", ".join(f"« {h} »" for h in headers)

        warnings = []
        if self.identifiers:
            warnings.append(
                "Colonnes d'identification directe supprimées avant tout enregistrement : "
                f"{quoted(self.identifiers)}."
            )
        if self.personal:
            warnings.append(
                "Colonnes de données personnelles supprimées avant tout enregistrement, car un "
                f"{kind_file(match.kind)} ne les prévoit pas : {quoted(self.personal)}."
            )
        if self.national_numbers:
            warnings.append(
                "Colonnes supprimées avant tout enregistrement car elles contiennent des numéros "
                f"nationaux : {quoted(self.national_numbers)}. Nommez la colonne « numéro "
                "national » pour qu'ils soient pseudonymisés."
            )
        for position, column in match.shadowed.items():
            winner = table.headers[next(p for p, c in match.columns.items() if c == column)]
            warnings.append(
                f"Colonne « {table.headers[position]} » non lue comme {column} : la colonne "
                f"« {winner} » donne déjà cette information (conservée en colonne supplémentaire)."
            )
        plain = [table.headers[p] for p in self.extras if p not in match.shadowed]
        if plain:
            warnings.append(
                f"Colonnes supplémentaires conservées telles quelles, sans vérification : "
                f"{quoted(plain)}."
            )
        return warnings


def _sort_columns(table: RawTable, match: HeaderMatch) -> _SortedColumns:
    result = _SortedColumns()
    for position, header in enumerate(table.headers):
        if position in match.columns:
            continue
        if privacy.is_identifier(header):
            result.identifiers.append(header)
        elif contract.fold(header) in _personal_names():
            result.personal.append(header)
        elif _looks_like_niss(table.frame.get_column(f"c{position}")):
            result.national_numbers.append(header)
        else:
            result.extras.append(position)
    return result


def _raw_frame(table: RawTable, match: HeaderMatch, extras: list[int]) -> pl.DataFrame:
    """The frame `check_rows` takes: canonical names, strings, `extra` as a JSON object."""
    select = [
        pl.col(ROW_NUMBER),
        *(pl.col(f"c{p}").alias(c) for p, c in match.columns.items() if c != "centre_id"),
    ]
    if OVERFLOW in table.frame.columns:
        select.append(pl.col(OVERFLOW))
    if extras:
        names = _unique_names([table.headers[p] for p in extras])
        fields = [pl.col(f"c{p}").alias(n) for p, n in zip(extras, names, strict=True)]
        any_extra = pl.any_horizontal(pl.col(f"c{p}").is_not_null() for p in extras)
        select.append(
            pl.when(any_extra).then(pl.struct(fields).struct.json_encode()).alias("extra")
        )
    return table.frame.select(select)


def duplicate_warning(kind: str, accepted: pl.DataFrame, headers: dict[str, str]) -> str | None:
    """French warning naming the rows that share a key (dbt keeps the last one)."""
    key = list(contract.load().kinds[kind].key)
    # A hash of the key finds candidate rows cheaply (a million rows without duplicates is the
    # common case); the exact grouping below runs on the candidates only.
    hashes = accepted.select(pl.struct(key).hash()).to_series()
    if hashes.n_unique() == accepted.height:
        return None
    candidates = accepted.filter(hashes.is_duplicated())
    groups = (
        candidates.group_by(key)
        .agg(pl.col(ROW_NUMBER).sort())
        .filter(pl.col(ROW_NUMBER).list.len() > 1)
        .sort(pl.col(ROW_NUMBER).list.first())
    )
    if groups.is_empty():
        return None
    key_text = ", ".join(headers.get(c, c) for c in key)
    parts = []
    for rows in groups.get_column(ROW_NUMBER).head(_MAX_LISTED).to_list():
        parts.append("lignes " + ", ".join(map(str, rows[:-1])) + f" et {rows[-1]}")
    more = groups.height - _MAX_LISTED
    listed = " ; ".join(parts) + (f" ; et {more} autres groupes" if more > 0 else "")
    return (
        f"Doublons dans le fichier (même {key_text}) : {listed}. "
        "Pour chaque groupe, la dernière ligne l'emporte."
    )


# --- check_rows --------------------------------------------------------------------------------

# Error codes computed per column by expressions, turned into French by `_message`.
_MISSING, _INVALID, _RANGE, _FUTURE, _EARLY, _UNKNOWN, _ORDER, _NISS_LIKE = (
    "missing",
    "invalid",
    "range",
    "future",
    "early",
    "unknown",
    "order",
    "niss_like",
)
_OVERFLOW = "overflow"
# The `column` of an error that concerns the whole line.
WHOLE_ROW = "*"


def _typed(name: str) -> str:
    return f"__typed_{name}"


def _error(name: str) -> str:
    return f"__error_{name}"


def _code_map(
    values: pl.Series, code_list: contract.CodeList, mapping: dict[str, str] | None
) -> dict[str, str | None]:
    """Each distinct value → its code (None when unknown); few distinct values, so Python."""
    numeric = _is_int_code_list(code_list.name)
    found = {}
    for value in values.drop_nulls().unique().to_list():
        number = parsing.parse_int(value) if numeric else None
        # `3.0` is the level 3 as a spreadsheet may write it.
        found[value] = code_list.lookup(str(number) if number is not None else value, mapping)
    return found


def _bounds(column: contract.ColumnSpec, today: date) -> tuple[float | None, float | None]:
    high = column.max
    if column.max_years_before_today is not None:
        high = today.year - column.max_years_before_today
    return column.min, high


def check_rows(
    kind: str,
    raw: pl.DataFrame,
    centre_id: str,
    *,
    pseudonym_key: bytes,
    mappings: dict[str, dict[str, str]] | None = None,
    today: date | None = None,
    headers: dict[str, str] | None = None,
    masked: dict[str, int] | None = None,
) -> tuple[pl.DataFrame, list[QuarantinedRow]]:
    """Apply the row rules of `kind` to `raw` (canonical column names, all strings, plus
    `row_number` and optionally `person_key` and `extra`).

    Returns the accepted rows in the landing schema (without batch_id) and the quarantined rows.
    `headers` (canonical → header as in the file) only makes messages speak the file's language.
    `masked`, when given, receives per column the number of values where national numbers were
    masked.

    This is the one place the row rules live: `check_file` (first upload) and `replay`
    (quarantined rows, whose raw values were masked where privacy required) both come here, so
    a row refused for privacy stays refused.
    """
    c = contract.load()
    spec = c.kinds[kind]
    today = today or dates.today()
    mappings = mappings or {}
    headers = headers or {}
    present = [name for name in spec.columns if name in raw.columns]
    work = raw.with_columns(
        pl.col(ROW_NUMBER).cast(pl.Int32),
        *(pl.lit(None, pl.String).alias(n) for n in spec.columns if n not in raw.columns),
        *(pl.lit(None, pl.String).alias(n) for n in _CARRIED if n not in raw.columns),
    )
    work = work.with_columns(pl.col(n).cast(pl.String) for n in spec.columns)

    # National numbers: pseudonymised now (eagerly, few distinct values), the clear digits never
    # leave this function.
    niss_column = next((n for n, s in spec.columns.items() if s.type == "niss"), None)
    if niss_column:
        digits = work.select(parsing.niss_expr(pl.col(niss_column))).to_series()
        work = work.with_columns(
            pl.coalesce(
                pl.col("person_key"), privacy.pseudonymise_series(digits, pseudonym_key)
            ).alias("person_key"),
            pl.when(pl.col(niss_column).is_not_null() & digits.is_null())
            .then(pl.lit(_INVALID))
            .alias(_error(niss_column)),
        )

    # National numbers anywhere else (free text, extra columns, codes, ids…): masked now,
    # before any rule reads the values, so none reaches the landing file, the quarantine or a
    # message. The count per column goes to `masked` for the file's warnings.
    texts = [n for n, col in spec.columns.items() if col.type != "niss"] + ["extra"]
    work, found = privacy.mask_national_numbers(work, texts)
    if masked is not None:
        masked.update({name: int(rows.sum()) for name, rows in found.items()})

    # A trainee id holding a national number would put it on disk in clear (and masked, it is no
    # id any more): refused. A masked id — a quarantined row replayed — is refused the same way.
    niss_like = pl.col("participant_id").str.contains(privacy.MASK, literal=True).fill_null(False)
    if "participant_id" in found:
        niss_like = niss_like | pl.lit(found["participant_id"])
    work = work.with_columns(niss_like.alias("__niss_like"))

    typed: list[pl.Expr] = []
    for name, column in spec.columns.items():
        value = pl.col(name)
        if column.type in ("date", "birth_date"):
            typed.append(parsing.date_expr(value).alias(_typed(name)))
        elif column.type == "month":
            typed.append(parsing.month_expr(value).alias(_typed(name)))
        elif column.type == "int":
            typed.append(parsing.int_expr(value).alias(_typed(name)))
        elif column.type == "decimal":
            typed.append(parsing.decimal_expr(value).alias(_typed(name)))
        elif column.type == "code":
            mapped = _code_map(
                work.get_column(name), c.code_lists[column.codes], mappings.get(column.codes)
            )
            typed.append(
                value.replace_strict(mapped, default=None, return_dtype=pl.String).alias(
                    _typed(name)
                )
            )
        elif column.type == "text":
            typed.append(value.alias(_typed(name)))
    work = work.with_columns(typed)

    errors: list[pl.Expr] = []
    for name, column in spec.columns.items():
        value, parsed = pl.col(name), pl.col(_typed(name))
        if column.type == "niss":
            continue
        rule = pl.when(value.is_null() & pl.lit(column.required)).then(pl.lit(_MISSING))
        if name == "participant_id":
            rule = rule.when(pl.col("__niss_like")).then(pl.lit(_NISS_LIKE))
        if column.type in ("date", "month", "int", "decimal", "code", "birth_date"):
            invalid = _UNKNOWN if column.type == "code" else _INVALID
            rule = rule.when(value.is_not_null() & parsed.is_null()).then(pl.lit(invalid))
        if column.type in ("date", "month"):
            rule = (
                rule.when(parsed > pl.lit(today))
                .then(pl.lit(_FUTURE))
                .when(parsed < pl.lit(EVENT_DATE_FLOOR))
                .then(pl.lit(_EARLY))
            )
            if column.not_before:
                rule = rule.when(parsed < pl.col(_typed(column.not_before))).then(pl.lit(_ORDER))
        if column.type in ("int", "decimal"):
            low, high = _bounds(column, today)
            if low is not None:
                rule = rule.when(parsed < low).then(pl.lit(_RANGE))
            if high is not None:
                rule = rule.when(parsed > high).then(pl.lit(_RANGE))
        if column.type == "birth_date":
            rule = rule.when(parsed > pl.lit(today)).then(pl.lit(_FUTURE))
            if "birth_year" in spec.columns:
                low, high = _bounds(spec.columns["birth_year"], today)
                year = parsed.dt.year()
                rule = rule.when(
                    pl.col(_typed("birth_year")).is_null() & ((year < low) | (year > high))
                ).then(pl.lit(_RANGE))
        errors.append(rule.otherwise(None).alias(_error(name)))
    # Values beyond the header's last column: the row cannot be trusted (see reading.py).
    errors.append(
        pl.when(pl.col(OVERFLOW).is_not_null()).then(pl.lit(_OVERFLOW)).alias(_error(OVERFLOW))
    )
    work = work.with_columns(errors)

    # birth_date is reduced to its year at once; birth_year, when given, wins.
    birth_date = next((n for n, s in spec.columns.items() if s.type == "birth_date"), None)
    if birth_date and "birth_year" in spec.columns:
        work = work.with_columns(
            pl.coalesce(
                pl.col(_typed("birth_year")),
                pl.col(_typed(birth_date)).dt.year().cast(pl.Int64),
            ).alias(_typed("birth_year"))
        )
    error_columns = [_error(n) for n in [*spec.columns, OVERFLOW] if _error(n) in work.columns]
    bad = pl.any_horizontal(pl.col(e).is_not_null() for e in error_columns)
    work = work.with_columns(bad.alias("__bad"))

    schema = landing_schema(kind)
    accepted = work.filter(~pl.col("__bad")).select(
        pl.lit(centre_id, pl.String).alias("centre_id"),
        pl.col(ROW_NUMBER),
        *(
            pl.col(_typed(n)).cast(dtype).alias(n)
            for n, dtype in schema.items()
            if n not in ("centre_id", ROW_NUMBER, "person_key", "extra")
        ),
        *([pl.col("person_key")] if "person_key" in schema else []),
        pl.col("extra").cast(pl.String),
    )
    failing = work.filter(pl.col("__bad"))
    quarantined = _quarantine(failing, spec, present, headers, c, today) if failing.height else []
    return accepted, quarantined


def _quarantine(
    failing: pl.DataFrame,
    spec: contract.KindSpec,
    present: list[str],
    headers: dict[str, str],
    c: contract.Contract,
    today: date,
) -> list[QuarantinedRow]:
    """Quarantine entries for the failing rows (a whole file may fail on one systematic problem,
    so values are prepared by expressions and Python only fills message templates)."""
    numbers = failing.get_column(ROW_NUMBER).to_list()
    errors: list[list[dict]] = [[] for _ in numbers]
    for name, column in spec.columns.items():
        if _error(name) not in failing.columns:
            continue
        other = pl.col(column.not_before) if column.not_before else pl.lit(None, pl.String)
        found = failing.select(
            pl.int_range(pl.len()).alias("position"),
            pl.col(_error(name)),
            _shown(name, column).cast(pl.String),
            other.cast(pl.String),
        ).filter(pl.col(_error(name)).is_not_null())
        templates: dict[str, str] = {}
        where = f", colonne « {headers.get(name, name)} » : "
        for position, code, value, other_value in found.iter_rows():
            if code not in templates:
                templates[code] = _template(code, column, spec, c, today, headers)
            text = templates[code].replace(_VALUE, value or "").replace(_OTHER, other_value or "")
            number = numbers[position]
            errors[position].append(
                {
                    "row": number,
                    "column": name,
                    "value": value,
                    "message": f"Ligne {number}{where}{text}",
                }
            )
    # Keys left out when null: those the file did not have, and what a row may or may not carry.
    optional = {"person_key", "extra", *(n for n in spec.columns if n not in present)}
    optional |= {n for n, col in spec.columns.items() if col.type in ("birth_date", "niss")}
    raws = failing.select(_raw_fields(spec, present)).to_dicts()
    overflows = failing.get_column(_error(OVERFLOW)).is_not_null().to_list()
    quarantined = []
    for number, row_errors, raw, overflow in zip(numbers, errors, raws, overflows, strict=True):
        if overflow:
            quarantined.append(_overflow_row(number))
        else:
            raw = {k: v for k, v in raw.items() if v is not None or k not in optional}
            quarantined.append(QuarantinedRow(number, raw, row_errors))
    return quarantined


def _overflow_row(number: int) -> QuarantinedRow:
    # Its values are shifted: any of them may come from a dropped column (a name…), so none is
    # kept or shown, and the other errors of the line (computed on shifted values) go.
    message = (
        f"Ligne {number} : plus de valeurs que de colonnes dans l'en-tête ; une valeur contient "
        "sans doute le séparateur sans être entre guillemets (par exemple 12,5 dans un fichier "
        "séparé par des virgules). Les valeurs de cette ligne ne sont pas reprises."
    )
    error = {"row": number, "column": WHOLE_ROW, "value": None, "message": message}
    return QuarantinedRow(number, {OVERFLOW: "1"}, [error])


def _shown(name: str, column: contract.ColumnSpec) -> pl.Expr:
    """The value as an error may show it: never a national number, never a whole birth date."""
    value = pl.col(name)
    if column.type == "niss":
        return privacy.mask_expr(value)
    if name == "participant_id":
        return pl.when(pl.col("__niss_like")).then(privacy.mask_expr(value)).otherwise(value)
    if column.type == "birth_date":
        year = pl.col(_typed(name)).dt.year().cast(pl.String)
        return pl.when(pl.col(_typed(name)).is_not_null()).then(year).otherwise(value)
    return value


def _raw_fields(spec: contract.KindSpec, present: list[str]) -> list[pl.Expr]:
    """What a quarantined row keeps for a replay: canonical column → text, national number
    replaced by its person_key (or removed when invalid), birth date reduced to its year."""
    fields: dict[str, pl.Expr] = {}
    for name in present:
        column = spec.columns[name]
        if column.type == "niss":
            # An invalid number is kept masked (no digit left), so that a replay refuses it as
            # the first check did; a valid one lives on as `person_key` only.
            fields[name] = pl.when(pl.col("person_key").is_null()).then(
                privacy.mask_expr(pl.col(name))
            )
            continue
        if column.type == "birth_date":
            year = pl.col(_typed(name)).dt.year().cast(pl.String)
            if "birth_year" in spec.columns:
                fields["birth_year"] = pl.coalesce(fields.get("birth_year", pl.lit(None)), year)
            fields[name] = pl.when(pl.col(_typed(name)).is_null()).then(pl.col(name))
        else:
            fields[name] = _shown(name, column) if name == "participant_id" else pl.col(name)
    fields["person_key"] = pl.col("person_key")
    fields["extra"] = pl.col("extra")
    return [expr.cast(pl.String).alias(name) for name, expr in fields.items()]


# Placeholders in message templates for the shown value and the other column's value (NUL never
# reaches here: reading refuses it).
_VALUE, _OTHER = "\x00value\x00", "\x00other\x00"


def _template(
    code: str,
    column: contract.ColumnSpec,
    spec: contract.KindSpec,
    c: contract.Contract,
    today: date,
    headers: dict[str, str],
) -> str:
    """The French reason for an error code, with placeholders for the values."""
    value = _VALUE
    if code == _MISSING:
        return "valeur manquante (colonne obligatoire)."
    if code == _NISS_LIKE:
        return (
            "ce numéro de stagiaire est un numéro national, qui ne peut pas être enregistré en "
            "clair ; utilisez le numéro de dossier du centre (le numéro national va dans la "
            "colonne « numéro national »)."
        )
    if code == _UNKNOWN and column.codes:
        return (
            f"valeur « {value} » inconnue. Valeurs acceptées : "
            f"{c.code_lists[column.codes].accepted_text()}."
        )
    if code == _INVALID:
        if column.type == "niss":
            return (
                "numéro national invalide (11 chiffres dont les 2 derniers sont la clé de "
                "contrôle) ; la valeur n'est pas reprise ici."
            )
        if column.type in ("date", "birth_date"):
            return f"date « {value} » invalide (formats acceptés : 15/03/2024, 2024-03-15)."
        if column.type == "month":
            return f"mois « {value} » invalide (formats acceptés : 03/2024, 2024-03 ou une date)."
        if column.type == "int":
            return f"nombre entier « {value} » invalide."
        return f"nombre « {value} » invalide (exemples acceptés : 12,5 ou 12.5)."
    if code == _RANGE:
        if column.type == "birth_date":
            low, high = _bounds(spec.columns["birth_year"], today)
            return f"année de naissance « {value} » hors limites (de {low} à {high})."
        low, high = _bounds(column, today)
        return f"valeur « {value} » hors limites (de {_number(low)} à {_number(high)})."
    if code == _FUTURE:
        if column.type == "birth_date":
            return "date de naissance dans le futur."
        return f"date « {value} » dans le futur."
    if code == _EARLY:
        return f"date « {value} » antérieure au 01/01/1990."
    if code == _ORDER and column.not_before:
        other = column.not_before
        return (
            f"date « {value} » antérieure à la date de début « {_OTHER} » "
            f"(colonne « {headers.get(other, other)} »)."
        )
    return f"valeur « {value} » refusée."


def _number(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def is_json_object(text: str | None) -> bool:
    """True when `text` is a JSON object (the `extra` column's format)."""
    if text is None:
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
