"""the job an ingest run belongs to: ``ingest_runs.job_id``

A dead ingest job's run was found by its start time (runs started since the job was created), which
also closed runs of other ingests that started later and missed the job's own when two clocks
disagreed by more than a second; the run now names its job.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ingest_runs_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_runs_job_id"))
        batch_op.drop_column("job_id")
