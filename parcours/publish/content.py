"""The yearly report's content for one subject and year: key figures with their coverage, the
sections of charts (each with its caption, definition, source and table) and the method page.

Every figure comes from the analytics functions the pages call (`parcours.analytics`), with the
subject's scope and the filter « this year », so it is masked exactly as on the dashboard for that
scope; numbers are formatted here, the Belgian way (`parcours.presentation.formatting`), so the
two renderings (PDF and HTML) only lay out text. Charts are the pages' builders
(`parcours.presentation.charts`), drawn to SVG (`static_charts`).

What the pages do not show yet is read here with the same care: the coverage per centre (which
centres sent data for the year) and, when the warehouse has `fct_participant_months`, the
trajectories (`sections`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import polars as pl

from parcours.analytics import barriers, home, masking
from parcours.core import dates
from parcours.core.errors import ParcoursError
from parcours.figures import spec as figure_spec
from parcours.figures.accueil import KNOWN_DESTINATIONS
from parcours.presentation import formatting as fmt
from parcours.presentation import tables, wording
from parcours.publish import static_charts
from parcours.publish.subjects import CENTRE, FEDERATION, Subject
from parcours.warehouse.reader import Filters, Scope, Where, query

TOO_SMALL = "Effectifs trop petits pour dessiner le graphique (moins de 5) : voir le tableau."


# --- the report's parts --------------------------------------------------------------------


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # right-aligned columns

    @property
    def empty(self) -> bool:
        return not self.rows

    widths: list[int] = field(init=False)

    def __post_init__(self) -> None:
        # Relative column widths for the PDF, in characters: the longest cell, or the longest
        # word of the header (headers wrap between words, numbers never do).
        self.widths = [
            min(
                28,  # a long name wraps rather than squeeze the figures
                max(
                    max((len(row[i]) for row in self.rows), default=0),
                    # bold header letters are wider than the figures below them
                    round(1.4 * max((len(w) for w in header.split()), default=1)),
                    3,
                ),
            )
            + 2
            for i, header in enumerate(self.columns)
        ]


@dataclass
class Figure:
    """A chart (or a table alone) with everything needed to read it."""

    key: str
    title: str
    caption: str  # what is shown
    definition: str  # how it is counted
    source: str  # in public words (« fichiers des centres : sorties »)
    table: Table | None = None
    svg: str | Future | None = None  # a Future while the chart is being drawn (`finish`)
    note: str | None = None  # e.g. too small to draw
    tables: str = ""  # the warehouse tables it is read from: the method annex only


@dataclass
class Section:
    key: str
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)
    absent: str | None = None  # why the section has nothing to show


@dataclass
class KeyFigure:
    label: str
    value: str
    detail: str


@dataclass
class Revisions:
    """What the current warehouse would change in a closed year (`revisions`)."""

    summary: str
    figures: Table  # the subject's key figures that would change
    centres: Table  # per centre: which figure, by how much
    uploads: Table  # per centre: files sent or withdrawn since the closure


@dataclass
class Report:
    year: int
    subject: dict
    title: str
    subtitle: str
    produced_on: str
    key_figures: list[KeyFigure]
    coverage_summary: str
    chiffres: list[KeyFigure]
    destinations: Figure
    sections: list[Section]
    coverage: Table
    definitions: list[tuple[str, str]]
    masking: list[str]
    warehouse: str
    frozen: str | None = None  # « chiffres arrêtés au … » when the year is closed
    revisions: Revisions | None = None
    masked: bool = True
    notes: list[str] = field(default_factory=list)  # for the method page
    chiffres_title: str = "Chiffres clés de l'Interfédé"  # names the subject (`scope_heading`)
    sources: list[tuple[str, str]] = field(default_factory=list)  # figure → tables (method annex)
    presumed_exits: str = ""  # how many presumed exits « en formation » includes (as Accueil)

    def to_dict(self) -> dict:
        return asdict(self)


# --- helpers -------------------------------------------------------------------------------

Formatter = Callable[[Any], str]
Column = tuple[str, str, Formatter]  # (frame column, header, formatter)


def text(value: Any) -> str:
    return fmt.MISSING if value is None else str(value)


def table(frame: pl.DataFrame, columns: Sequence[Column]) -> Table:
    """A frame as rows of formatted strings (masked counts « < 5 » through `fmt.count`)."""
    present = [c for c in columns if c[0] in frame.columns]

    def cell(row: dict, name: str, f) -> str:
        # A masked count says what the dashboard says: « < 5 », or « masqué » for one of 5 or
        # more masked to protect another (`<column>_shown`, from `masking.Page.run`).
        shown = row.get(f"{name}_shown")
        if row[name] is None and shown is not None and f is not text:
            return shown
        return f(row[name])

    rows = [[cell(row, name, f) for name, _, f in present] for row in frame.iter_rows(named=True)]
    numeric = [f is not text for _, _, f in present]
    return Table([header for _, header, _ in present], rows, numeric)


def drawable(frame: pl.DataFrame, column: str) -> pl.DataFrame | None:
    """The rows a chart can draw (masked values left out), as `ui.drawable` does on the pages;
    None when nothing is left but zeros (a chart of empty bars says nothing on paper)."""
    if frame.is_empty() or column not in frame.columns:
        return None
    kept = frame.filter(pl.col(column).is_not_null())
    return None if kept.is_empty() or not kept[column].abs().sum() else kept


def figure(
    key: str,
    title: str,
    chart: Any | None,
    *,
    caption: str,
    definition: str,
    source: str,
    table: Table | None,
    empty: str = "Aucune donnée pour cette année.",
    drawn: bool = True,
) -> Figure:
    """A figure; `chart` None with `drawn`: everything was masked (the table says « < 5 »);
    `drawn=False`: a table shown alone by design."""
    out = Figure(key, title, caption, definition, source, table)
    if table is not None and table.empty:
        out.note, out.table = empty, None
    elif chart is not None:
        out.svg = static_charts.submit(chart)
    elif table is not None and drawn:
        out.note = TOO_SMALL
    return out


def formatted(frame: pl.DataFrame, counts: Sequence[str], masked: bool) -> tuple[pl.DataFrame, set]:
    """A specification's table (`Figure.table`) as text, formatted as the dashboard formats it
    (`presentation.tables`: `1 234`, `32,9 %`, « < 5 », « masqué »), and the columns aligned
    right."""
    view = tables.shown(frame, counts, masking=masked)
    columns = {}
    for name in view.frame.columns:
        f = view.formats.get(name, text)
        columns[name] = [f(v) for v in view.frame[name].to_list()]
    return pl.DataFrame(columns, schema={c: pl.String for c in columns}), set(view.right)


def render(
    spec: Any,
    frame: pl.DataFrame,
    *,
    masked: bool,
    rows: pl.DataFrame | None = None,
    columns: Sequence[Any] | None = None,
    caption: str = "",
    drawn: bool = True,
    **values: Any,
) -> Figure:
    """A figure specification (`parcours.figures`) on paper: the page's chart without tooltips,
    its table (on paper: the rows `spec.printed` keeps, pivoted by `spec.wide`), its title,
    definition, public source and masking note. `rows`/`columns`: a printed table of other
    rows or columns than the page's (e.g. the share lifted at 90, 180, 365 days)."""
    words = spec.words(masked=masked, **values)
    source = frame if rows is None else rows
    if columns is not None:
        shown_frame, counts = figure_spec.table_frame(source, columns)
    else:
        shown_frame, counts = spec.table(source, printed=True)
    texts, right = formatted(shown_frame, counts, masked)
    if spec.wide is not None and not texts.is_empty():
        index, on, value = spec.wide
        texts = figure_spec.pivot(texts, index, on, value)
        right = set(texts.columns) - {index}
    printed = Table(
        list(texts.columns),
        [list(r) for r in texts.iter_rows()],
        [c in right for c in texts.columns],
    )
    chart = spec.chart(frame, tooltips=False) if drawn else None
    if chart is not None and not _says_something(frame, spec.value):
        chart = None
    out = Figure(spec.id, words.title, caption, words.definition, words.source, printed)
    out.tables = words.tables
    if frame.is_empty() or printed.empty:
        out.note, out.table = spec.empty, None
    elif chart is not None:
        out.svg = static_charts.submit(chart)
    elif drawn and spec.draw is not None:
        out.note = TOO_SMALL
    return out


def _says_something(frame: pl.DataFrame, column: str) -> bool:
    """A chart of zeros and gaps says nothing on paper."""
    values = frame[column].drop_nulls()
    return not values.is_empty() and bool(values.abs().sum())


def year_filters(year: int) -> Filters:
    return Filters(years=(year, year))


def masked_note(scope: Scope) -> str:
    return figure_spec.MASKED_NOTE if scope.mask_small_counts else ""


def finish(report: Report) -> Report:
    """Wait for the charts drawn in the background (`static_charts.submit`)."""
    for figure_ in [report.destinations, *(f for s in report.sections for f in s.figures)]:
        if isinstance(figure_.svg, Future):
            figure_.svg = figure_.svg.result()
    return report


# --- coverage ------------------------------------------------------------------------------


def coverage(scope: Scope, year: int) -> pl.DataFrame:
    """Per centre of the scope that belongs to the year: trainees in training during the year,
    entries, months of the year with hours, and whether the centre sent anything for the year.
    A centre belongs to the year when it has data for it, data from before, or (nothing sent
    yet) was registered by the year's end: a centre that joined later is not « sans données »
    for a year before it joined. Counts are suppressed with the whole frame as the set sharing
    a total (the key figures show the total); `<count>_shown` says « < 5 » for a count from 1
    to 4 and « masqué » for a larger one hidden to protect it."""
    where = Where.scoped(scope, Filters(), centre="c.centre_id", filiere=None)
    period = home.Period.of_years((year, year))
    frame = query(
        f"""
        with people as (
            select centre_id,
                count(*) filter (
                    where {home.in_training("d", "$p_first_year", "$p_last_year")}
                )::bigint as in_training,
                count(*) filter (where entry_date between $p_start and $p_end)::bigint as entries,
                min(entry_date) as first_entry
            from dim_participants d where entry_date is not null group by centre_id
        ),
        months as (
            select centre_id,
                count(distinct month) filter (where month between $p_start and $p_end)::bigint
                    as months_with_hours,
                min(month) as first_month
            from fct_hours group by centre_id
        )
        select c.centre_id, c.centre_name, c.federation, c.province,
            coalesce(p.in_training, 0) as in_training, coalesce(p.entries, 0) as entries,
            coalesce(m.months_with_hours, 0) as months_with_hours,
            least(p.first_entry, m.first_month) as first_data,
            try_cast(c.created_at as date) as registered_on
        from dim_centres c
        left join people p using (centre_id)
        left join months m using (centre_id)
        where {where.sql}
        order by c.centre_name, c.centre_id
        """,
        {**where.params, **period.params, **period.year_params},
    )
    end = date(year, 12, 31)
    frame = frame.with_columns(
        ((pl.col("in_training") > 0) | (pl.col("months_with_hours") > 0)).alias("has_data")
    ).filter(
        pl.col("has_data")
        | (pl.col("first_data") <= end)
        | (pl.col("first_data").is_null() & (pl.col("registered_on").fill_null(end) <= end))
    )
    masked = masking.suppress(
        frame, ["in_training", "entries"], within=(), mask=scope.mask_small_counts
    )
    return masked.with_columns(
        pl.when(pl.col(c).is_not_null())
        .then(pl.col(c).cast(pl.String))
        .when(frame[c].is_between(1, masking.THRESHOLD - 1))
        .then(pl.lit(masking.LABEL))
        .otherwise(pl.lit(masking.PROTECTED))
        .alias(f"{c}_shown")
        for c in ("in_training", "entries")
    ).drop("first_data", "registered_on")


def _shown_count(value: Any) -> str:
    """A count of a `masking.suppress`ed frame as the page shows it (see `coverage`)."""
    return fmt.count(int(value)) if value is not None and str(value).isdigit() else text(value)


def coverage_table(frame: pl.DataFrame, year: int) -> Table:
    return table(
        frame.with_columns(
            pl.col("has_data").replace_strict({True: "oui", False: "non"}, return_dtype=pl.String)
        ),
        [
            ("centre_name", "Centre", text),
            ("centre_id", "Identifiant", text),
            ("federation", "Fédération", text),
            ("province", "Province", text),
            ("has_data", f"Données {year}", text),
            ("in_training", "En formation", _shown_count),
            ("entries", "Entrées", _shown_count),
            ("months_with_hours", "Mois d'heures", lambda n: f"{n}/12"),
        ],
    )


def coverage_summary(frame: pl.DataFrame, year: int) -> str:
    sent = frame.filter(pl.col("has_data"))
    total = frame.height
    line = (
        f"Couverture : {fmt.integer(sent.height)} centre(s) sur {fmt.integer(total)} ont transmis "
        f"des données pour {year}"
    )
    full = sent.filter(pl.col("months_with_hours") == 12).height
    line += f", dont {fmt.integer(full)} avec des heures pour les douze mois."
    missing = frame.filter(~pl.col("has_data"))["centre_name"].to_list()
    if missing and len(missing) <= 15:
        line += " Sans données : " + ", ".join(missing) + "."
    elif missing:
        line += f" {fmt.integer(len(missing))} centres sans données (liste en fin de rapport)."
    return line


def check_has_data(frame: pl.DataFrame, subject: Subject, year: int) -> None:
    if frame.is_empty() or not frame["has_data"].any():
        raise ParcoursError(
            f"Aucune donnée pour {year} dans le périmètre « {subject.name} » : pas de rapport "
            "pour une année sans stagiaire ni heure de formation."
        )


# --- key figures ---------------------------------------------------------------------------

SHARE_BASES = {
    "with_barrier_lifted": "stagiaires en formation",
    "with_milestone": "stagiaires en formation",
    "positive_exits": "sorties",
}


def accueil(scope: Scope, year: int) -> dict:
    """The Accueil page's figures for the year, masked together as the page masks them
    (`home.page`): the key figures, the comparison with the year before, the chiffres clés."""
    return home.page(scope, year_filters(year), year)


def presumed_exits(data: dict) -> str:
    """Accueil's sentence under its key figures: how many presumed exits (INTERFACES §3 v1.2)
    the trainees « en formation » include, masked as the page masks it."""
    count = data.get("presumed_exits")
    return home.presumed_exits_sentence(count, fmt.count(count))


def key_figures(data: dict, year: int) -> list[KeyFigure]:
    """The Accueil page's key figures for the year, against the year before only when the same
    centres covered both (as on the page: otherwise « pas de comparaison », the method page and
    the coverage table say why)."""
    rows = {r["figure"]: r for r in data["figures"].iter_rows(named=True)}
    comparable = data["comparison"]["comparable"]
    previous = year - 1
    out = []
    for key, label in home.FIGURES:
        r = rows[key]
        show = fmt.number if key == "hours" else fmt.count
        if key in SHARE_BASES:
            share = fmt.shown_share(r["share"], r["share_masked"])
            base = rows["exits" if key == "positive_exits" else "in_training"]
            before = (
                f"{previous} : {fmt.share(r['share_previous'])}"
                if comparable
                else f"pas de comparaison avec {previous}"
            )
            out.append(
                KeyFigure(
                    label,
                    share,
                    f"{fmt.shown_count(r, 'value', show)} sur {fmt.shown_count(base, 'value')} "
                    f"{SHARE_BASES[key]} ; {before}",
                )
            )
            continue
        if not comparable:
            out.append(
                KeyFigure(
                    label, fmt.shown_count(r, "value", show), f"pas de comparaison avec {previous}"
                )
            )
            continue
        change = "" if r["change"] is None else f" ({fmt.signed(r['change'])})"
        out.append(
            KeyFigure(
                label,
                fmt.shown_count(r, "value", show),
                f"{previous} : {fmt.shown_count(r, 'previous', show)}{change}",
            )
        )
    return out


def chiffres_cles(scope: Scope, data: dict, year: int) -> tuple[list[KeyFigure], Figure]:
    """The Interfédé's published indicators for the year, and the destinations chart."""
    cc = data["chiffres"]
    f = cc["figures"]
    types = {r["centre_type"]: r["centres"] for r in cc["centres_by_type"].iter_rows(named=True)}
    figures = [
        KeyFigure(
            "Centres",
            fmt.integer(f["centres"]),
            f"{fmt.integer(types['DéFI seulement'])} DéFI, {fmt.integer(types['EFT seulement'])} "
            f"EFT, {fmt.integer(types['DéFI et EFT'])} les deux",
        ),
        KeyFigure("Filières", fmt.integer(f["filieres"]), "centre × filière × métier"),
        KeyFigure(
            "Stagiaires", fmt.shown_count(f, "trainees", fmt.count), f"en formation en {year}"
        ),
        KeyFigure("Heures de formation", fmt.number(f["hours"]), f"prestées en {year}"),
    ]
    destinations = render(
        KNOWN_DESTINATIONS,
        KNOWN_DESTINATIONS.frame(data),
        masked=scope.mask_small_counts,
        year=year,
        known=fmt.shown_count(f, "known_destinations"),
    )
    return figures, destinations


# --- the method page -----------------------------------------------------------------------

DEFINITIONS = [
    (
        "Stagiaire en formation",
        "entré au plus tard le 31 décembre de l'année et pas sorti avant le 1er janvier (sa "
        "dernière sortie, s'il y en a une, est dans l'année ou après).",
    ),
    (
        "Entrées, sorties",
        "date d'entrée dans l'année ; enregistrements de sortie datés de l'année.",
    ),
    (
        "Sortie positive",
        "vers l'emploi ou une formation (formation qualifiante, promotion sociale…), selon la "
        "destination déclarée à la sortie.",
    ),
    (
        "Frein, épisode, levée",
        "un épisode s'ouvre à une évaluation de niveau 1 ou plus ; il est levé à la première "
        "évaluation ultérieure de niveau 0. Un frein qui revient après une levée ouvre un "
        "nouvel épisode : une rechute.",
    ),
    (
        "Durée de levée",
        "estimation de Kaplan–Meier : chaque épisode compte, levé à sa date de levée ou encore "
        "ouvert jusqu'à sa dernière évaluation (censuré). Une courbe s'arrête, et sa médiane "
        f"n'est pas lue, quand moins de {barriers.KM_MIN_AT_RISK} épisodes sont encore suivis.",
    ),
    (
        "Partenariat",
        "un partenaire mobilisé pour un stagiaire, compté dans l'année où il commence.",
    ),
    (
        "Étape franchie (victoire)",
        "permis, stage, validation des compétences, logement stabilisé… : chaque étape "
        "déclarée, datée du jour où elle est franchie.",
    ),
    (
        "Cohorte d'entrée",
        "les stagiaires entrés la même année ; un mois n'est montré que si toute la cohorte a pu "
        "être suivie aussi longtemps.",
    ),
    (
        "Suivi après la sortie",
        "la situation observée lors du suivi le plus proche de 6 mois (5 à 7) et de 12 mois "
        "(11 à 13) après la sortie, un par stagiaire.",
    ),
]
MASKING_RULE = [
    "Hors des données d'un centre, tout effectif de 1 à 4 personnes est remplacé par « < 5 » ; "
    "zéro est montré.",
    "Quand un total est montré, une cellule masquée seule dans son ensemble ferait retrouver "
    "sa valeur par soustraction : la plus petite autre cellule non nulle est masquée aussi ; "
    "elle se lit « masqué » (elle peut compter 5 personnes ou plus).",
    "Une part est masquée quand son numérateur ou son complément est de 1 à 4, ou son "
    "dénominateur inférieur à 5 ; une moyenne, une médiane ou une courbe calculée sur moins de "
    "5 personnes est masquée ; une évolution est masquée quand l'un de ses deux effectifs l'est.",
    "Les nombres de centres et de filières (des organisations) et les heures ne sont pas masqués.",
]


def scope_heading(subject: Subject) -> str:
    """« Chiffres clés de l'Interfédé » only over every centre; « Chiffres clés — ACFI » for a
    federation, the centre's name for a centre (as the Accueil page, `wording`)."""
    if subject.kind == CENTRE:
        return wording.key_figures_title("centre", centre_name=subject.name)
    if subject.kind == FEDERATION:
        return wording.key_figures_title("federation", federation=subject.key)
    return wording.key_figures_title("analyst")


def sources(report: Report) -> list[tuple[str, str]]:
    """For the method annex: each figure's title and the warehouse tables it reads."""
    figures_ = [report.destinations, *(f for s in report.sections for f in s.figures)]
    return [(f.title, f.tables) for f in figures_ if f.tables]


def title(subject: Subject, year: int) -> tuple[str, str]:
    return f"Rapport annuel {year}", subject.name


def produced_on(today: date | None = None) -> str:
    return fmt.day(today or dates.today())


def is_masked(subject: Subject) -> bool:
    return subject.scope.mask_small_counts and subject.kind != CENTRE
