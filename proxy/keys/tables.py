"""The store's tables, as SQLAlchemy Core: what the code reads and writes (schema head).

The migrations in ``migrations/versions`` build exactly this; a test compares the two.
Money is stored as integer nano-USD (``cost_nusd``): sums of integers are exact under any
number of concurrent writers, sums of floats are not.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("budget_usd", Float, nullable=True),
    Column("budget_period", String(8), nullable=False, server_default="month"),
    Column("rpm", Integer, nullable=True),
    Column("tpm", Integer, nullable=True),
    Column("models", JSON, nullable=True),
    Column("metadata", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

keys = Table(
    "keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(128), nullable=True),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=True, index=True),
    Column("prefix", String(32), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("tier", String(64), nullable=True),
    Column("models", JSON, nullable=True),
    Column("rpm", Integer, nullable=True),
    Column("tpm", Integer, nullable=True),
    Column("budget_usd", Float, nullable=True),
    Column("budget_period", String(8), nullable=False, server_default="month"),
    Column("expires_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
    Column("metadata", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # Revision 0002: a rotated key's old secret keeps working until previous_expires_at.
    Column("previous_hash", String(64), nullable=True),
    Column("previous_expires_at", Float, nullable=True),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", String(128), nullable=False),
    Column("detail", JSON, nullable=False),
)

# Revision 0002: the spend ledger and the change counter every instance polls.
spend = Table(
    "spend",
    metadata,
    Column("day", String(10), nullable=False),  # UTC, YYYY-MM-DD
    Column("key_id", String(128), nullable=False),  # "" when the caller had no key
    Column("team", String(128), nullable=False),  # "" when the key has no team
    Column("model", String(200), nullable=False),
    Column("provider", String(128), nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cost_nusd", BigInteger, nullable=False),
    UniqueConstraint("day", "key_id", "team", "model", "provider", name="spend_row"),
)

revision = Table(
    "revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

__all__ = ["audit", "keys", "metadata", "revision", "spend", "teams"]
