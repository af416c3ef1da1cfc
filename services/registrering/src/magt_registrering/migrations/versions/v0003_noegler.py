"""Crypto-shredding: each case's data key (wrapped with the platform key) and the shredded cases.

`registrering_noegle` holds one data key per case, made at its first sealing; `journaliseret` starts
the grace period of the retention table. `registrering_slettet` remembers shredded cases (no
personal data), so the key endpoint answers 410 for them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "registrering_noegle",
        sa.Column("case_id", _S(length=80), nullable=False),
        sa.Column("key_id", _S(length=32), nullable=False),
        sa.Column("wrapped", _S(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("journaliseret", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
        sa.UniqueConstraint("key_id"),
    )
    for column in ("created_at", "journaliseret"):
        op.create_index(op.f(f"ix_registrering_noegle_{column}"), "registrering_noegle", [column])
    op.create_table(
        "registrering_slettet",
        sa.Column("case_id", _S(length=80), nullable=False),
        sa.Column("slettet_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index(
        op.f("ix_registrering_slettet_slettet_at"), "registrering_slettet", ["slettet_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_registrering_slettet_slettet_at"), table_name="registrering_slettet")
    op.drop_table("registrering_slettet")
    for column in ("created_at", "journaliseret"):
        op.drop_index(op.f(f"ix_registrering_noegle_{column}"), table_name="registrering_noegle")
    op.drop_table("registrering_noegle")
