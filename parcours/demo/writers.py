"""The writers: the simulated frames as files, in the shape each centre's software produces.

One style per centre (`DemoCentre.style`, rotating over `calibration.STYLES`): Windows-1252 `;`
with French headers and labels (`excel_fr`), `.xlsx` with typed cells (`xlsx`), tab-separated
upper-case synonyms with extra columns (`tab_upper`), canonical UTF-8 (`canonical`), quoted UTF-8
with BOM (`quoted_bom`). Each style has its headers, its date, month, decimal and national-number
spellings. A few deliberately bad rows are planted per centre (unknown code, impossible date,
hours out of range, a situation typed in by hand); the writer counts them so a test can check that
exactly these are quarantined.

Reproducible: the same frames give byte-identical files (the `.xlsx` creation date is fixed).
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from parcours import contract
from parcours.contract import KINDS
from parcours.demo.simulation import SCHEMAS, DemoCentre, DemoData

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
    kind: [c for c in schema if c not in ("birth_date",)] for kind, schema in SCHEMAS.items()
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
# How the demo's progress lines name each style.
STYLE_TEXT = {
    "excel_fr": "CSV Excel ; Windows-1252",
    "xlsx": "classeur .xlsx",
    "tab_upper": "texte tabulé, en-têtes en majuscules",
    "canonical": "CSV UTF-8 canonique",
    "quoted_bom": "CSV UTF-8 avec BOM, guillemets",
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
    """Write one centre's files in its style (one per kind it has rows of, so seven but for a
    short window), with its planted bad rows."""
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
        if table.is_empty() and not bad:
            # Nothing to send (no follow-up yet in a short window): a centre sends no file, as
            # an export without rows would be refused.
            continue
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


CORRECTION_FILE = "sorties-export-complet.csv"
CORRECTION_DAYS = 10


def write_exit_correction(data: DemoData, out_dir: Path) -> tuple[DemoCentre, str, Path] | None:
    """A centre corrects a mistyped exit date the way EXPORT_FORMAT §5 (v1.1) says: it sends its
    complete exits export again, every exit in it, one date fixed (the exit that came longest
    after its entry, `CORRECTION_DAYS` earlier). Written canonical (UTF-8, ISO dates) under the
    centre's folder; returns (centre, participant, path), or None when no centre has an exit."""
    for centre in data.centres:
        exits = data.frames[centre.centre_id]["exits"]
        if exits.is_empty():
            continue
        entries = data.frames[centre.centre_id]["participants"].select(
            "participant_id", "entry_date"
        )
        longest = (
            exits.join(entries, on="participant_id", how="inner")
            .with_columns((pl.col("exit_date") - pl.col("entry_date")).alias("stay"))
            .sort("stay", "participant_id", descending=[True, False])
            .row(0, named=True)
        )
        corrected = exits.with_columns(
            pl.when(pl.col("participant_id") == longest["participant_id"])
            .then(pl.col("exit_date") - pl.duration(days=CORRECTION_DAYS))
            .otherwise(pl.col("exit_date"))
            .alias("exit_date")
        ).select(_CANONICAL_COLUMNS["exits"])
        path = out_dir / centre.centre_id / CORRECTION_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        corrected.with_columns(pl.col("exit_date").dt.strftime("%Y-%m-%d")).write_csv(path)
        return centre, longest["participant_id"], path
    return None
