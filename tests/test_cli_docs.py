"""docs/reference/cli.md documents every command and option the CLI defines."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ipwhitelist._cli.main import cli

REFERENCE = (Path(__file__).parents[1] / "docs" / "reference" / "cli.md").read_text("utf-8")


def _commands():
    return sorted(cli.commands.items())


def test_every_command_has_a_section():
    """Each command has its own `## ipwhitelist <name>` section and a synopsis line."""
    for name, _command in _commands():
        assert f"## `ipwhitelist {name}`" in REFERENCE, name
        assert re.search(rf"^ipwhitelist {name}\b", REFERENCE, re.MULTILINE), name


def test_every_option_is_documented_in_its_section():
    """Each option of a command appears in the command's section or its synopsis."""
    sections = re.split(r"^## ", REFERENCE, flags=re.MULTILINE)
    for name, command in _commands():
        section = next(s for s in sections if s.startswith(f"`ipwhitelist {name}`"))
        synopsis = next(
            line for line in REFERENCE.splitlines() if line.startswith(f"ipwhitelist {name}")
        )
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            for opt in param.opts:
                if opt == "--help":
                    continue
                assert opt in synopsis or opt in section, f"{name} {opt}"


def test_no_documented_command_is_missing():
    """The reference does not document commands that do not exist."""
    documented = set(re.findall(r"^## `ipwhitelist (\w+)`", REFERENCE, re.MULTILINE))
    assert documented == {name for name, _ in _commands()}
