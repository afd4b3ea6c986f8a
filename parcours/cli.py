"""The `parcours` command line (INTERFACES.md §1). Each command is a few lines over the library;
library errors (`ParcoursError`) become a clean French message and exit 2, anything else exit 1
with one line — never a traceback."""

from __future__ import annotations

import functools
import json
import sys

import click

from parcours.errors import BuildFailed, ParcoursError


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


@main.command("build")
@click.option("--json", "as_json", is_flag=True, help="Affiche un résumé JSON à la fin.")
@click.option("--no-docs", is_flag=True, help="Ne régénère pas la documentation dbt (plus rapide).")
@clean_errors
def build_command(as_json: bool, no_docs: bool) -> None:
    """Reconstruit l'entrepôt (dbt : seeds, modèles, tests) dans un nouveau fichier et le met en
    service d'un coup ; en cas d'échec, l'entrepôt servi ne change pas.

    Exemple : python -m parcours build --json
    """
    from parcours import build
    from parcours.settings import DataDir

    progress = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    try:
        result = build.build(DataDir.from_env(), progress=progress, docs=not no_docs)
    except BuildFailed as error:  # e.g. another build held the lock for too long
        click.echo(f"Erreur : {error}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for warning in result.warnings:
            count = f" : {warning['failures']} ligne(s)" if warning.get("failures") else ""
            click.echo(f"Avertissement : {warning['name']}{count}")
        click.echo(result.message, err=not result.ok)
    sys.exit(0 if result.ok else 1)


# --- demo -----------------------------------------------------------------------------------
# (demo helper)
