"""The `magt` command: the main job (demo), local infrastructure and operator tools."""

from __future__ import annotations

import importlib

import typer

from magt.commands import demo, infra

app = typer.Typer(
    no_args_is_help=True, help="magtanvendelse: hovedjobbet, infrastruktur og værktøjer."
)
app.add_typer(infra.app, name="infra")
app.command("demo")(demo.demo)


def _register_optional() -> None:
    """Commands whose modules arrive with their packages."""
    try:
        module = importlib.import_module("magt.commands.explain")
    except ImportError:
        return
    app.command("explain")(module.explain)


_register_optional()


def main() -> None:
    """Console entry point."""
    app()
