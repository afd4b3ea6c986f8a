"""The command line (`python -m parcours`, INTERFACES §1): click commands, each a few lines over
the library (`commands`; the publishing ones in `publish`), with click's own texts in French
(`click_fr`).

Imports: anything in the package except the dashboard.
"""

from parcours.cli import publish  # noqa: F401 — registers its commands on `main`
from parcours.cli.commands import main

__all__ = ["main"]
