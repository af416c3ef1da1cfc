"""registrering_opfoelgning: feedback, the Magtanvendelsesudvalg's remarks and the handleplan.

One row per follow-up entry on an approved case, its free text encrypted at rest; `cause_id` (the
command) is unique, so a retried command stores nothing twice.

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

TABLE = "registrering_opfoelgning"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("art", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rolle", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("givet_af", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tidspunkt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tekst_encrypted", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("afgoerelse_i_orden", sa.Boolean(), nullable=True),
        sa.Column("revideret", sa.Boolean(), nullable=True),
        sa.Column("dato", sa.Date(), nullable=True),
        sa.Column("cause_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cause_id"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_art"), ["art"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_case_id"))
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_art"))
    op.drop_table(TABLE)
