"""What the current warehouse would change in a closed year's report: the revisions listed beside
the frozen figures, never applied to them.

- the subject's key figures of the year (the Accueil definitions, `home.raw_figures`) in the
  frozen copy and in the served warehouse;
- the centres of the subject that sent or withdrew files after the frozen build took its
  snapshot of the registry, with their own key figures before and after — which centres, which
  figures, by how much.

Masked as the report is: a count of 1 to 4 is « < 5 », and a change is masked when either of its
counts is (rule 3 of `analytics.masking`).
"""

from __future__ import annotations

import polars as pl

from parcours.analytics import home, masking
from parcours.core.errors import ParcoursError
from parcours.presentation import formatting as fmt
from parcours.publish.content import Revisions, Table
from parcours.publish.periods import ClosedPeriod, connected, history, local
from parcours.publish.subjects import Subject
from parcours.store.datadir import DataDir
from parcours.store.users import User
from parcours.warehouse.reader import Filters, Scope, reading_from

LABELS = dict(home.FIGURES)
ORDER = [key for key, _ in home.FIGURES]
KIND_LABELS = {
    "participants": "participants",
    "barriers": "freins",
    "partnerships": "partenariats",
    "milestones": "étapes",
    "exits": "sorties",
    "followups": "suivis",
    "hours": "heures",
}


def _figures(scope: Scope, year: int) -> dict[str, float]:
    return home.raw_figures(scope, Filters(), home.Period.of_years((year, year)))[0]


def _cells(key: str, before: float, now: float, mask: bool) -> tuple[str, str, str] | None:
    """(frozen, current, change) as printed; None when the figure did not change."""
    if before == now:
        return None
    if key == "hours":
        return fmt.number(before), fmt.number(now), fmt.signed(now - before)
    change = masking.change(int(now), int(before), mask)
    return (
        fmt.count(masking.count(int(before), mask)),
        fmt.count(masking.count(int(now), mask)),
        fmt.MISSING if change is None else fmt.signed(change),
    )


def later_uploads(data_dir: DataDir, period: ClosedPeriod, scope: Scope) -> pl.DataFrame:
    """Per centre of the scope: files received or withdrawn after the frozen snapshot."""
    since = period.build_started_at or period.closed_at
    with connected(data_dir) as conn:
        rows = conn.execute(
            "select b.centre_id, c.centre_name, b.kind, b.received_at, b.withdrawn_at"
            " from batches b join centres c using (centre_id)"
            " where b.received_at > ? or b.withdrawn_at > ?",
            (since, since),
        ).fetchall()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema=["centre_id", "centre_name", "kind", "received_at", "withdrawn_at"],
        orient="row",
    )
    if scope.centre_ids is not None:
        frame = frame.filter(pl.col("centre_id").is_in(list(scope.centre_ids)))
    return frame


def compute(data_dir: DataDir, subject: Subject, year: int, period: ClosedPeriod) -> Revisions:
    scope, mask = subject.scope, subject.scope.mask_small_counts
    frozen = period.path(data_dir)
    with reading_from(frozen):
        before = _figures(scope, year)
    now = _figures(scope, year)
    rows = []
    for key in ORDER:
        cells = _cells(key, before[key], now[key], mask)
        if cells:
            rows.append([LABELS[key], *cells])
    figures = Table(["Indicateur", "Arrêté", "Actuel", "Écart"], rows, [False, True, True, True])

    uploads = later_uploads(data_dir, period, scope)
    centre_rows, upload_rows = [], []
    for (centre_id, name), part in uploads.group_by(
        "centre_id", "centre_name", maintain_order=True
    ):
        kinds = sorted({KIND_LABELS.get(k, k) for k in part["kind"]})
        latest = max(v for v in [*part["received_at"], *part["withdrawn_at"]] if v)
        withdrawn = part.filter(pl.col("withdrawn_at").is_not_null()).height
        upload_rows.append(
            [
                f"{name} ({centre_id})",
                fmt.integer(part.height) + (f" (dont {withdrawn} retrait(s))" if withdrawn else ""),
                ", ".join(kinds),
                fmt.day(local(latest)),
            ]
        )
        own = Scope.for_user(User("rapport", "centre", centre_id=centre_id))
        with reading_from(frozen):
            centre_before = _figures(own, year)
        centre_now = _figures(own, year)
        for key in ORDER:
            cells = _cells(key, centre_before[key], centre_now[key], mask)
            if cells:
                centre_rows.append([f"{name} ({centre_id})", LABELS[key], *cells])
    upload_rows.sort()
    centre_rows.sort(key=lambda r: (r[0], ORDER.index(next(k for k in ORDER if LABELS[k] == r[1]))))
    centres = Table(
        ["Centre", "Indicateur", "Arrêté", "Actuel", "Écart"],
        centre_rows,
        [False, False, True, True, True],
    )
    sent = Table(
        ["Centre", "Envois depuis l'arrêt", "Fichiers", "Dernier"],
        upload_rows,
        [False, True, False, True],
    )
    since = fmt.day(local(period.build_started_at or period.closed_at))
    if not rows and not centre_rows:
        summary = f"Aucune révision : l'entrepôt actuel donne les mêmes chiffres clés pour {year}."
        if upload_rows:
            summary += (
                f" Des centres ont envoyé des fichiers depuis le {since}, sans changer ces "
                "chiffres."
            )
    else:
        summary = (
            f"L'entrepôt actuel changerait {len(rows)} chiffre(s) clé(s) de {year} "
            f"({len({r[0] for r in centre_rows})} centre(s) concerné(s) par des envois depuis "
            f"le {since}). Les chiffres de ce rapport restent ceux de l'arrêt."
        )
        if rows and not centre_rows:
            summary += (
                " Aucun envoi ne l'explique : la définition ou le traitement d'un indicateur a "
                "changé depuis l'arrêt."
            )
    return Revisions(summary, figures, centres, sent)


def public_note(data_dir: DataDir, period: ClosedPeriod) -> str | None:
    """The public observatory's revision note for a closed year: a plain sentence when the
    served warehouse would change the sector's key figures, with the date of the latest later
    upload. It names no centre and no number: the public sees that a revision exists, and when."""
    from parcours.publish import subjects

    try:
        found = compute(data_dir, subjects.sector(), period.year, period)
    except ParcoursError:
        return None
    if not found.figures.rows:
        return None
    uploads = later_uploads(data_dir, period, subjects.sector().scope)
    dates = [d for d in [*uploads["received_at"], *uploads["withdrawn_at"]] if d]
    when = fmt.day(local(max(dates) if dates else period.closed_at))
    names = ", ".join(row[0].lower() for row in found.figures.rows)
    return (
        f"Révision connue au {when} : des envois reçus après l'arrêt changeraient des chiffres "
        f"de l'année ({names}). Les chiffres publiés ici restent ceux de l'arrêt du "
        f"{fmt.day(period.closed_on)} ; une révision n'est publiée que si l'année est rouverte "
        "puis arrêtée à nouveau."
    )


def public_sources(data_dir: DataDir) -> list[dict]:
    """Every closed year for the public observatory (`parcours site`): year, frozen warehouse,
    closing date and revision note (plain values: the site does not import this package)."""
    return [
        {
            "year": p.year,
            "frozen": p.path(data_dir),
            "closed_on": p.closed_on,
            "revision": public_note(data_dir, p),
        }
        for p in history(data_dir)
        if p.reopened_at is None
    ]
