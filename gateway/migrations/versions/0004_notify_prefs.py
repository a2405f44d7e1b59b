"""Notification preferences: which notice categories each contact, user and webhook receives
(issue 15)

Revision ID: 0004_notify_prefs
Revises: 0003_batches
Create Date: 2026-12-05

The server defaults mean "as today": contacts and users keep every category their contact types
bring (a `jeopardy` holder keeps expiries and notes) and get batch results only if they opt in;
a webhook keeps every category, batch results included.
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_notify_prefs'
down_revision = '0003_batches'
branch_labels = None
depends_on = None

PEOPLE = "completion,expiry,foc,jeopardy,notes,reject"
WEBHOOK = "batches,completion,expiry,foc,jeopardy,notes,reject"


def upgrade() -> None:
    for table in ('contacts', 'users'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('notify_csv', sa.String(length=80), nullable=False,
                                          server_default=PEOPLE))
    with op.batch_alter_table('partners') as batch_op:
        batch_op.add_column(sa.Column('webhook_events_csv', sa.String(length=80),
                                      nullable=False, server_default=WEBHOOK))


def downgrade() -> None:
    with op.batch_alter_table('partners') as batch_op:
        batch_op.drop_column('webhook_events_csv')
    for table in ('users', 'contacts'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('notify_csv')
