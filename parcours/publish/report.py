"""The yearly report, from the subject and the year to the file: what `parcours report` and the
dashboard's « Rapport annuel » page call.

1. The year must have data in the subject's scope (otherwise: refused, in French).
2. A closed year is read from its frozen copy (`periods`), and gets its revisions.
3. The content (`content`, `sections`) is rendered as a PDF (`typeset`, typst) or a
   self-contained HTML page (`html`).
4. Every report produced is written to the audit log (`report_exported`: who, which subject,
   year, format, frozen or not).
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass

import duckdb

from parcours.core.errors import ParcoursError
from parcours.presentation import formatting as fmt
from parcours.publish import content, periods, revisions, sections
from parcours.publish.subjects import Subject
from parcours.store import opstore
from parcours.store.datadir import DataDir
from parcours.warehouse import reader

FORMATS = ("pdf", "html")
MIME = {"pdf": "application/pdf", "html": "text/html"}


@dataclass
class Produced:
    data: bytes
    file_name: str
    mime: str
    seconds: dict[str, float]  # time spent gathering, rendering


def check_format(format: str) -> str:
    if format not in FORMATS:
        raise ParcoursError(f"Format inconnu : « {format} ». Formats : pdf, html.")
    return format


def file_name(subject: Subject, year: int, format: str) -> str:
    return f"parcours-rapport-{year}-{subject.slug}.{format}"


def _warehouse_line(build: dict | None, frozen: bool) -> str:
    if not build or not build.get("build_id"):
        return "Entrepôt servi (construction non enregistrée)."
    when = periods.local(build["finished_at"]).strftime("%d/%m/%Y à %H:%M")
    what = "Copie arrêtée de l'entrepôt" if frozen else "Entrepôt"
    return f"{what} : construction {build['build_id']} du {when}."


def gather(data_dir: DataDir, subject: Subject, year: int) -> content.Report:
    """The report's content, read from the served warehouse or, for a closed year, from its
    frozen copy."""
    period = periods.get(data_dir, year)
    reading = reader.reading_from(period.path(data_dir)) if period else contextlib.nullcontext()
    with reading:
        try:
            report = _gather(subject, year)
        except duckdb.CatalogException as error:
            raise ParcoursError(_older_warehouse(error, year if period else None)) from error
    if period:
        report.frozen = f"Chiffres arrêtés au {fmt.day(period.closed_on)}"
        report.warehouse = _warehouse_line(
            {"build_id": period.build_id, "finished_at": period.build_finished_at}, True
        )
        report.revisions = revisions.compute(data_dir, subject, year, period)
    else:
        with opstore.connected(data_dir.ops_db) as conn:
            report.warehouse = _warehouse_line(periods.served_build(conn), False)
    return report


def _older_warehouse(error: duckdb.CatalogException, closed_year: int | None) -> str:
    """A warehouse built by an older Parcours lacks a table this one reads: say which, and
    what to do (a closed year's frozen copy is remade by reopening and closing the year)."""
    found = re.search(r"Table with name (\w+) does not exist", str(error))
    table = f" (il lui manque la table « {found.group(1)} »)" if found else ""
    if closed_year is not None:
        return (
            f"La copie arrêtée de {closed_year} date d'une version antérieure de Parcours{table} : "
            f"rouvrez puis refermez l'année (« parcours periods reopen {closed_year} », puis "
            f"« parcours periods close {closed_year} »)."
        )
    return (
        f"L'entrepôt servi date d'une version antérieure de Parcours{table} : relancez une "
        "construction (« parcours build » ou page « Transformations »)."
    )


def _gather(subject: Subject, year: int) -> content.Report:
    scope = subject.scope
    cover = content.coverage(scope, year)
    content.check_has_data(cover, subject, year)
    accueil = content.accueil(scope, year)
    chiffres, destinations = content.chiffres_cles(scope, accueil, year)
    title, subtitle = content.title(subject, year)
    report = content.Report(
        year=year,
        subject=subject.to_dict(),
        title=title,
        subtitle=subtitle,
        produced_on=content.produced_on(),
        key_figures=content.key_figures(accueil, year),
        coverage_summary=content.coverage_summary(cover, year),
        chiffres=chiffres,
        destinations=destinations,
        sections=sections.all_sections(scope, year, destinations),
        coverage=content.coverage_table(cover, year),
        definitions=content.DEFINITIONS,
        masking=content.MASKING_RULE if content.is_masked(subject) else [],
        warehouse="",
        masked=content.is_masked(subject),
        notes=[],
        chiffres_title=content.scope_heading(subject),
        presumed_exits=content.presumed_exits(accueil),
    )
    report.sources = content.sources(report)
    return content.finish(report)


def produce(
    data_dir: DataDir, subject: Subject, year: int, format: str = "pdf", *, actor: str
) -> Produced:
    """The report as a file (bytes), audited."""
    from parcours.publish import html, typeset

    check_format(format)
    started = time.perf_counter()
    report = gather(data_dir, subject, year)
    gathered = time.perf_counter()
    data = typeset.pdf(report) if format == "pdf" else html.render(report)
    rendered = time.perf_counter()
    name = file_name(subject, year, format)
    with opstore.connected(data_dir.ops_db) as conn:
        opstore.audit(
            conn,
            actor,
            "report_exported",
            {
                "file": name,
                "year": year,
                "subject": subject.to_dict(),
                "format": format,
                "frozen": report.frozen is not None,
                "bytes": len(data),
            },
        )
    return Produced(
        data,
        name,
        MIME[format],
        {"gather": round(gathered - started, 2), "render": round(rendered - gathered, 2)},
    )
