"""routing_plan_line.grund, klage_art, frist_art: the typed reason of a line.

The reason used to travel only inside `rapport_ref` prefixes; existing lines get it from their
`cause` (and a deadline line its kind from its old `frist:<kind>` reference). The server default
keeps inserts of a replica still on the previous release valid during a rolling upgrade.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_GRUND_AF_CAUSE = {
    "crime": "mistanke",
    "decision": "afgoerelse",
    "deadline_breached": "frist",
    "statistik_alert": "statistik_alarm",
    "delivery_failed": "leveringsfejl",
}


def upgrade() -> None:
    with op.batch_alter_table("routing_plan_line", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "grund",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="indberetning",
            )
        )
        batch_op.add_column(
            sa.Column("klage_art", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column("frist_art", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
    for cause, grund in _GRUND_AF_CAUSE.items():
        op.execute(
            sa.text("UPDATE routing_plan_line SET grund = :grund WHERE cause = :cause").bindparams(
                grund=grund, cause=cause
            )
        )
    op.execute(
        "UPDATE routing_plan_line SET grund = 'klage', klage_art = substr(cause, 11) "
        "WHERE substr(cause, 1, 10) = 'complaint_'"
    )
    op.execute(
        "UPDATE routing_plan_line SET frist_art = substr(rapport_ref, 7) "
        "WHERE cause = 'deadline_breached' AND substr(rapport_ref, 1, 6) = 'frist:'"
    )


def downgrade() -> None:
    with op.batch_alter_table("routing_plan_line", schema=None) as batch_op:
        batch_op.drop_column("frist_art")
        batch_op.drop_column("klage_art")
        batch_op.drop_column("grund")
