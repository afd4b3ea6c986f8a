"""Every command has help text with an example (sqlite-utils' test_docs habit)."""

import click
import pytest

from parcours.cli import main


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
