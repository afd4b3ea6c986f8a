"""The dashboard fixture: a small warehouse built through the real pipeline (centres → ingest →
dbt build) from the hand-made exports in fixtures/dashboard/ (see its README for the numbers
expected on screen), and its users. Kept apart from conftest.py: the built folder is cached
(`warehouse_cache`) under a fingerprint of this file and the exports."""

from __future__ import annotations

from pathlib import Path

from parcours.store import opstore
from parcours.store.datadir import DataDir

DASHBOARD_FIXTURE = Path(__file__).parent / "fixtures" / "dashboard"
DASHBOARD_PASSWORD = "motdepasse-test"
DASHBOARD_USERS = {
    # email: (role, centre_id, federation)
    "nam@centre.be": ("centre", "CISP-NAM", None),
    "lie@centre.be": ("centre", "CISP-LIE", None),
    "acfi@federation.be": ("federation", None, "ACFI"),
    "aid@federation.be": ("federation", None, "AID"),
    "interfede@federation.be": ("federation", None, "Interfédé"),
    "analyste@parcours.be": ("analyst", None, None),
    "admin@parcours.be": ("admin", None, None),
}


def register_centres(data_dir: DataDir, rows) -> None:
    """Register centres given as rows of the fixture's centres.csv (centre_id, centre_name,
    federation, postal_code)."""
    conn = opstore.connect(data_dir.ops_db)
    try:
        for row in rows:
            opstore.add_centre(
                conn,
                row["centre_id"],
                row["centre_name"],
                row["federation"],
                row["postal_code"],
                actor="test",
            )
    finally:
        conn.close()


def make_dashboard_folder(root: Path) -> None:
    """Centres → ingest → dbt build (no docs) → users, on the dashboard fixture's exports."""
    import csv

    from parcours.store import users as auth
    from parcours.upload import ingest
    from parcours.warehouse import build

    data_dir = DataDir(root)
    with (DASHBOARD_FIXTURE / "centres.csv").open(encoding="utf-8") as handle:
        register_centres(data_dir, csv.DictReader(handle))
    for folder in sorted(p for p in DASHBOARD_FIXTURE.iterdir() if p.is_dir()):
        reports = ingest.ingest_files(
            data_dir, f"CISP-{folder.name}", sorted(folder.glob("*.csv")), actor="test"
        )
        for report in reports:
            assert report.status == "stored" and report.rows_quarantined == 0, report
    result = build.build(data_dir, actor="test", docs=False)
    assert result.status == "success", result.message
    for email, (role, centre_id, federation) in DASHBOARD_USERS.items():
        auth.add_user(data_dir, email, DASHBOARD_PASSWORD, role, centre_id, federation)
