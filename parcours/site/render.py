"""The site's files: pages (HTML, no JavaScript), charts (SVG from the Altair specification,
rendered by vl-convert), open data (CSV and `datapackage.json`).

Every address is relative, so the folder works from any static web server, under any path. A
figure's page is `YEAR/LEVEL/VALUE/FIGURE.html` (VALUE: the level's value in lower-case ASCII), the
same at every regeneration; its embeddable snippet is `FIGURE-integrer.html` beside it. The
« citer ce chiffre » line and the snippet to copy are the only absolute addresses, when the
site's public address is known (`PARCOURS_SITE_URL`): a reader copies them to another page.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import vl_convert

from parcours.presentation import charts
from parcours.presentation import formatting as fmt
from parcours.site import catalogue, disclosure
from parcours.site.tables import LEVEL_NAMES, Cell, Level, YearTables

COLUMNS = ["figure", "year", "level", "level_value", "dimension", "category", "count", "base",
           "share"]  # fmt: skip
SITE_NAME = "Observatoire des parcours CISP"
PUBLISHER = "Interfédé des CISP"
COUNT_MASK = f"<{fmt.NBSP}10"
SHARE_BASE = f"base <{fmt.NBSP}20"
MASKED = "masqué"
SITE_URL_ENV = "PARCOURS_SITE_URL"  # the site's public root, e.g. https://observatoire.example.be/


def public_url(address: str) -> str | None:
    """The address a reader copies to another page (a citation, an iframe): `address` (relative
    to the site's root) under the site's public root, or None when that root is not set."""
    base = os.environ.get(SITE_URL_ENV, "").strip()
    return f"{base.rstrip('/')}/{address}" if base else None


STYLE = """
:root { color: #1b1b1b; background: #fff; font: 16px/1.5 system-ui, sans-serif; }
body { max-width: 60rem; margin: 0 auto; padding: 0 1rem 2rem; }
a { color: #0b4f8a; text-decoration: underline; }
a:focus, a:hover { outline: 3px solid #b8570b; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { position: static; display: inline-block; padding: .5rem; background: #fff; }
header { border-bottom: 2px solid #0b4f8a; margin-bottom: 1rem; }
header p { font-weight: bold; font-size: 1.2rem; margin: .5rem 0; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
th, td { border: 1px solid #767676; padding: .25rem .5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
.defile { overflow-x: auto; max-width: 100%; }
.defile:focus { outline: 3px solid #b8570b; outline-offset: 2px; }
figure img { max-width: 100%; height: auto; }
.note { border-left: 4px solid #0b4f8a; padding-left: .75rem; }
.cite { background: #f2f2f2; padding: .5rem; }
pre { white-space: pre-wrap; background: #f2f2f2; padding: .5rem; }
footer { margin-top: 2rem; border-top: 1px solid #767676; font-size: .9rem; }
"""


def slug(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str, root: str, *, embed: bool = False) -> str:
    head = (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} — {SITE_NAME}</title>\n"
        f'<link rel="stylesheet" href="{root}style.css">\n</head>\n<body>\n'
    )
    if embed:
        return head + f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    nav = (
        '<a class="skip" href="#contenu">Aller au contenu</a>\n<header>\n'
        f'<p><a href="{root}index.html">{SITE_NAME}</a></p>\n'
        '<nav aria-label="Navigation principale"><ul>'
        f'<li><a href="{root}index.html">Les années</a></li>'
        f'<li><a href="{root}methode.html">Méthode et secret statistique</a></li>'
        f'<li><a href="{root}donnees.html">Données ouvertes</a></li>'
        "</ul></nav>\n</header>\n"
    )
    foot = (
        f"<footer><p>{PUBLISHER} — {SITE_NAME}. Chiffres publiés à partir des années "
        "arrêtées uniquement ; aucun chiffre sous 10 personnes n'est publié.</p></footer>\n"
    )
    return head + nav + f'<main id="contenu">\n{body}\n</main>\n' + foot + "</body>\n</html>\n"


def count_text(cell: Cell) -> str:
    if cell.count is not None:
        return fmt.integer(cell.count)
    return COUNT_MASK if cell.count_status == disclosure.PRIMARY else MASKED


def base_text(cell: Cell) -> str:
    if cell.base is not None:
        return fmt.integer(cell.base)
    if cell.base_status is None:
        return fmt.MISSING
    return COUNT_MASK if cell.base_status == disclosure.PRIMARY else MASKED


def share_text(cell: Cell, figure: catalogue.Figure) -> str:
    if figure.share_of is None or cell.base_status is None and cell.base is None:
        return fmt.MISSING
    if cell.share is not None:
        return fmt.percent(cell.share)
    if cell.base is not None and cell.base < disclosure.SHARE_BASE:
        return SHARE_BASE
    if cell.base_status == disclosure.PRIMARY:
        return SHARE_BASE
    return MASKED


# --- open data --------------------------------------------------------------------------------


def csv_bytes(cells: list[Cell], year: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in cells:
        writer.writerow([c.figure, year, c.level, c.level_value, c.dimension, c.category,
                         "" if c.count is None else c.count, "" if c.base is None else c.base,
                         "" if c.share is None else f"{c.share:.3f}"])  # fmt: skip
    return out.getvalue().encode("utf-8")


def medians_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "level", "level_value", "barrier_group", "median_days"])
    for r in rows:
        writer.writerow([r["year"], r["level"], r["level_value"], r["barrier_group"],
                         r["median_days"]])  # fmt: skip
    return out.getvalue().encode("utf-8")


def levels_bytes(levels: list[Level]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["level", "level_value", "label", "centres", "published"])
    for lv in levels:
        writer.writerow([lv.level, lv.value, lv.label, lv.centres, str(lv.published).lower()])
    return out.getvalue().encode("utf-8")


def _field(name, type_, title, description, **constraints) -> dict:
    out = {"name": name, "type": type_, "title": title, "description": description}
    if constraints:
        out["constraints"] = constraints
    return out


def datapackage(tables: YearTables, closed_on: str, rows: dict, partitions: dict) -> dict:
    long_fields = [
        _field("figure", "string", "Figure", "Identifiant de la figure (adresse stable)."),
        _field("year", "integer", "Année", "Année arrêtée."),
        _field(
            "level", "string", "Niveau", "Niveau de publication.", enum=list(LEVEL_NAMES)
        ),  # fmt: skip
        _field("level_value", "string", "Valeur du niveau", "« all » pour le secteur."),
        _field("dimension", "string", "Dimension", "Ce qui est ventilé."),
        _field("category", "string", "Catégorie", "Code de la catégorie (codes.csv)."),
        _field(
            "count",
            "integer",
            "Effectif",
            "Vide : masqué (moins de 10, ou pour protéger une autre case).",
            minimum=0,
        ),  # fmt: skip
        _field(
            "base",
            "integer",
            "Base",
            "Le total dont l'effectif fait partie ; vide : masqué ou sans objet.",
            minimum=0,
        ),  # fmt: skip
        _field(
            "share",
            "number",
            "Part",
            "effectif / base, publiée si la base atteint 20.",
            minimum=0,
            maximum=1,
        ),  # fmt: skip
    ]
    resources = []
    for figure in catalogue.figures():
        words = figure.words(tables.year)
        resources.append(
            {
                "name": figure.id,
                "path": f"donnees/{figure.id}.csv",
                "title": words.title,
                "description": words.definition,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": long_fields},
                # What a reader knows of the numbers: which quantity each row counts (the same
                # name is the same number everywhere) and which dimensions add up to their base.
                "parcours:rows": rows[figure.id],
                "parcours:partition": partitions[figure.id],
                # The French label of each category, per dimension (the typical paths' names
                # come from the year's typology).
                "parcours:categories": tables.labels[figure.id],
            }
        )
    resources.append(
        {
            "name": "delais-medians",
            "path": "donnees/delais-medians.csv",
            "title": "Délai médian de levée d'un frein",
            "description": "Nombre de jours après lequel la moitié des freins d'un groupe sont "
            "levés (estimateur de Kaplan–Meier), publié là où au moins 20 stagiaires le fondent.",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [
                    _field("year", "integer", "Année", "Année arrêtée."),
                    _field("level", "string", "Niveau", "Niveau de publication."),
                    _field("level_value", "string", "Valeur du niveau", "« all » : le secteur."),
                    _field("barrier_group", "string", "Groupe de freins", "Code du groupe."),
                    _field("median_days", "integer", "Délai médian (jours)", "En jours."),
                ]
            },
        }
    )
    resources.append(
        {
            "name": "niveaux",
            "path": "donnees/niveaux.csv",
            "title": "Niveaux publiés",
            "description": "Les fédérations, provinces et types de filière de l'année, le "
            "nombre de centres qui ont envoyé des données et s'ils sont publiés (au moins 3 "
            "centres).",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [
                    _field("level", "string", "Niveau", "Niveau."),
                    _field("level_value", "string", "Valeur", "Valeur du niveau."),
                    _field("label", "string", "Libellé", "Libellé en français."),
                    _field("centres", "integer", "Centres", "Centres avec des données."),
                    _field("published", "boolean", "Publié", "Publié sur le site."),
                ]
            },
        }
    )
    return {
        "name": f"parcours-cisp-{tables.year}",
        "title": f"Parcours des stagiaires des CISP wallons — {tables.year}",
        "description": (
            f"Chiffres publics de l'année {tables.year} (arrêtée le {closed_on}) : chiffres clés, "
            "destinations, freins levés, partenariats, victoires intermédiaires, parcours des "
            "entrants, parcours types et suivis, pour le secteur, les fédérations, les "
            "provinces, les types de filière et les groupes de population. Aucun effectif "
            "sous 10 n'est publié ni calculable ; une part n'est publiée que sur une base "
            "d'au moins 20."
        ),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],  # fmt: skip
        "parcours:year": tables.year,
        "parcours:closed_on": closed_on,
        "resources": resources,
    }


# --- charts -----------------------------------------------------------------------------------


MARKERS = {disclosure.PRIMARY: "< 10", disclosure.COMPLEMENTARY: MASKED,
           catalogue.BASE: "base < 20"}  # fmt: skip


def svg_job(chart, alt_text: str) -> Callable[[], str]:
    """The specification's chart, to be drawn as SVG (by vl-convert, when called): its masked
    marks say what the site's tables say (« < 10 », « masqué », « base < 20 ») instead of the
    dashboard's « < 5 »."""
    # The builders' specifications are valid (the dashboard draws them); validating each of the
    # site's charts again took half the charts' time.
    spec = chart.to_dict(validate=False)
    spec["description"] = alt_text
    spec.setdefault("width", charts.PLOT_WIDTH)  # no container to fill, as on the dashboard
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            if row.get(charts.MARKER):
                row[charts.MARKER] = MARKERS.get(row.get("statut") or "", MASKED)
    return lambda: vl_convert.vegalite_to_svg(spec)


def chart_svg(chart, alt_text: str) -> str:
    return svg_job(chart, alt_text)()


def table_html(
    figure: catalogue.Figure,
    cells: list[Cell],
    dimension: str,
    caption: str,
    labels: dict[str, str],
) -> str:
    head = (
        f"<table>\n<caption>{esc(caption)}</caption>\n<thead><tr>"
        f'<th scope="col">{esc(figure.dimensions[dimension])}</th>'
        f'<th scope="col">{esc(figure.headers[0])}</th>'
    )
    if figure.share_of:
        head += f'<th scope="col">{esc(figure.headers[1])}</th>'
        head += f'<th scope="col">{esc(figure.headers[2])}</th>'
    head += "</tr></thead>\n<tbody>\n"
    rows = []
    for c in cells:
        row = f'<tr><th scope="row">{esc(labels.get(c.category, c.category))}</th>'
        row += f'<td class="n">{esc(count_text(c))}</td>'
        if figure.share_of:
            row += f'<td class="n">{esc(base_text(c))}</td>'
            row += f'<td class="n">{esc(share_text(c, figure))}</td>'
        rows.append(row + "</tr>")
    return head + "\n".join(rows) + "\n</tbody>\n</table>"


def crossed_table_html(
    cells: list[Cell],
    rows: dict[str, str],
    columns: dict[str, str],
    corner: str,
    caption: str,
) -> str:
    """Cells whose category is `row:column` as a table of rows × columns, each cell its count
    and, where published, its share of the row (« 34 (14,2 %) »). Wider than a phone: it
    scrolls inside its own region, which the keyboard can reach (WCAG: a scrollable region is
    focusable) and a screen reader announces by its caption."""
    at = {tuple(c.category.split(":", 1)): c for c in cells}
    head = (
        f"<table>\n<caption>{esc(caption)}</caption>\n<thead><tr>"
        f'<th scope="col">{esc(corner)}</th>'
        + "".join(f'<th scope="col">{esc(label)}</th>' for label in columns.values())
        + "</tr></thead>\n<tbody>\n"
    )
    body = []
    for row, row_label in rows.items():
        tds = []
        for column in columns:
            cell = at.get((row, column))
            if cell is None:
                tds.append(f'<td class="n">{fmt.MISSING}</td>')
                continue
            text = count_text(cell)
            if cell.share is not None and cell.count:
                text += f" ({fmt.percent(cell.share)})"
            tds.append(f'<td class="n">{esc(text)}</td>')
        body.append(f'<tr><th scope="row">{esc(row_label)}</th>' + "".join(tds) + "</tr>")
    return (
        f'<div class="defile" role="region" tabindex="0" aria-label="{esc(caption)}">\n'
        + head
        + "\n".join(body)
        + "\n</tbody>\n</table>\n</div>"
    )


def crossed_summary(cells: list[Cell], rows: dict[str, str], columns: dict[str, str]) -> str:
    """A rows × columns table in words: each row's largest published column."""
    parts = []
    for row, row_label in rows.items():
        mine = [c for c in cells if c.category.split(":", 1)[0] == row and c.count]
        if not mine:
            parts.append(f"{row_label} : aucun effectif publiable")
            continue
        top = max(mine, key=lambda c: c.count)
        share = f", {fmt.percent(top.share)}" if top.share is not None else ""
        column = columns.get(top.category.split(":", 1)[1], top.category)
        parts.append(f"{row_label} : surtout {column.lower()} ({fmt.integer(top.count)}{share})")
    return "Destination la plus fréquente : " + " ; ".join(parts) + "."


def summary(cells: list[Cell], labels: dict[str, str]) -> str:
    """The chart in words: the largest published categories, and what is masked."""
    shown = sorted((c for c in cells if c.count), key=lambda c: -c.count)
    masked = [c for c in cells if c.count is None]
    parts = []
    if shown:
        words = [
            f"{labels.get(c.category, c.category)} : {fmt.integer(c.count)}"
            + (f" ({fmt.percent(c.share)})" if c.share is not None else "")
            for c in shown[:3]
        ]
        parts.append("Les plus nombreux : " + " ; ".join(words) + ".")
    else:
        parts.append("Aucun effectif publiable pour ce niveau.")
    if masked:
        parts.append(
            f"{len(masked)} catégorie(s) masquée(s) (moins de 10, ou pour protéger une autre case)."
        )
    zero = [labels.get(c.category, c.category) for c in cells if c.count == 0]
    if zero:
        parts.append("Aucun : " + ", ".join(zero) + ".")
    return " ".join(parts)


def path_words(months: list[int], states: list[str]) -> str:
    """A monthly path in words: « Au centre (mois 0 à 5), puis Emploi (mois 6 à 23). »"""
    spells: list[list] = []
    for month, state in zip(months, states, strict=True):
        if spells and spells[-1][0] == state and spells[-1][2] == month - 1:
            spells[-1][2] = month
        else:
            spells.append([state, month, month])
    if not spells:
        return "aucun mois observé."
    text = ", puis ".join(
        f"{s} (mois {a})" if a == b else f"{s} (mois {a} à {b})" for s, a, b in spells
    )
    last = spells[-1][2]
    tail = f" ; non observé après le mois {last}" if last < 23 else ""
    return f"{text}{tail}."


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
