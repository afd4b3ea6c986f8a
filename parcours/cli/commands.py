"""The `parcours` command line (INTERFACES.md §1). Each command is a few lines over the library;
library errors (`ParcoursError`) become a clean French message and exit 2, anything else exit 1
with one line — never a traceback."""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from pathlib import Path

import click

from parcours.cli import click_fr
from parcours.core.errors import BuildFailed, DiskFull, ParcoursError, is_disk_full


def clean_errors(func):
    """Turn library errors into clean CLI errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DiskFull as error:  # not the user's doing: an internal error (exit 1)
            click.echo(f"Erreur : {error}", err=True)
            sys.exit(1)
        except ParcoursError as error:
            click.echo(f"Erreur : {error}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 — the last line of defence for users
            if is_disk_full(error):
                click.echo(f"Erreur : {DiskFull()}", err=True)
            else:
                click.echo(f"Erreur interne : {type(error).__name__}: {error}", err=True)
            sys.exit(1)

    return wrapper


def actor() -> str:
    """Who runs the command, for the audit log: `parcours --actor NAME …`, else
    `$PARCOURS_USER`, else the operating-system user (« cli:marie »), never a constant."""
    context = click.get_current_context(silent=True)
    given = context.find_root().params.get("actor") if context else None
    if given and given.strip():
        return given.strip()
    if os.environ.get("PARCOURS_USER", "").strip():
        return os.environ["PARCOURS_USER"].strip()
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # a user id with no name (some containers)
        return f"cli:uid{os.getuid()}"


def data_dir():
    from parcours.store.datadir import DataDir

    return DataDir.from_env()


def print_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


click_fr.install()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--actor",
    metavar="QUI",
    help="Qui agit, pour le journal d'audit (par défaut $PARCOURS_USER, sinon l'utilisateur "
    "du système).",
)
def main(actor: str | None) -> None:
    """Parcours — la plateforme de données des CISP wallons.

    Chaque action est inscrite au journal d'audit au nom de --actor, de $PARCOURS_USER ou de
    l'utilisateur du système.
    """


# --- centres ------------------------------------------------------------------------------
# (ingest-store helper)


@main.group()
def centres() -> None:
    """Le registre des centres (les envois sont vérifiés par rapport à lui)."""


@centres.command("add")
@click.argument("centre_id")
@click.option("--name", required=True, help="Nom du centre.")
@click.option(
    "--federation", required=True, help="ACFI, AID, ALEAP, CAIPS ou Lire et Écrire Wallonie."
)
@click.option("--postal-code", help="Code postal belge du siège (1000 à 9999).")
@clean_errors
def centres_add(centre_id: str, name: str, federation: str, postal_code: str | None) -> None:
    """Enregistre un centre.

    \b
    Exemple :
      parcours centres add CISP-042 --name "Le Tremplin" --federation ALEAP \\
        --postal-code 4020
    """
    from parcours.upload.ingest import register_centre

    row = register_centre(data_dir(), centre_id, name, federation, postal_code, actor=actor())
    click.echo(f"Centre {row['centre_id']} enregistré ({row['centre_name']}, {row['federation']}).")


@centres.command("list")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@clean_errors
def centres_list(as_json: bool) -> None:
    """Liste les centres enregistrés.

    \b
    Exemple :
      parcours centres list --json
    """
    from parcours.store import opstore

    with opstore.connected(data_dir().ops_db) as conn:
        rows = opstore.list_centres(conn)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("Aucun centre enregistré.")
    for row in rows:
        postal = f", {row['postal_code']}" if row["postal_code"] else ""
        click.echo(f"{row['centre_id']} — {row['centre_name']} ({row['federation']}{postal})")


# --- ingest, batches, withdraw, mappings, replay ---------------------------------------------
# (ingest-store helper)

MAX_ERRORS_SHOWN = 20


def n(count: int) -> str:
    """A count as Belgians write it: 1 234 567."""
    return f"{count:,}".replace(",", " ")


STATUS_FR = {"stored": "enregistré", "duplicate": "déjà reçu", "rejected": "refusé"}


def _report_lines(report, dry_run: bool) -> list[str]:
    status = STATUS_FR[report.status]
    if dry_run and report.status == "stored":
        status = "serait enregistré"
    head = f"{report.file} : {report.kind or 'type inconnu'} — {status}"
    if report.batch_id and report.status == "stored":
        head += f" (lot {report.batch_id})"
    if report.status == "stored":
        head += (
            f" — {n(report.rows_read)} lignes lues, {n(report.rows_stored)} enregistrées, "
            f"{n(report.rows_quarantined)} en quarantaine"
        )
    lines = [head]
    if report.superseded:
        verb = "cesseraient" if dry_run else "cessent"
        lines.append(
            f"  Export complet : {n(report.superseded)} enregistrement(s) envoyé(s) avant et "
            f"absent(s) de ce fichier {verb} de compter."
        )
    # Validation's messages already say « Ligne N, colonne C : valeur V … » in the file's words.
    lines += [f"  {error['message']}" for error in report.errors[:MAX_ERRORS_SHOWN]]
    hidden = len(report.errors) - MAX_ERRORS_SHOWN
    if hidden > 0:
        lines.append(f"  … et {n(hidden)} autres erreurs (voir --json).")
    lines += [f"  Avertissement : {warning}" for warning in report.warnings]
    return lines


@main.command()
@click.option("--centre", "centre_id", required=True, help="Identifiant du centre qui envoie.")
@click.option(
    "--complete",
    is_flag=True,
    help="Chaque fichier est un export complet de son type : il remplace tout ce que le centre "
    "a envoyé avant pour ce type (c'est ainsi qu'on corrige une date mal saisie).",
)
@click.option("--dry-run", is_flag=True, help="Vérifie sans rien enregistrer.")
@click.option("--json", "as_json", is_flag=True, help="Un tableau JSON, un objet par fichier.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@clean_errors
def ingest(
    centre_id: str, complete: bool, dry_run: bool, as_json: bool, files: tuple[Path, ...]
) -> None:
    """Vérifie et enregistre des exports (CSV ou XLSX) d'un centre.

    Les lignes acceptées sont enregistrées, les autres mises en quarantaine. Code de sortie 2
    si au moins un fichier est refusé en entier (les autres sont quand même traités).

    \b
    Exemple :
      parcours ingest --centre CISP-042 export/participants.csv export/freins.xlsx
    """
    from parcours.upload import isolation

    isolation.prestart()  # the checking process imports while this one does
    from parcours.upload.ingest import ingest_files

    reports = ingest_files(
        data_dir(), centre_id, list(files), actor(), dry_run=dry_run, complete=complete
    )
    if as_json:
        print_json([report.to_json() for report in reports])
    else:
        if dry_run:
            click.echo("Essai (--dry-run) : rien n'est enregistré.")
        for report in reports:
            click.echo("\n".join(_report_lines(report, dry_run)))
    if any(report.status == "rejected" for report in reports):
        sys.exit(2)


@main.command()
@click.option("--centre", "centre_id", help="Seulement les envois de ce centre.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@clean_errors
def batches(centre_id: str | None, as_json: bool) -> None:
    """Liste les envois (lots) : centre, type, fichier, reçu quand et par qui, lignes, retrait.

    \b
    Exemple :
      parcours batches --centre CISP-042 --json
    """
    from parcours.core.dates import local_time
    from parcours.upload.ingest import list_batches

    rows = list_batches(data_dir(), centre_id)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("Aucun envoi.")
    for row in rows:
        state = f"retiré le {local_time(row['withdrawn_at'])}" if row["withdrawn_at"] else "actif"
        click.echo(
            f"{row['batch_id']}  {row['centre_id']}  {row['kind']}  {row['file_name']}  "
            f"reçu le {local_time(row['received_at'])} par {row['received_by']}  "
            f"{n(row['rows_read'])} lues / {n(row['rows_stored'])} enregistrées / "
            f"{n(row['rows_quarantined'])} en quarantaine  {state}"
        )


@main.command()
@click.argument("batch_id")
@clean_errors
def withdraw(batch_id: str) -> None:
    """Retire un envoi entier (ses données disparaissent à la prochaine construction).

    \b
    Exemple :
      parcours withdraw b20261127T041500-3f2a9c
    """
    from parcours.upload.ingest import withdraw as withdraw_batch

    ids = withdraw_batch(data_dir(), batch_id, actor())
    others = len(ids) - 1
    extra = f" (et {others} lot(s) de rejeu qui en dépendent)" if others else ""
    click.echo(f"Lot {batch_id} retiré{extra}. Lancez « parcours build » pour l'appliquer.")


@main.group()
def mappings() -> None:
    """Correspondances de la fédération : une valeur envoyée par les centres → un code."""


@mappings.command("add")
@click.argument("list_name", metavar="LIST")
@click.argument("value")
@click.argument("code")
@clean_errors
def mappings_add(list_name: str, value: str, code: str) -> None:
    """Associe une valeur à un code d'une liste (puis « parcours replay »).

    \b
    Exemple :
      parcours mappings add barrier "Mobilite reduite" mobility
    """
    from parcours.upload.ingest import add_mapping

    add_mapping(data_dir(), list_name, value, code, actor=actor())
    click.echo(f"Correspondance ajoutée : {list_name} « {value} » → {code}.")


@mappings.command("list")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@clean_errors
def mappings_list(as_json: bool) -> None:
    """Liste les correspondances.

    \b
    Exemple :
      parcours mappings list
    """
    from parcours.store import opstore

    with opstore.connected(data_dir().ops_db) as conn:
        rows = opstore.list_mappings(conn)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("Aucune correspondance.")
    for row in rows:
        click.echo(f"{row['list']} « {row['value']} » → {row['code']}")


@main.command()
@click.option("--centre", "centre_id", help="Seulement la quarantaine de ce centre.")
@clean_errors
def replay(centre_id: str | None) -> None:
    """Revérifie les lignes en quarantaine avec les correspondances actuelles et enregistre
    celles qui passent.

    \b
    Exemple :
      parcours replay --centre CISP-042
    """
    from parcours.upload.ingest import replay as replay_quarantine

    summary = replay_quarantine(data_dir(), centre_id, actor=actor())
    click.echo(
        f"{n(summary.rows_checked)} lignes revérifiées : {n(summary.rows_stored)} enregistrées "
        f"({len(summary.batches)} lot(s) de rejeu), "
        f"{n(summary.rows_still_quarantined)} toujours en quarantaine."
    )


# --- users ----------------------------------------------------------------------------------
# (ingest-store helper)


@main.group()
def users() -> None:
    """Les utilisateurs locaux (mots de passe hachés avec argon2)."""


@users.command("add")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    help="centre, federation, analyst ou admin.",
)
@click.option("--centre", "centre_id", help="Le centre (rôle centre).")
@click.option("--federation", help="La fédération (rôle federation ; « Interfédé » pour toutes).")
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard.")
@clean_errors
def users_add(
    email: str, role: str, centre_id: str | None, federation: str | None, password_stdin: bool
) -> None:
    """Ajoute un utilisateur local (mot de passe demandé deux fois, ou lu avec --password-stdin).

    \b
    Exemple :
      echo "$MOT_DE_PASSE" | parcours users add marie@cisp.be --role centre \\
        --centre CISP-042 --password-stdin
    """
    from parcours.store.users import add_user, check_role

    check_role(role)  # before asking a password for nothing
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True)
        if click.prompt("Confirmez le mot de passe", hide_input=True) != password:
            raise ParcoursError("Les deux mots de passe saisis diffèrent. Rien n'a été ajouté.")
    user = add_user(data_dir(), email, password, role, centre_id, federation, actor=actor())
    scope = f", {user.centre_id or user.federation}" if user.centre_id or user.federation else ""
    click.echo(f"Utilisateur {user.email} ajouté (rôle {user.role}{scope}).")


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
    from parcours.store.datadir import DataDir
    from parcours.warehouse import build, worker

    echo = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    try:
        # Through the build queue: never beside a build the dashboard asked for.
        result = worker.build_and_wait(
            DataDir.from_env(), actor(), docs=not no_docs, progress=build.readable(echo)
        )
    except BuildFailed as error:
        click.echo(f"Erreur : {error}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for warning in result.warnings:
            click.echo(build.explain_warning(warning))
        click.echo(result.message, err=not result.ok)
    sys.exit(0 if result.ok else 1)


# --- demo -----------------------------------------------------------------------------------


@main.command()
@click.option(
    "--centres",
    default=20,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Nombre de centres fictifs.",
)
@click.option(
    "--years",
    default=3,
    show_default=True,
    type=click.IntRange(1, 30),
    help="Nombre d'années d'historique.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Graine : la même graine donne les mêmes fichiers.",
)
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date d'export (AAAA-MM-JJ) ; par défaut le dernier jour du mois passé.",
)
@clean_errors
def demo(centres: int, years: int, seed: int, until) -> None:
    """Écrit des exports de démonstration réalistes dans data/demo/, les envoie et construit
    l'entrepôt.

    Exemple : parcours demo --centres 150 --years 10 --seed 7
    """
    from parcours.demo.run import run_demo

    summary = run_demo(
        data_dir(), centres, years, seed, until.date() if until else None, echo=click.echo
    )
    built = {"success": "construit", "failed": "ÉCHEC"}.get(summary.build_status, "non construit")
    click.echo(
        f"Résumé : {summary.files} fichiers, {n(summary.rows_stored)} lignes enregistrées, "
        f"{n(summary.rows_quarantined)} en quarantaine (dont {summary.bad_rows_planted} "
        f"erreurs volontaires) ; entrepôt {built}."
    )
    click.echo(f"Comptes de démonstration (mot de passe « {summary.password} », démo seulement) :")
    for email, scope in summary.logins:
        click.echo(f"  {email:<34} {scope}")
    if summary.files_rejected:
        click.echo(f"Erreur : {summary.files_rejected} fichier(s) refusé(s).", err=True)
        sys.exit(1)
    if summary.build_status != "success":
        click.echo(f"Erreur : la construction a échoué. {summary.build_message}", err=True)
        sys.exit(1)
