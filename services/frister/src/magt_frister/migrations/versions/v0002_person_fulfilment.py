"""frister_fulfilment: citizen-level fulfilments kept for a deadline that opens later.

Familieretshuset's decision (SEL § 131, stk. 1, § 131 a, stk. 1) is another case than the
municipality's indstilling, so it may arrive first; it is kept by `person_ref` and `subject`.

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

TABLE = "frister_fulfilment"


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_person_ref"), ["person_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_person_ref"))
        batch_op.drop_column("subject")
        batch_op.drop_column("person_ref")
