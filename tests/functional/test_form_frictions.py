"""Forms that used to accept something they should refuse, or refuse one error at a time."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from gateway.errors import InvalidInput
from gateway.models import Contact, Partner, User
from gateway.services.identity import user_admin
from gateway.services.identity.actors import CLI


def test_a_user_created_with_no_privilege_ticked_is_refused_not_given_view(admin, store):
    resp = admin.post("/admin/users/new", {"username": "sam", "email": "sam@example.net",
                                           "role": "partner_user", "access": "privileges"})
    assert resp.status_code == 422
    assert "Tick at least one privilege" in resp.get_data(as_text=True)
    assert store.scalar(sa.select(User).where(User.username == "sam")) is None


def test_the_user_service_refuses_a_user_with_no_privilege_and_no_role(app, heron, store):
    partner = store.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    with pytest.raises(InvalidInput, match="Tick at least one privilege"):
        user_admin.create_user(store, partner, username="sam", email="sam@example.net",
                               role="partner_user", privileges=[], role_id=None,
                               contact_types=[], actor=CLI,
                               now=datetime(2026, 11, 23, 18, tzinfo=UTC))


def test_a_contact_phone_that_is_not_a_whole_number_is_refused(admin, store):
    resp = admin.post("/admin/contacts", {"name": "Port desk", "email": "desk@heron.example",
                                          "phone": "541-555-01", "types": ["foc"]})
    assert resp.status_code == 422 and "Enter a whole phone number" in resp.get_data(as_text=True)
    assert store.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
