"""The `parcours` command line (INTERFACES.md §1). Each command is a few lines over the library;
library errors (`ParcoursError`) become a clean French message and exit 2, anything else exit 1
with one line — never a traceback."""

from __future__ import annotations

import functools
import sys

import click

from parcours.errors import ParcoursError


def clean_errors(func):
    """Turn library errors into clean CLI errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ParcoursError as error:
            click.echo(f"Erreur : {error}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 — the last line of defence for users
            click.echo(f"Erreur interne : {type(error).__name__}: {error}", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Parcours — la plateforme de données des CISP wallons."""


# --- centres ------------------------------------------------------------------------------
# (ingest-store helper)

# --- ingest, batches, withdraw, mappings, replay ---------------------------------------------
# (ingest-store helper)

# --- users ----------------------------------------------------------------------------------
# (ingest-store helper)

# --- build ----------------------------------------------------------------------------------
# (warehouse helper)

# --- demo -----------------------------------------------------------------------------------
# (demo helper)
