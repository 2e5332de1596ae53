"""Classroom labs: lab runs, 互测 / 教师检测 marks, 课后作业 answers

Revision ID: 0011_exercises
Revises: 0010_conversation_actions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_exercises"
down_revision: str | None = "0010_conversation_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lab_runs",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=60), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("since_at", sa.DateTime(), nullable=True),
        sa.Column("reset_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_lab_runs_shop_id_shops"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["started_by"], ["agents.id"], name=op.f("fk_lab_runs_started_by_agents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("shop_id", "exercise_id", name=op.f("pk_lab_runs")),
    )
    op.create_table(
        "exercise_marks",
        sa.Column("exercise_id", sa.String(length=60), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=60), nullable=False),
        sa.Column("column", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("by_agent_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_exercise_marks_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["by_agent_id"], ["agents.id"], name=op.f("fk_exercise_marks_by_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("exercise_id", "agent_id", "item_id", "column", name=op.f("pk_exercise_marks")),
    )
    op.create_table(
        "quiz_answers",
        sa.Column("exercise_id", sa.String(length=60), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=60), nullable=False),
        sa.Column("answer_json", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_quiz_answers_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("exercise_id", "agent_id", "question_id", name=op.f("pk_quiz_answers")),
    )


def downgrade() -> None:
    op.drop_table("quiz_answers")
    op.drop_table("exercise_marks")
    op.drop_table("lab_runs")
