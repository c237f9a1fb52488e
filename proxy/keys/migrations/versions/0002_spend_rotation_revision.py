"""The spend ledger, the change counter instances poll, and key rotation with overlap.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("keys") as batch:
        batch.add_column(sa.Column("previous_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("previous_expires_at", sa.Float, nullable=True))
    op.create_table(
        "spend",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.Column("team", sa.String(128), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(128), nullable=False),
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_nusd", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("day", "key_id", "team", "model", "provider", name="spend_row"),
    )
    revision_table = op.create_table(
        "revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(revision_table, [{"id": 1, "value": 1}])


def downgrade() -> None:
    op.drop_table("revision")
    op.drop_table("spend")
    with op.batch_alter_table("keys") as batch:
        batch.drop_column("previous_expires_at")
        batch.drop_column("previous_hash")
