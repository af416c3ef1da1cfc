"""klager_afgoerelse.afgjort_af: who made a decision (DecisionMade.afgjort_af).

A complaint about a decision of Familieretshuset or Det Socialfaglige Nævn goes straight to
Ankestyrelsen (serviceloven § 134, stk. 1 and 4). Decisions stored before this revision have no
decider (NULL): the municipality's, as every decision klager knew then was.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("klager_afgoerelse", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("afgjort_af", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("klager_afgoerelse", schema=None) as batch_op:
        batch_op.drop_column("afgjort_af")
