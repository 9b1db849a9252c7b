"""stored reasons keep their message template and parameters: ``rejections.reason_params`` and
``ingest_runs.error_params``

A rejection's reason and a failed run's reason were English text only. They keep that English
text (for the API, ``--json`` and logs) and now also the message's template and parameters as
JSON (archive/errors.py ``Message.to_json``), so the admin pages and the CLI say them in the
reader's language. Rows from before keep only their English text and are shown as they are.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rejections", sa.Column("reason_params", sa.JSON(), nullable=True))
    op.add_column("ingest_runs", sa.Column("error_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_column("error_params")
    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.drop_column("reason_params")
