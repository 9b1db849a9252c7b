"""section labels: ``sections.label`` becomes ``label_ar`` beside a new ``label_en``

Librarians name each section in Arabic and English (archive/sections.py); the code stays the
outlet's own.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.alter_column("label", new_column_name="label_ar", existing_type=sa.String(300))
        batch_op.add_column(sa.Column("label_en", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_column("label_en")
        batch_op.alter_column("label_ar", new_column_name="label", existing_type=sa.String(300))
