"""The `magt` command: the main job (demo), local infrastructure and operator tools."""

from __future__ import annotations

import typer

from magt.commands import db, demo, explain, frister, infra, outbox

app = typer.Typer(
    no_args_is_help=True, help="magtanvendelse: hovedjobbet, infrastruktur og værktøjer."
)
app.add_typer(db.app, name="db")
app.add_typer(infra.app, name="infra")
app.add_typer(outbox.app, name="outbox")
app.command("demo")(demo.demo)
app.command("explain")(explain.explain)
app.command("frister")(frister.frister)


def main() -> None:
    """Console entry point."""
    app()
