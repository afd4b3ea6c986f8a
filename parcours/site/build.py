"""`parcours site`: the public observatory (INTERFACES §5) written into a folder.

Only closed years are published, each read from its frozen warehouse (`publish.periods`), never
from the served one: a closed year's pages and files are the same at every regeneration. What the
served warehouse would change since the closure is listed on the year's page as a revision, with
its date (`publish.revisions`), never applied.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from parcours.core.errors import ParcoursError
from parcours.presentation import formatting as fmt
from parcours.site import catalogue, disclosure, render, tables
from parcours.site.render import esc, page, slug, write
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.warehouse.reader import reading_from


class NotClosed(ParcoursError):
    """The year asked for is not closed (exit 2)."""


@dataclass(frozen=True)
class ClosedYear:
    """A closed year as the publishing side knows it (`publish.revisions.public_sources`)."""

    year: int
    frozen: Path  # its frozen warehouse
    closed_on: date
    revision: str | None  # the revision note, when the served warehouse would change it


@dataclass
class Written:
    years: list[int]
    pages: int
    files: int
    seconds: float


def publish(
    data_dir: DataDir,
    output: Path,
    sources: list[ClosedYear],
    year: int | None = None,
    *,
    actor: str,
) -> Written:
    """Writes the site of every closed year in `sources` (or of `year` alone) into `output`."""
    closed = {s.year: s for s in sources}
    if year is not None and year not in closed:
        raise NotClosed(
            f"L'année {year} n'est pas arrêtée : le site ne publie que des années arrêtées "
            f"(« parcours periods close {year} »)."
        )
    if not closed:
        raise NotClosed(
            "Aucune année n'est arrêtée : arrêtez d'abord une année révolue "
            "(« parcours periods close AAAA »)."
        )
    started = time.perf_counter()
    output.mkdir(parents=True, exist_ok=True)
    count = [0, 0]
    for y in [year] if year is not None else sorted(closed):
        _year(data_dir, output, closed[y], count)
    _front(output, count)
    written = Written(sorted(closed) if year is None else [year], count[0], count[1],
                      time.perf_counter() - started)  # fmt: skip
    with opstore.connected(data_dir.ops_db) as conn:
        opstore.audit(
            conn,
            actor,
            "site_published",
            {"years": written.years, "output": str(output), "pages": written.pages},
        )
    return written


def _put(path: Path, data, count: list[int]) -> None:
    write(path, data)
    count[0 if path.suffix == ".html" else 1] += 1


def _year(data_dir: DataDir, output: Path, period: ClosedYear, count) -> None:
    year = period.year
    with reading_from(period.frozen):
        found = tables.collect(year)
    closed_on = fmt.day(period.closed_on)
    folder = output / str(year)
    figures = catalogue.figures()
    by_figure: dict[str, list[tables.Cell]] = {f.id: [] for f in figures}
    for cell in found.cells:
        by_figure[cell.figure].append(cell)
    for figure in figures:
        _put(folder / "donnees" / f"{figure.id}.csv", render.csv_bytes(by_figure[figure.id], year),
             count)  # fmt: skip
    _put(folder / "donnees" / "delais-medians.csv", render.medians_bytes(found.medians), count)
    _put(folder / "donnees" / "niveaux.csv", render.levels_bytes(found.levels), count)
    package = render.datapackage(found, period.closed_on.isoformat(), found.names,
                                 found.partitions)  # fmt: skip
    _put(folder / "datapackage.json", render.json_bytes(package), count)

    published = [lv for lv in found.levels if lv.published]
    for level in published:
        for figure in figures:
            cells = [c for c in by_figure[figure.id] if (c.level, c.level_value) == level.key]
            _figure_pages(folder, year, closed_on, level, figure, cells, count)
        _level_index(folder, year, level, figures, count)
    revision = period.revision
    _year_index(folder, found, closed_on, revision, count)
    key = {c.category: c.count for c in by_figure["chiffres-cles"] if c.level == "sector"}
    summary = {"year": year, "closed_on": closed_on, "key": key, "revision": revision,
               "centres": found.levels[0].centres}  # fmt: skip
    _put(folder / "annee.json", render.json_bytes(summary), count)


def _figure_pages(folder, year, closed_on, level, figure, cells, count) -> None:
    where = folder / level.level / slug(level.value)
    root = "../../../"
    title = f"{figure.title} — {level.label} — {year}"
    address = f"{year}/{level.level}/{slug(level.value)}/{figure.id}.html"
    blocks = []
    for dimension in figure.dimensions:
        part = [c for c in cells if c.dimension == dimension]
        words = render.summary(figure, part, dimension)
        name = f"{figure.id}-{dimension}.svg"
        alt = (
            f"Graphique en barres : {figure.dimensions[dimension].lower()}, "
            f"{level.label}, {year}. {words}"
        )
        _put(where / name, render.chart_svg(figure, part, dimension, alt), count)
        caption = f"{figure.dimensions[dimension]} — {level.label}, {year}"
        heading = (
            f"<h2>{esc(figure.dimensions[dimension])}</h2>" if len(figure.dimensions) > 1 else ""
        )
        blocks.append(
            f'{heading}\n<figure>\n<img src="{esc(name)}" alt="{esc(alt)}">\n'
            f"<figcaption>{esc(caption)}. Les valeurs sont dans le tableau ci-dessous."
            "</figcaption>\n"
            f"</figure>\n<p>{esc(words)}</p>\n"
            + render.table_html(figure, part, dimension, caption)
        )
    share = f" Les parts sont calculées {esc(figure.share_of)}." if figure.share_of else ""
    cite = (
        f"{render.PUBLISHER}, {render.SITE_NAME}, « {figure.title} — {level.label} — {year} », "
        f"chiffres arrêtés au {closed_on}, {address}"
    )
    body = (
        f"<h1>{esc(title)}</h1>\n<p><strong>Définition.</strong> "
        f"{esc(figure.definition)}{share}</p>\n"
        + "\n".join(blocks)
        + f"\n<p><strong>Source.</strong> {esc(figure.source)} "
        f'<a href="../../../{year}/donnees/{figure.id}.csv">Télécharger les données '
        f"({figure.id}.csv)</a>.</p>\n"
        f'<p class="note">« {render.COUNT_MASK} » : moins de 10 personnes ; « {render.MASKED} » : '
        "masqué pour qu'on ne puisse pas recalculer un petit nombre ; "
        f"« {render.SHARE_BASE} » : part non publiée. "
        f'<a href="{root}methode.html">Méthode</a>.</p>\n'
        f'<h2>Citer ce chiffre</h2>\n<p class="cite">{esc(cite)}</p>\n'
        f"<h2>Intégrer ce graphique</h2>\n<p>Copiez ce code dans votre site :</p>\n<pre><code>"
        + esc(
            f'<iframe src="{figure.id}-integrer.html" title="{title}" width="640" height="600">'
            "</iframe>"
        )
        + f'</code></pre>\n<p><a href="{figure.id}-integrer.html">Voir le graphique à intégrer</a>'
        f' · <a href="index.html">Toutes les figures — {esc(level.label)}</a></p>'
    )
    _put(where / f"{figure.id}.html", page(title, body, root), count)
    embed = (
        f"<h1>{esc(title)}</h1>\n"
        + "\n".join(blocks)
        + f'\n<p>Source : {render.PUBLISHER}, <a href="{figure.id}.html" target="_top">'
        f"{esc(render.SITE_NAME)}</a> (chiffres arrêtés au {closed_on}).</p>"
    )
    _put(where / f"{figure.id}-integrer.html", page(title, embed, root, embed=True), count)


def _level_index(folder, year, level, figures, count) -> None:
    where = folder / level.level / slug(level.value)
    items = "\n".join(f'<li><a href="{f.id}.html">{esc(f.title)}</a></li>' for f in figures)
    body = (
        f"<h1>{esc(level.label)} — {year}</h1>\n<p>{esc(tables.LEVEL_NAMES[level.level])}. "
        f"Figures publiées :</p>\n<ul>\n{items}\n</ul>\n"
        f'<p><a href="../../index.html">Retour à l\'année {year}</a></p>'
    )
    _put(where / "index.html", page(f"{level.label} — {year}", body, "../../../"), count)


def _year_index(folder, found: tables.YearTables, closed_on, revision, count) -> None:
    year = found.year
    sections = []
    for kind in tables.LEVELS:
        of_kind = [lv for lv in found.levels if lv.level == kind]
        shown = [lv for lv in of_kind if lv.published]
        left = [lv for lv in of_kind if not lv.published]
        items = "\n".join(
            f'<li><a href="{lv.level}/{slug(lv.value)}/index.html">{esc(lv.label)}</a></li>'
            for lv in shown
        )
        text = f"<h3>{esc(tables.LEVEL_NAMES[kind])}</h3>\n<ul>\n{items}\n</ul>\n"
        if left:
            text += (
                "<p>Non publiés cette année (moins de 3 centres ont envoyé des données) : "
                + esc(", ".join(lv.label for lv in left))
                + ".</p>\n"
            )
        sections.append(text)
    key = [c for c in found.cells if c.figure == "chiffres-cles" and c.level == "sector"]
    figure = catalogue.figures()[0]
    body = (
        f"<h1>Parcours des stagiaires des CISP — {year}</h1>\n"
        f"<p>Chiffres de l'année {year}, arrêtés le {closed_on} ; "
        f"{fmt.integer(found.levels[0].centres)} centres ont envoyé des données.</p>\n"
        + (f'<p class="note"><strong>Révision.</strong> {esc(revision)}</p>\n' if revision else "")
        + render.table_html(figure, key, "indicator", f"Chiffres clés du secteur — {year}")
        + "<h2>Par niveau</h2>\n"
        + "\n".join(sections)
        + '<h2>Données ouvertes</h2>\n<p><a href="datapackage.json">datapackage.json</a> '
        "(description Frictionless de tous les fichiers) · "
        + " · ".join(f'<a href="donnees/{f.id}.csv">{f.id}.csv</a>' for f in catalogue.figures())
        + ' · <a href="donnees/delais-medians.csv">delais-medians.csv</a>'
        ' · <a href="donnees/niveaux.csv">niveaux.csv</a></p>'
    )
    _put(folder / "index.html", page(f"Année {year}", body, "../"), count)


def _front(output: Path, count) -> None:
    years = []
    for path in sorted(output.glob("*/annee.json"), reverse=True):
        years.append(json.loads(path.read_text(encoding="utf-8")))
    rows = []
    for y in years:
        cells = [
            fmt.integer(y["key"].get(k)) if y["key"].get(k) is not None else render.COUNT_MASK
            for k in ("in_training", "entries", "exits", "positive_exits")
        ]
        rows.append(
            f'<tr><th scope="row"><a href="{y["year"]}/index.html">{y["year"]}</a></th>'
            + "".join(f'<td class="n">{esc(c)}</td>' for c in cells)
            + f'<td class="n">{fmt.integer(y["centres"])}</td><td>{esc(y["closed_on"])}'
            + (" (révision connue)" if y.get("revision") else "")
            + "</td></tr>"
        )
    body = (
        f"<h1>{render.SITE_NAME}</h1>\n<p>Ce que deviennent les stagiaires des centres "
        "d'insertion socioprofessionnelle (CISP) de Wallonie : freins levés, partenariats, "
        "victoires intermédiaires, sorties et suivis. Chaque année est publiée une fois "
        "arrêtée ; ses chiffres ne changent plus.</p>\n"
        "<table>\n<caption>Chiffres clés du secteur, année par année</caption>\n<thead><tr>"
        '<th scope="col">Année</th><th scope="col">Stagiaires en formation</th>'
        '<th scope="col">Entrées</th><th scope="col">Sorties</th>'
        '<th scope="col">Sorties positives</th><th scope="col">Centres avec des données</th>'
        '<th scope="col">Arrêtée le</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )
    _put(output / "index.html", page("Accueil", body, ""), count)
    _put(output / "style.css", render.STYLE, count)
    _put(output / "methode.html", page("Méthode", METHOD, ""), count)
    _put(output / "donnees.html", page("Données ouvertes", _data_page(years), ""), count)


def _data_page(years: list[dict]) -> str:
    items = "\n".join(
        f'<li>{y["year"]} : <a href="{y["year"]}/datapackage.json">datapackage.json</a> · '
        + " · ".join(
            f'<a href="{y["year"]}/donnees/{f.id}.csv">{f.id}.csv</a>' for f in catalogue.figures()
        )
        + "</li>"
        for y in years
    )
    return (
        "<h1>Données ouvertes</h1>\n<p>Un fichier CSV par figure (UTF-8, séparateur virgule, "
        "une ligne d'en-tête), en format long : <code>figure, year, level, level_value, "
        "dimension, category, count, base, share</code>. Une case vide est masquée. Chaque "
        "année est décrite par un <code>datapackage.json</code> (Frictionless Data Package). "
        "Licence : CC BY 4.0.</p>\n<ul>\n" + items + "\n</ul>"
    )


METHOD = f"""<h1>Méthode et secret statistique</h1>
<p>Les chiffres viennent des exports que les centres transmettent à Parcours. Une année n'est
publiée qu'une fois arrêtée : ses chiffres sont figés et lus dans la copie de l'entrepôt faite à
l'arrêt. Un envoi ultérieur qui changerait ces chiffres est signalé sur la page de l'année
comme une révision, avec sa date ; il n'est jamais appliqué en silence.</p>
<h2>Niveaux publiés</h2>
<p>Le secteur ; chaque fédération, province et type de filière pour lequel au moins 3 centres
ont envoyé des données cette année-là (les autres ne sont pas publiés, et la page de l'année le
dit) ; les groupes de population (âge à l'entrée, genre, niveau d'études, statut à l'entrée),
chacun seul. Aucun chiffre n'est publié par centre.</p>
<h2>Règles de diffusion</h2>
<ul>
<li>Aucun effectif inférieur à {disclosure.THRESHOLD} n'est publié : il est remplacé par
« {render.COUNT_MASK} ». Un zéro est publié (il ne désigne personne), sauf quand il faut le
masquer pour protéger une autre case ; il apparaît alors aussi comme « {render.COUNT_MASK} ».</li>
<li>Une part n'est publiée que si sa base compte au moins {disclosure.SHARE_BASE} personnes
(sinon « {render.SHARE_BASE} »).</li>
<li>Rien de ce que le site publie pour une année — pages, graphiques, tableaux et fichiers
ensemble — ne permet de retrouver un effectif inférieur à {disclosure.THRESHOLD} : ni en
retranchant d'un total les parties visibles, ni en comparant deux niveaux (le secteur moins les
fédérations, une fédération moins ses provinces…), ni en multipliant une part par sa base.
Pour cela, d'autres cases sont masquées (« {render.MASKED} ») : toutes les tables de l'année
sont vérifiées ensemble, par programmation linéaire, jusqu'à ce qu'aucune case masquée ne
puisse être calculée exactement ni située entre 1 et 9.</li>
<li>Un délai médian n'est publié que si au moins 20 stagiaires le fondent.</li>
</ul>
<h2>Définitions</h2>
<dl>
{"".join(f"<dt>{esc(f.title)}</dt><dd>{esc(f.definition)}</dd>" for f in catalogue.figures())}
</dl>
"""
