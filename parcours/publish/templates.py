"""Excel templates for the centres: one `.xlsx` per kind of export (EXPORT_FORMAT §3), built from
the contract itself (`parcours/contract/export_format.yml` and `codes.csv`), never from a copy.

A template has three sheets:
1. the data sheet (first, the one ingestion reads): one header per column, the column's first
   French name; drop-down lists of the French labels on coded columns; `jj/mm/aaaa` on date
   columns (`mm/aaaa` on months); bounds on numbers; identifiers formatted as text;
2. « Explications »: each column, required or not, the values it accepts, the other headers
   accepted;
3. « Listes » (hidden): the labels of each code list the drop-downs point at (a list typed into
   the validation itself is limited to 255 characters; a range is not).

Validation messages are warnings, not stops: the contract also accepts codes and synonyms that
the drop-down does not offer.
"""

from __future__ import annotations

import io
from datetime import date

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from parcours import contract
from parcours.core import dates
from parcours.core.errors import ParcoursError

ROWS = 50_000  # data rows covered by the drop-downs and formats (the header is row 1)
DATE_FORMAT = "dd/mm/yyyy"
MONTH_FORMAT = "mm/yyyy"
DATA_SHEET = "Données"
HELP_SHEET = "Explications"
LISTS_SHEET = "Listes"
KIND_ROWS = {
    "participants": "un stagiaire : son parcours dans votre centre",
    "barriers": "un frein évalué pour un stagiaire à une date",
    "partnerships": "un partenaire mobilisé pour un stagiaire",
    "milestones": "une étape franchie (une « victoire ») par un stagiaire",
    "exits": "la sortie d'un stagiaire",
    "followups": "la situation d'un stagiaire observée après sa sortie",
    "hours": "les heures de formation d'un stagiaire pendant un mois",
}
TEXT_VALUES = {
    "participant_id": "texte : le numéro du stagiaire dans votre centre, stable — jamais un nom",
    "niss": "numéro national belge (11 chiffres) ; remplacé dès réception par un pseudonyme, "
    "jamais enregistré en clair",
    "birth_date": "date (jj/mm/aaaa) ; seule l'année est conservée",
}


def kinds() -> list[str]:
    return list(contract.load().kinds)


def check_kind(kind: str) -> contract.KindSpec:
    spec = contract.load().kinds.get(kind)
    if spec is None:
        raise ParcoursError(f"Type de fichier inconnu : « {kind} ». Types : {', '.join(kinds())}.")
    return spec


def header(column: contract.ColumnSpec) -> str:
    """The column's header in a template: its first French name (its canonical name if none)."""
    return column.names[0] if column.names else column.name


def _upper_bound(column: contract.ColumnSpec) -> float | None:
    if column.max_years_before_today is not None:
        return dates.today().year - column.max_years_before_today
    return column.max


def accepted_values(column: contract.ColumnSpec) -> str:
    """What the column accepts, in French, for the Explications sheet and the input message."""
    if column.name in TEXT_VALUES:
        return TEXT_VALUES[column.name]
    low, high = column.min, _upper_bound(column)
    bounds = ""
    if low is not None and high is not None:
        bounds = f" de {low:g} à {high:g}"
    if column.type == "code":
        labels = contract.load().labels(column.codes)
        return (
            "liste : "
            + ", ".join(labels.values())
            + " (ou le code, ex. « "
            + next(iter(labels))
            + " »)"
        )
    if column.type == "date":
        after = f", pas avant la colonne « {column.not_before} »" if column.not_before else ""
        return f"date (jj/mm/aaaa){after}"
    if column.type == "month":
        return "mois (mm/aaaa ; une date du mois convient aussi)"
    if column.type == "int":
        return "nombre entier" + bounds
    if column.type == "decimal":
        return "nombre (décimales avec une virgule)" + bounds
    return "texte libre"


def template_bytes(kind: str) -> bytes:
    """The `.xlsx` template of one kind, as bytes."""
    spec = check_kind(kind)
    codes = contract.load()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {"title": f"Parcours — modèle {kind}", "subject": "Export CISP", "author": "Parcours"}
    )
    head = book.add_format(
        {
            "bold": True,
            "bg_color": "#2E5A88",
            "font_color": "#FFFFFF",
            "text_wrap": True,
            "valign": "top",
            "border": 1,
        }  # fmt: skip
    )
    formats = {
        "date": book.add_format({"num_format": DATE_FORMAT}),
        "birth_date": book.add_format({"num_format": DATE_FORMAT}),
        "month": book.add_format({"num_format": MONTH_FORMAT}),
        "text": book.add_format({"num_format": "@"}),
        "niss": book.add_format({"num_format": "@"}),
        "decimal": book.add_format({"num_format": "0.0#"}),
    }
    data = book.add_worksheet(DATA_SHEET)
    explained = book.add_worksheet(HELP_SHEET)
    lists = book.add_worksheet(LISTS_SHEET)
    lists.hide()
    list_columns: dict[str, str] = {}

    def list_range(name: str) -> str:
        if name not in list_columns:
            col = len(list_columns)
            labels = list(codes.labels(name).values())
            lists.write(0, col, name)
            lists.write_column(1, col, labels)
            letter = xl_col_to_name(col)
            list_columns[name] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(labels) + 1}"
        return list_columns[name]

    for col, column in enumerate(spec.columns.values()):
        title = header(column)
        data.write(0, col, title, head)
        data.set_column(col, col, max(14, len(title) + 4), formats.get(column.type))
        rule: dict = {
            "input_title": title[:32],
            "input_message": accepted_values(column)[:255],
            "error_type": "warning",
            "error_title": "Valeur inattendue",
        }
        if column.type == "code":
            rule |= {
                "validate": "list",
                "source": list_range(column.codes),
                "error_message": "Choisissez une valeur de la liste (ou un code du contrat).",
            }
        elif column.type in ("date", "birth_date", "month"):
            rule |= {
                "validate": "date",
                "criteria": ">=",
                "value": date(1900, 1, 1),
                "error_message": "Tapez une date, jour d'abord : 15/03/2024.",
            }
        elif column.type in ("int", "decimal") and column.min is not None:
            high = _upper_bound(column)
            rule |= {
                "validate": "integer" if column.type == "int" else "decimal",
                "criteria": "between",
                "minimum": column.min,
                "maximum": high if high is not None else 10**9,
                "error_message": accepted_values(column)[:255],
            }
        else:
            rule["validate"] = "any"
        data.data_validation(1, col, ROWS, col, rule)
    data.freeze_panes(1, 0)
    data.set_row(0, 30)

    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    title_format = book.add_format({"bold": True, "font_size": 14})
    rows_are = KIND_ROWS.get(kind, kind)
    explained.write(0, 0, f"Modèle « {kind} » — une ligne = {rows_are}", title_format)
    required = ", ".join(header(spec.columns[c]) for c in spec.required)
    key = ", ".join(header(spec.columns[c]) for c in spec.key)
    explained.merge_range(
        1,
        0,
        1,
        4,
        "Remplissez la première feuille sans changer les en-têtes (les lignes vides sont "
        "ignorées), puis déposez le classeur sur la page « Téléverser » de Parcours ou avec "
        f"« parcours ingest ». Colonnes obligatoires : {required}. Un enregistrement est "
        f"identifié par : {key} (le plus récent envoi l'emporte).",
        wrap,
    )
    explained.set_row(1, 60)
    for col, name in enumerate(
        ("Colonne", "Obligatoire", "Valeurs acceptées", "Autres en-têtes acceptés", "Nom technique")
    ):
        explained.write(3, col, name, head)
    for row, column in enumerate(spec.columns.values(), start=4):
        explained.write(row, 0, header(column), wrap)
        explained.write(row, 1, "oui" if column.required else "non", wrap)
        explained.write(row, 2, accepted_values(column), wrap)
        explained.write(row, 3, ", ".join(column.names[1:]), wrap)
        explained.write(row, 4, column.name, wrap)
    for col, width in enumerate((26, 12, 70, 40, 18)):
        explained.set_column(col, col, width)
    book.close()
    return buffer.getvalue()
