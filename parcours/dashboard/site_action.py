"""« Publier le site » (admins): the public observatory of every closed year written into the data
folder (`site/` under it), as `parcours site` writes it; audited (`site_published`), then offered
as a zip download and named by its path for the web server."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import streamlit as st

from parcours.core.errors import ParcoursError
from parcours.dashboard import ui
from parcours.publish import periods, revisions
from parcours.site import build
from parcours.store.datadir import DataDir

FOLDER = "site"


def publish(data_dir: DataDir, user) -> build.Written:
    """Write the site for an admin (refused to anyone else, where it is written)."""
    if user is None or user.role not in periods.ADMIN_ROLES:
        raise ParcoursError("Publier le site est réservé aux administrateurs.")
    sources = [build.ClosedYear(**s) for s in revisions.public_sources(data_dir)]
    return build.publish(data_dir, data_dir.root / FOLDER, sources, actor=user.email)


def zipped(folder: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return out.getvalue()


def show(data_dir: DataDir, user) -> None:
    st.divider()
    st.subheader("Observatoire public")
    st.caption(
        "Écrit le site public (pages, graphiques et données ouvertes) de chaque année arrêtée, "
        "à partir de ses chiffres figés ; aucun effectif sous 10 n'y est publié ni calculable. "
        "Action réservée aux administrateurs et auditée."
    )
    folder = data_dir.root / FOLDER
    if st.button("Publier le site", key="publish_site", icon=":material/public:"):
        try:
            with st.spinner("Écriture du site…"):
                written = publish(data_dir, user)
        except ParcoursError as refused:
            st.error(str(refused))
        else:
            years = ", ".join(str(y) for y in written.years)
            st.success(
                f"Site écrit : année(s) {years}, {written.pages} pages. Il se trouve dans "
                f"{folder} : copiez ce dossier sur un serveur web.",
                icon=":material/check_circle:",
            )
    if (folder / "index.html").exists():
        ui.download_button(
            "Télécharger le site (zip)",
            lambda: zipped(folder),
            "observatoire-parcours.zip",
            mime="application/zip",
            key="site_zip",
        )
