"""Bosted documents keyed by (institution, document id): ids are unique only per institution.

bosted_dokument's primary key becomes (institution_id, dokument_id); bosted_modtagelse gains
institution_id, taken from its document, and the key (institution_id, dokument_id, indholdshash).
Autogenerate does not see primary keys: this revision is written by hand.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _primary_key(table: str, columns: list[str]) -> None:
    """Replace a table's primary key (PostgreSQL: ALTER; SQLite: the table is recreated, and
    SQLAlchemy warns that the reflected columns' key flags differ from the new key: they do)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*as primary_key=True, not matching locally")
        with op.batch_alter_table(table, schema=None) as batch_op:
            if op.get_context().dialect.name != "sqlite":
                batch_op.drop_constraint(f"{table}_pkey", type_="primary")
            batch_op.create_primary_key(f"{table}_pkey", columns)


def upgrade() -> None:
    with op.batch_alter_table("bosted_dokument", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bosted_dokument_institution_id"))
    _primary_key("bosted_dokument", ["institution_id", "dokument_id"])

    with op.batch_alter_table("bosted_modtagelse", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("institution_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
    op.execute(
        "UPDATE bosted_modtagelse SET institution_id = COALESCE(("
        "SELECT d.institution_id FROM bosted_dokument d"
        " WHERE d.dokument_id = bosted_modtagelse.dokument_id), '')"
    )
    with op.batch_alter_table("bosted_modtagelse", schema=None) as batch_op:
        batch_op.alter_column(
            "institution_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=80),
            nullable=False,
        )
    _primary_key("bosted_modtagelse", ["institution_id", "dokument_id", "indholdshash"])


def downgrade() -> None:
    _primary_key("bosted_modtagelse", ["dokument_id", "indholdshash"])
    with op.batch_alter_table("bosted_modtagelse", schema=None) as batch_op:
        batch_op.drop_column("institution_id")
    _primary_key("bosted_dokument", ["dokument_id"])
    with op.batch_alter_table("bosted_dokument", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bosted_dokument_institution_id"), ["institution_id"], unique=False
        )
