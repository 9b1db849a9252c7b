"""ingest runs remember what they read: ``ingest_runs.fingerprint``

A digest of the files a run read (names, sizes and contents), so ``arshif ingest --if-changed``
(what ``make run`` does with the sample) can leave files it has already read, unchanged, alone
instead of adding one more run to the history.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
