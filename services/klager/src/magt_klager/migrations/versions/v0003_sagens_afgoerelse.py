"""klager_sag.grundlag_kendt, afgoerelse_ref: the decision a case's use rests on.

Learned from the approved report, so a complaint about a pre-approved use is redirected to that
decision by klager itself. Existing cases keep grundlag_kendt false (not learned yet): for them the
complaint's own statement still counts.

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


def upgrade() -> None:
    with op.batch_alter_table("klager_sag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("grundlag_kendt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("afgoerelse_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("klager_sag", schema=None) as batch_op:
        batch_op.drop_column("afgoerelse_ref")
        batch_op.drop_column("grundlag_kendt")
