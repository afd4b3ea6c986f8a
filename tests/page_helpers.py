"""Helpers for the AppTests of single pages (beside conftest's `app_as`, which goes through
app.py and its navigation)."""

from __future__ import annotations

from parcours.store.datadir import PROJECT_ROOT
from tests.conftest import dashboard_user


def page_as(email: str, page: str):
    """One page file run on its own (outside the navigation), signed in as `email`: shows what
    the page itself does for a role the navigation does not offer it to."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=60)
    at.session_state["user"] = dashboard_user(email)
    return at.run()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def downloads(at) -> list:
    return [e for e in at.main if type(e).__name__ == "DownloadButton"]


def shown(frame_element):
    """A displayed table as a person reads it (a pandas frame of the cells' text: `1 234`,
    `32,9 %`, `< 5`), from the display values Streamlit draws; the raw values otherwise."""
    from streamlit import dataframe_util

    arrow = frame_element.proto.arrow_data
    if arrow.HasField("styler") and arrow.styler.display_values:
        return dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
    return frame_element.value


def alignments(frame_element) -> dict[str, str]:
    """column → alignment set by the page (`right` for numbers and « < 5 »)."""
    import json

    config = json.loads(frame_element.proto.columns or "{}")
    return {name: c.get("alignment") for name, c in config.items() if c.get("alignment")}


# --- downloads ----------------------------------------------------------------------------
# A download button's bytes are produced at the click (`data` is a callable, Streamlit's
# deferred download): AppTest draws the button but never asks for them, as the browser does.

_DEFERRED: dict = {}


def record_downloads(monkeypatch) -> None:
    """Keep the data callables the page registers, to call them as the browser would."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        _DEFERRED[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)


def fetch(button) -> bytes:
    """The bytes the browser gets when the person clicks this download button."""
    return _DEFERRED[button.proto.deferred_file_id]()
