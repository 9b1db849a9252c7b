"""change numbers: ``articles.change_seq`` and the ``change_counter`` row (archive/changes.py)

Incremental reindex selects articles by the number of the transaction that last changed them,
not by ``updated_at``. Existing articles start at 0; an index built before this migration has
no change number and is rebuilt in full by the next ``arshif reindex``.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_articles_change_seq"), ["change_seq"], unique=False)
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("change_counter")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_change_seq"))
        batch_op.drop_column("change_seq")
