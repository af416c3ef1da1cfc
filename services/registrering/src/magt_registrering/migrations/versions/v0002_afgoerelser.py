"""Decisions as data: the kind, regime and decider of a decision, and the uses under it.

`registrering_afgoerelse` gains nullable columns (older rows are SEL pre-approvals: NULL reads
as the municipality's decision on its intervention); `registrering_afgoerelse_brug` holds each
VAL report's uses under the decision it names, for the day limits of VAL § 12, stk. 3.

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

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("registrering_afgoerelse", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regime", _S(), nullable=True))
        batch_op.add_column(sa.Column("art", _S(), nullable=True))
        batch_op.add_column(sa.Column("afgjort_af", _S(), nullable=True))
        batch_op.add_column(sa.Column("foreloebig_ref", _S(), nullable=True))
    op.create_table(
        "registrering_afgoerelse_brug",
        sa.Column("case_id", _S(length=80), nullable=False),
        sa.Column("indgreb", _S(length=80), nullable=False),
        sa.Column("afgoerelse_id", _S(length=80), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slut", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aktiv", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "indgreb"),
    )
    with op.batch_alter_table("registrering_afgoerelse_brug", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registrering_afgoerelse_brug_afgoerelse_id"),
            ["afgoerelse_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("registrering_afgoerelse_brug", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrering_afgoerelse_brug_afgoerelse_id"))
    op.drop_table("registrering_afgoerelse_brug")
    with op.batch_alter_table("registrering_afgoerelse", schema=None) as batch_op:
        batch_op.drop_column("foreloebig_ref")
        batch_op.drop_column("afgjort_af")
        batch_op.drop_column("art")
        batch_op.drop_column("regime")
