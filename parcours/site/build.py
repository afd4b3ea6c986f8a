"""`parcours site`: the public observatory (INTERFACES §5) written into a folder.

Only closed years are published, each read from its frozen warehouse (`publish.periods`), never
from the served one: a closed year's pages and files are the same at every regeneration. What the
served warehouse would change since the closure is listed on the year's page as a revision, with
its date (`publish.revisions`), never applied.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from parcours.analytics import path_types
from parcours.core.errors import ParcoursError
from parcours.figures import trajectoires as specs_trajectoires
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
    count = _Files()
    with count:
        for y in [year] if year is not None else sorted(closed):
            _year(data_dir, output, closed[y], count)
        _front(output, count)
    written = Written(sorted(closed) if year is None else [year], count.pages, count.files,
                      time.perf_counter() - started)  # fmt: skip
    with opstore.connected(data_dir.ops_db) as conn:
        opstore.audit(
            conn,
            actor,
            "site_published",
            {"years": written.years, "output": str(output), "pages": written.pages},
        )
    return written


class _Files:
    """What is written, counted; the SVG charts drawn by two threads while the pages go on
    (vl-convert works outside Python's lock: on two cores, the charts take half the time)."""

    def __init__(self) -> None:
        self.pages = self.files = 0
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._pending: list[Future] = []

    def put(self, path: Path, data) -> None:
        """`data`: text or bytes, or a function that returns them (run by a thread)."""
        if callable(data):
            self._pending.append(self._pool.submit(lambda: write(path, data())))
        else:
            write(path, data)
        if path.suffix == ".html":
            self.pages += 1
        else:
            self.files += 1

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)
        for done in self._pending:
            done.result()  # a chart that failed fails the site


def _put(path: Path, data, count: _Files) -> None:
    count.put(path, data)


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
    with reading_from(period.frozen):
        paths = _representative_paths(folder, catalogue.representative_paths(), count)
    for level in published:
        for figure in figures:
            cells = [c for c in by_figure[figure.id] if (c.level, c.level_value) == level.key]
            extra = paths if figure.id == "parcours-types" else None
            _figure_pages(folder, year, closed_on, level, figure, cells, found.labels[figure.id],
                          extra, count)  # fmt: skip
        _level_index(folder, year, level, figures, count)
    revision = period.revision
    _year_index(folder, found, closed_on, revision, count)
    key = {c.category: c.count for c in by_figure["chiffres-cles"] if c.level == "sector"}
    summary = {"year": year, "closed_on": closed_on, "key": key, "revision": revision,
               "centres": found.levels[0].centres}  # fmt: skip
    _put(folder / "annee.json", render.json_bytes(summary), count)


def _figure_pages(folder, year, closed_on, level, figure, cells, labels, paths, count) -> None:
    where = folder / level.level / slug(level.value)
    root = "../../../"
    words = figure.words(year)
    # A title that names the year already is not followed by it again.
    title = f"{words.title} — {level.label}" + ("" if str(year) in words.title else f" — {year}")
    address = f"{year}/{level.level}/{slug(level.value)}/{figure.id}.html"
    said = {d: render.summary([c for c in cells if c.dimension == d], labels[d])
            for d in figure.dimensions}  # fmt: skip
    several = len(figure.dimensions) > 1
    drawn = [d for d in figure.dimensions if d not in figure.crossed]
    in_words = " ".join(
        (f"{figure.dimensions[d]} : " if len(drawn) > 1 else "") + said[d] for d in drawn
    )
    blocks = []
    chart = figure.chart(cells, labels, year)
    if chart is not None:
        name = f"{figure.id}.svg"
        alt = f"Graphique : {words.title.lower()}, {level.label}, {year}. {in_words}"
        _put(where / name, render.svg_job(chart, alt), count)
        blocks.append(
            f'<figure>\n<img src="{esc(name)}" alt="{esc(alt)}">\n'
            f"<figcaption>{esc(words.title)} — {esc(level.label)}, {year}. Les valeurs sont "
            "dans le tableau ci-dessous.</figcaption>\n</figure>"
        )
    elif figure.drawn is not None:
        blocks.append(
            "<p>Pas de graphique : toutes les valeurs de ce niveau sont masquées (voir le "
            "tableau).</p>"
        )
    for dimension in figure.dimensions:
        part = [c for c in cells if c.dimension == dimension]
        caption = f"{figure.dimensions[dimension]} — {level.label}, {year}"
        heading = f"<h2>{esc(figure.dimensions[dimension])}</h2>\n" if several else ""
        if dimension in figure.crossed:
            rows_from, columns = figure.crossed[dimension]
            table = render.crossed_table_html(
                part, labels[rows_from], columns, figure.dimensions[rows_from], caption
            )
            words_of = render.crossed_summary(part, labels[rows_from], columns)
        else:
            table = render.table_html(figure, part, dimension, caption, labels[dimension])
            words_of = said[dimension]
        blocks.append(heading + f"<p>{esc(words_of)}</p>\n" + table)
    if paths is not None:
        blocks.append(paths)
    share = f" Les parts sont calculées {esc(figure.share_of)}." if figure.share_of else ""
    cited = render.public_url(address)
    cite = (
        f"{render.PUBLISHER}, {render.SITE_NAME}, « {words.title} — {level.label} — {year} », "
        f"chiffres arrêtés au {closed_on}, {cited or address}"
    )
    embedded = render.public_url(address.replace(".html", "-integrer.html"))
    # Without the public root a relative address is all the page knows: the reader is told.
    where_to = (
        ""
        if embedded
        else "<p>Remplacez l'adresse du graphique par son adresse complète sur le site "
        "publié.</p>\n"
    )
    body = (
        f"<h1>{esc(title)}</h1>\n<p><strong>Définition.</strong> "
        f"{esc(words.definition)}{share}</p>\n"
        + (f"<p>{esc(figure.shown)}</p>\n" if figure.shown else "")
        + "\n".join(blocks)
        + f"\n<p><strong>Source.</strong> {esc(words.source.capitalize())} ; chiffres arrêtés "
        f"au {closed_on}. "
        f'<a href="../../../{year}/donnees/{figure.id}.csv">Télécharger les données '
        f"({figure.id}.csv)</a>.</p>\n"
        f'<p class="note">« {render.COUNT_MASK} » : moins de 10 personnes ; « {render.MASKED} » : '
        "masqué pour qu'on ne puisse pas recalculer un petit nombre ; "
        f"« {render.SHARE_BASE} » : part non publiée. "
        f'<a href="{root}methode.html">Méthode</a>.</p>\n'
        f'<h2>Citer ce chiffre</h2>\n<p class="cite">{esc(cite)}</p>\n'
        f"<h2>Intégrer ce graphique</h2>\n<p>Copiez ce code dans votre site :</p>\n<pre><code>"
        + esc(
            f'<iframe src="{embedded or figure.id + "-integrer.html"}" title="{title}" '
            'width="640" height="600"></iframe>'
        )
        + "</code></pre>\n"
        + where_to
        + "<p>"
        + f'<a href="{figure.id}-integrer.html">Voir le graphique à intégrer</a>'
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


def _representative_paths(folder, frame, count) -> str:
    """The types' representative paths, drawn once per year (the same for every level: the
    typology is the sector's), each only where at least 10 trainees of the sector share it
    exactly; the block every level's page shows (its addresses from a level's folder)."""
    out = ["<h2>Parcours représentatifs</h2>",
           "<p>Pour chaque parcours type, le parcours d'un stagiaire type, mois par mois sur les "
           f"24 premiers mois (le plus proche de tous les autres du type), affiché seulement si "
           f"au moins {disclosure.THRESHOLD} stagiaires du secteur ont exactement ce parcours."
           "</p>"]  # fmt: skip
    if frame.is_empty():
        return "\n".join([*out, "<p>Aucun parcours représentatif pour cette année.</p>"])
    for (number,), path in frame.group_by(["path_type"], maintain_order=True):
        name = path["name"][0]
        out.append(f"<h3>{esc(name)}</h3>")
        if int(path["shared_by"][0]) < disclosure.THRESHOLD:
            out.append(
                f"<p>Non affiché : moins de {disclosure.THRESHOLD} stagiaires du secteur ont "
                "exactement ce parcours.</p>"
            )
            continue
        seen = path.filter(pl.col("state") != "not_observed")
        if seen.is_empty():
            out.append("<p>Parcours représentatif sans mois observé.</p>")
            continue
        states = [path_types.AT_12.get(s, s) for s in seen["state"]]
        text = render.path_words(seen["month"].to_list(), states)
        drawn = seen.with_columns(
            pl.col("state").replace_strict(path_types.AT_12, default=pl.col("state")),
            pl.lit(1).alias("months"),
        )
        chart = specs_trajectoires.representative_path_chart(drawn, False, height=110)
        alt = f"Parcours représentatif « {name} » : {text}"
        _put(folder / "parcours-types" / f"type-{number}.svg", render.svg_job(chart, alt),
             count)  # fmt: skip
        out.append(
            f'<figure>\n<img src="../../parcours-types/type-{number}.svg" alt="{esc(alt)}">\n'
            f"<figcaption>Parcours représentatif — {esc(name)}</figcaption>\n</figure>\n"
            f"<p>{esc(text)}</p>"
        )
    return "\n".join(out)


def _level_index(folder, year, level, figures, count) -> None:
    where = folder / level.level / slug(level.value)
    items = "\n".join(
        f'<li><a href="{f.id}.html">{esc(f.words(year).title)}</a></li>' for f in figures
    )
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
        + render.table_html(
            figure,
            key,
            "indicator",
            f"Chiffres clés du secteur — {year}",
            found.labels[figure.id]["indicator"],
        )  # fmt: skip
        + "<h2>Les figures du secteur</h2>\n<ul>\n"
        + "\n".join(
            f'<li><a href="sector/all/{f.id}.html">{esc(f.words(year).title)}</a></li>'
            for f in catalogue.figures()
        )
        + "\n</ul>\n<h2>Par niveau</h2>\n"
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
    _put(output / "methode.html", page("Méthode", _method(years), ""), count)
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
"""


def _method(years: list[dict]) -> str:
    """The method, with the figures' definitions as the latest published year reads them."""
    if not years:
        return METHOD
    year = max(y["year"] for y in years)
    items = "".join(
        f"<dt>{esc(w.title)}</dt><dd>{esc(w.definition)} Source : {esc(w.source)}.</dd>"
        for w in (f.words(year) for f in catalogue.figures())
    )
    return METHOD + f"<h2>Définitions (année {year})</h2>\n<dl>\n{items}\n</dl>\n"
