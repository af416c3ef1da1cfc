"""The `magt` command: the main job (demo), local infrastructure and operator tools."""

from __future__ import annotations

import typer

from magt.commands import demo, explain, frister, infra

app = typer.Typer(
    no_args_is_help=True, help="magtanvendelse: hovedjobbet, infrastruktur og værktøjer."
)
app.add_typer(infra.app, name="infra")
app.command("demo")(demo.demo)
app.command("explain")(explain.explain)
app.command("frister")(frister.frister)


def main() -> None:
    """Console entry point."""
    app()
