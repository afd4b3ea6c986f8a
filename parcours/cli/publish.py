"""The publishing commands (INTERFACES §1): `template`, `report`, `periods close|list|reopen`.
Each is a few lines over `parcours.publish`; registered on the main group by `parcours.cli`."""

from __future__ import annotations

from pathlib import Path

import click

from parcours.cli.commands import clean_errors, main


@main.command()
@click.argument("kind")
@click.option(
    "--output", required=True, type=click.Path(path_type=Path), help="Le fichier .xlsx à écrire."
)
@clean_errors
def template(kind: str, output: Path) -> None:
    """Écrit le modèle Excel d'un type de fichier (participants, barriers, partnerships,
    milestones, exits, followups ou hours) : en-têtes du contrat, listes déroulantes,
    formats de date et une feuille d'explications.

    \b
    Exemple :
      parcours template participants --output modele-participants.xlsx
    """
    from parcours.publish import templates

    output.write_bytes(templates.template_bytes(kind))
    click.echo(f"Modèle « {kind} » écrit dans {output}.")
