"""article revisions and canonical-URL lookup

Adds ``articles.url_key`` (SHA-1 of the canonical URL, indexed; filled for existing rows) and the
``article_revisions`` table, which keeps the previous version of an article each time an ingest
updates it.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url_key", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_url_key"), ["url_key"], unique=False)

    # Existing articles get their key now, so the first ingest after the upgrade finds them by URL.
    from archive.urls import url_key

    conn = op.get_bind()
    articles = sa.table("articles", sa.column("id", sa.String), sa.column("url", sa.Text),
                        sa.column("url_key", sa.String))
    rows = conn.execute(sa.select(articles.c.id, articles.c.url)
                        .where(articles.c.url.is_not(None)).order_by(articles.c.id)).all()
    update = (articles.update().where(articles.c.id == sa.bindparam("b_id"))
              .values(url_key=sa.bindparam("b_key")))
    for start in range(0, len(rows), BATCH):
        params = [{"b_id": r.id, "b_key": url_key(r.url)} for r in rows[start:start + BATCH]]
        params = [p for p in params if p["b_key"]]
        if params:
            conn.execute(update, params)

    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=500), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("date_precision", sa.String(length=10), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("changed", sa.String(length=300), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.Column("ingest_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ingest_run_id"], ["ingest_runs.id"]),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"]),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_revisions_article_id"), ["article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_revisions_article_id"))
    op.drop_table("article_revisions")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_url_key"))
        batch_op.drop_column("url_key")
