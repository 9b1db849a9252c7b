"""session version of each account

Revision ID: 0005_sessions
Revises: 0003
Create Date: 2026-11-30

A sign-in carries its account's session version; signing out, a new password or disabling the
account raises it, so that every cookie issued before stops opening the admin pages.
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_sessions"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
