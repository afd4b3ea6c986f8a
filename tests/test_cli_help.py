"""Every command has help text with an example (sqlite-utils' test_docs habit)."""

import click
import pytest

from parcours.cli.commands import main


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from all_commands(command, path)


COMMANDS = list(all_commands(main))


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help(cli, path, command):
    result = cli(*path, "--help")
    assert result.exit_code == 0
    assert command.help and command.help.strip()
    if not isinstance(command, click.Group):
        assert "Exemple :" in command.help


def test_my_part_of_interfaces_section_1_is_there():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"centres add", "ingest", "batches", "withdraw", "users add"} <= names


@pytest.mark.parametrize(
    "args,expected",
    [
        (["ingest", "x.csv"], "Erreur : Option obligatoire manquante '--centre'."),
        (["nope"], "Erreur : Commande inconnue : 'nope'."),
        (["users", "add", "a@b.be", "--role", "boss"], "Erreur : Rôle inconnu : « boss »"),
    ],
)
def test_usage_errors_are_in_french(cli, args, expected):
    result = cli(*args)
    assert result.exit_code == 2
    assert expected in result.output


def test_an_interrupted_password_prompt_is_not_an_internal_error(cli):
    result = cli("users", "add", "a@b.be", "--role", "admin", input="")
    assert result.exit_code == 1
    assert "Erreur interne" not in result.output
    assert "Interrompu." in result.output


@pytest.mark.parametrize(
    "path",
    [p for p, c in COMMANDS if not isinstance(c, click.Group)],
    ids=[" ".join(p) for p, c in COMMANDS if not isinstance(c, click.Group)],
)
def test_command_is_documented_in_the_readme(path):
    from parcours.store.datadir import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`parcours {' '.join(path)}" in readme
