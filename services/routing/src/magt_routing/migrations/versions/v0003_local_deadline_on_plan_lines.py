"""routing_plan_line.frist_lovbestemt: whether a deadline line's deadline is set by an act.

False marks an overdue local deadline (local policy, never a breach of the law). Existing lines
keep NULL: their reader derives it from the deadline kind in the catalogue.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("routing_plan_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frist_lovbestemt", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routing_plan_line", schema=None) as batch_op:
        batch_op.drop_column("frist_lovbestemt")
