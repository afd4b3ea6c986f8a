"""The publishing commands (INTERFACES §1): `template`, `report`, `periods close|list|reopen`.
Each is a few lines over `parcours.publish`; registered on the main group by `parcours.cli`."""

from __future__ import annotations

from pathlib import Path

import click

from parcours.cli.commands import actor, clean_errors, data_dir, main, print_json


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


@main.command()
@click.option("--year", required=True, type=int, help="L'année du rapport (AAAA).")
@click.option("--federation", help="Le rapport d'une fédération (« Interfédé » : le secteur).")
@click.option("--centre", "centre_id", help="Le rapport d'un centre (ses propres données).")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["pdf", "html"]),
    default="pdf",
    show_default=True,
    help="PDF ou page HTML autonome.",
)
@click.option("--output", required=True, type=click.Path(path_type=Path), help="Fichier à écrire.")
@clean_errors
def report(
    year: int, federation: str | None, centre_id: str | None, format_: str, output: Path
) -> None:
    """Écrit le rapport annuel d'un périmètre (tous les centres si ni --federation ni
    --centre) : chiffres clés et couverture, freins levés, partenariats, victoires
    intermédiaires, trajectoires, sorties et suivis, méthode. Petits effectifs masqués comme
    sur le tableau de bord ; une année arrêtée montre ses chiffres arrêtés et leurs révisions.

    \b
    Exemple :
      parcours report --year 2024 --federation ALEAP --output rapport-aleap-2024.pdf
    """
    from parcours.publish import report as reports
    from parcours.publish import subjects
    from parcours.store import opstore

    folder = data_dir()
    with opstore.connected(folder.ops_db) as conn:
        subject = subjects.resolve(conn, federation, centre_id)
    produced = reports.produce(folder, subject, year, format_, actor=actor())
    output.write_bytes(produced.data)
    click.echo(f"Rapport {year} — {subject.name} — écrit dans {output}.")


@main.group()
def periods() -> None:
    """Les années arrêtées : leurs chiffres publiés sont figés, les envois ultérieurs
    apparaissent comme des révisions."""


@periods.command("close")
@click.argument("year", type=int)
@clean_errors
def periods_close(year: int) -> None:
    """Arrête une année révolue : l'entrepôt tel qu'il est est copié et son rapport ne changera
    plus.

    \b
    Exemple :
      parcours periods close 2025
    """
    from parcours.publish import periods as closing

    period = closing.close(data_dir(), year, actor=actor())
    click.echo(f"Année {year} arrêtée le {period.closed_on:%d/%m/%Y} ({period.frozen_file}).")


@periods.command("list")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@clean_errors
def periods_list(as_json: bool) -> None:
    """Liste les années arrêtées (et celles qui ont été rouvertes).

    \b
    Exemple :
      parcours periods list
    """
    from parcours.publish import periods as closing

    rows = closing.history(data_dir())
    if as_json:
        print_json([row.to_dict() for row in rows])
        return
    if not rows:
        click.echo("Aucune année arrêtée.")
    for row in rows:
        state = "en vigueur"
        if row.reopened_at:
            state = f"rouverte le {closing.local(row.reopened_at):%d/%m/%Y} par {row.reopened_by}"
        click.echo(
            f"{row.year}  arrêtée le {row.closed_on:%d/%m/%Y} par {row.closed_by}  "
            f"construction {row.build_id or '?'}  {state}"
        )


@periods.command("reopen")
@click.argument("year", type=int)
@clean_errors
def periods_reopen(year: int) -> None:
    """Rouvre une année arrêtée : son rapport relit l'entrepôt actuel (action auditée ; la copie
    arrêtée est conservée).

    \b
    Exemple :
      parcours periods reopen 2025
    """
    from parcours.publish import periods as closing

    closing.reopen(data_dir(), year, actor=actor())
    click.echo(f"Année {year} rouverte : son rapport suit à nouveau l'entrepôt actuel.")


@main.command()
@click.option(
    "--output", required=True, type=click.Path(path_type=Path), help="Le dossier du site."
)
@click.option("--year", type=int, help="Une seule année arrêtée (AAAA) ; sinon toutes.")
@clean_errors
def site(output: Path, year: int | None) -> None:
    """Écrit l'observatoire public : pages en français, graphiques SVG et données ouvertes
    (CSV, datapackage.json) de chaque année arrêtée, lues dans ses chiffres figés. Aucun
    effectif sous 10 n'est publié ni calculable.

    \b
    Exemple :
      parcours site --output site/ --year 2025
    """
    from parcours.publish import revisions
    from parcours.site import build

    folder = data_dir()
    sources = [build.ClosedYear(**s) for s in revisions.public_sources(folder)]
    written = build.publish(folder, output, sources, year, actor=actor())
    years = ", ".join(str(y) for y in written.years)
    click.echo(
        f"Site écrit dans {output} : année(s) {years}, {written.pages} pages et "
        f"{written.files} autres fichiers ({written.seconds:.0f} s)."
    )
