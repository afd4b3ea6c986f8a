"""The demo through the real upload path: register the centres and the demo users, send every
file through `parcours.upload.ingest` (never writing the warehouse directly), then build.

`run_demo()` is what `parcours demo` calls: `simulation.generate()`, `writers.write_exports()`
into `data_dir.demo`, then the upload and the build, with progress lines and a `DemoSummary`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from parcours.demo import calibration as cal
from parcours.demo.simulation import DemoCentre, DemoData, generate
from parcours.demo.writers import STYLE_TEXT, DemoFile, write_exit_correction, write_exports

DEMO_PASSWORD = "demo-parcours"
DEMO_ACTOR = "parcours demo"


@dataclass
class DemoSummary:
    centres: int
    files: int
    rows_written: int
    bad_rows_planted: int
    rows_stored: int = 0
    rows_quarantined: int = 0
    files_rejected: int = 0
    files_duplicate: int = 0
    corrections: int = 0  # records a complete export made stop counting (the demo's correction)
    build_status: str = "not run"
    build_message: str = ""
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, what it shows)
    password: str = DEMO_PASSWORD
    folder: str = ""


def demo_users(centres: list[DemoCentre]) -> list[dict]:
    """One admin, one analyst, one user per federation and one for the Interfédé, and a centre
    user for the first two centres. Demo only: they all share `DEMO_PASSWORD`."""
    from parcours.store.opstore import INTERFEDE

    users = [
        {"email": "admin@demo.parcours.be", "role": "admin"},
        {"email": "analyste@demo.parcours.be", "role": "analyst"},
        {"email": "interfede@demo.parcours.be", "role": "federation", "federation": INTERFEDE},
    ]
    slugs = {"Lire et Écrire Wallonie": "lee-wallonie"}
    for federation in cal.FEDERATIONS:
        slug = slugs.get(federation, federation.lower())
        users.append(
            {"email": f"{slug}@demo.parcours.be", "role": "federation", "federation": federation}
        )
    for centre in centres[:2]:
        users.append(
            {
                "email": f"centre-{centre.centre_id.lower()}@demo.parcours.be",
                "role": "centre",
                "centre_id": centre.centre_id,
            }
        )
    return users


def _foreign_uploads(data_dir) -> int:
    from parcours.store import opstore

    with opstore.connected(data_dir.ops_db) as conn:
        row = conn.execute(
            "select count(*) from batches where received_by <> ?", (DEMO_ACTOR,)
        ).fetchone()
    return row[0]


def _existing_users(data_dir) -> set[str]:
    from parcours.store import opstore

    with opstore.connected(data_dir.ops_db) as conn:
        return {row[0] for row in conn.execute("select email from users")}


def build_warehouse(data_dir, echo: Callable[[str], None]):
    """The one place the demo calls the warehouse build."""
    from parcours.warehouse.build import build

    return build(data_dir, actor=DEMO_ACTOR, progress=echo)


def run_demo(
    data_dir,
    centres: int = 20,
    years: int = 3,
    seed: int = 1,
    until: date | None = None,
    *,
    echo: Callable[[str], None] = lambda _line: None,
    build: bool = True,
) -> DemoSummary:
    """Generate the exports into `data_dir.demo`, register the centres and the demo users,
    ingest every file through `parcours.upload.ingest` and build the warehouse."""
    from parcours.core.errors import ParcoursError
    from parcours.store import users as auth
    from parcours.upload import ingest
    from parcours.upload.isolation import Checker

    if _foreign_uploads(data_dir):
        raise ParcoursError(
            f"Le dossier de données {data_dir.root} contient déjà des envois qui ne viennent pas "
            "de la démo : la démo s'installe dans un dossier neuf "
            "(PARCOURS_DATA_DIR=/un/autre/dossier parcours demo)."
        )
    if until is not None and until > date.today():
        raise ParcoursError(f"La date d'export {until:%d/%m/%Y} est dans le futur.")
    echo(f"Simulation de {centres} centre(s) sur {years} an(s) (graine {seed})…")
    started = time.monotonic()
    data = generate(centres, years, seed, until)
    files = write_exports(data, data_dir.demo)
    summary = DemoSummary(
        centres=len(data.centres),
        files=len(files),
        rows_written=sum(f.rows for f in files),
        bad_rows_planted=sum(f.bad_rows for f in files),
        folder=str(data_dir.demo),
    )
    echo(
        f"{n_fr(summary.files)} fichiers écrits dans {data_dir.demo} "
        f"({n_fr(summary.rows_written)} lignes, dont {summary.bad_rows_planted} volontairement "
        f"erronées), en {time.monotonic() - started:.0f} s."
    )
    for line in story_lines(data):
        echo(line)
    for centre in data.centres:
        with contextlib.suppress(ParcoursError):  # already registered by an earlier run
            ingest.register_centre(
                data_dir,
                centre.centre_id,
                centre.name,
                centre.federation,
                centre.postal_code,
                actor=DEMO_ACTOR,
            )
    existing = _existing_users(data_dir)
    for user in demo_users(data.centres):
        if user["email"] not in existing:  # a rerun: no need to hash the password again
            auth.add_user(data_dir, password=DEMO_PASSWORD, actor=DEMO_ACTOR, **user)
        summary.logins.append((user["email"], _scope_text(user)))

    echo("Envoi des fichiers, centre par centre, comme le ferait « parcours ingest »…")
    started = time.monotonic()
    by_centre: dict[str, list[DemoFile]] = {}
    for demo_file in files:
        by_centre.setdefault(demo_file.centre_id, []).append(demo_file)
    # One checking process for every centre's files (`ingest_files` would start one per call).
    checker = Checker()  # closed below; it also dies with this process
    for centre in data.centres:
        reports = ingest.ingest_files(
            data_dir,
            centre.centre_id,
            [f.path for f in by_centre[centre.centre_id]],
            actor=DEMO_ACTOR,
            checker=checker,
        )
        stored = sum(r.rows_stored for r in reports)
        quarantined = sum(r.rows_quarantined for r in reports)
        summary.rows_stored += stored
        summary.rows_quarantined += quarantined
        summary.files_rejected += sum(r.status == "rejected" for r in reports)
        summary.files_duplicate += sum(r.status == "duplicate" for r in reports)
        echo(
            f"  {centre.centre_id} {centre.name} "
            f"[{centre.federation}, {STYLE_TEXT[centre.style]}] : "
            f"{n_fr(stored)} lignes enregistrées, {quarantined} en quarantaine"
            + (
                f", {sum(r.status == 'duplicate' for r in reports)} fichier(s) déjà reçu(s)"
                if any(r.status == "duplicate" for r in reports)
                else ""
            )
        )
        for report in reports:
            if report.status == "rejected":
                reason = report.errors[0]["message"] if report.errors else ""
                echo(f"    Fichier refusé : {report.file} — {reason}")
    correction = write_exit_correction(data, data_dir.demo)
    if correction is not None:
        centre, participant, path = correction
        # A correction through a complete export: the mistyped exit stops counting, the
        # corrected one replaces it (the Qualité page and `parcours batches` show the batch).
        (report,) = ingest.ingest_files(
            data_dir, centre.centre_id, [path], actor=DEMO_ACTOR, complete=True, checker=checker
        )
        summary.corrections = report.superseded or 0
        echo(
            f"  {centre.centre_id} corrige la date de sortie de {participant} par un export "
            f"complet des sorties : {summary.corrections} enregistrement(s) remplacé(s)."
        )
    checker.close()
    echo(f"Envoi terminé en {time.monotonic() - started:.0f} s.")
    if build:
        echo("Construction de l'entrepôt…")
        result = build_warehouse(data_dir, echo)
        summary.build_status = result.status
        summary.build_message = result.message
        echo(result.message)
    return summary


def story_lines(data: DemoData) -> list[str]:
    """What the demo plants for the dashboard to show: the slower cohort, the centres that
    joined late, leave the filière empty or send their participants file late."""
    lines = []
    if data.slow_year:
        lines.append(f"  Cohorte plus lente : entrées de {data.slow_year}.")
    late = [f"{c.centre_id} (depuis {c.starts_on:%m/%Y})" for c in data.centres if c.starts_on]
    blank = [c.centre_id for c in data.centres if c.no_filiere_share]
    lagging = [c.centre_id for c in data.centres if c.participants_lag]
    for label, ids in (
        ("Centres arrivés en cours de route", late),
        ("Filière parfois vide", blank),
        ("Stagiaires pas encore dans le fichier des participants", lagging),
    ):
        if ids:
            lines.append(f"  {label} : {', '.join(ids)}.")
    return lines


def _scope_text(user: dict) -> str:
    if user["role"] == "admin":
        return "administrateur (tout)"
    if user["role"] == "analyst":
        return "analyste (tous les centres, agrégats)"
    if user["role"] == "federation":
        return f"fédération {user['federation']} (agrégats)"
    return f"centre {user['centre_id']} (ses stagiaires)"


def n_fr(number: int) -> str:
    """Belgian thousands separator: 1 234."""
    return f"{number:,}".replace(",", "\u202f")
