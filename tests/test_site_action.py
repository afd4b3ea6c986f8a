"""« Publier le site » on the Rapport annuel page: admins only, the site written into the data
folder from the closed years, audited, offered as a zip."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from parcours.core.errors import ParcoursError
from parcours.dashboard import site_action
from parcours.publish import periods
from parcours.store import opstore
from parcours.store.datadir import DataDir
from tests.conftest import app_as, dashboard_user


@pytest.fixture(scope="module")
def closed(dashboard_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("site-action") / "data"
    shutil.copytree(dashboard_warehouse.root, root)
    data_dir = DataDir(root)
    periods.close(data_dir, 2024, actor="test", today=date(2025, 2, 1))
    return data_dir


@pytest.fixture(autouse=True)
def _served(closed, monkeypatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(closed.root))


def test_an_admin_publishes_the_site_from_the_page(closed):
    at = app_as("admin@parcours.be", "pages/rapport.py")
    button = next(b for b in at.button if b.label == "Publier le site")
    at = button.click().run(timeout=600)
    assert not at.exception
    assert any("Site écrit" in s.value for s in at.success)
    assert (closed.root / "site" / "2024" / "datapackage.json").exists()
    with opstore.connected(closed.ops_db) as conn:
        entries = opstore.list_audit(conn, "site_published")
    assert entries and entries[0]["actor"] == "admin@parcours.be"


@pytest.mark.parametrize("email", ["analyste@parcours.be", "interfede@federation.be"])
def test_no_one_else_sees_or_may_publish(closed, email):
    at = app_as(email, "pages/rapport.py")
    assert not at.exception
    assert "Publier le site" not in [b.label for b in at.button]
    with pytest.raises(ParcoursError, match="réservé aux administrateurs"):
        site_action.publish(closed, dashboard_user(email))
