"""The last holder of a contact type keeps it (business-rules §1.3), and a disabled user is
no holder that counts: taking its types away never orphans one."""
import pytest
import sqlalchemy as sa

from gateway.errors import Conflict
from gateway.models import User
from tests.conftest import Web

EDIT = {"role": "partner_user", "access": "privileges", "privileges": ["view"]}


def _user(store, username) -> User:
    store.expire_all()
    return store.scalar(sa.select(User).where(User.username == username))


@pytest.fixture
def heronadmin(client, heron, actors):
    actors.user("heronadmin", role="partner_admin")
    actors.user("old")
    web = Web(client)
    web.login("heronadmin")
    return web


def _types(web, store, username, types):
    uid = _user(store, username).id
    return web.post(f"/admin/users/{uid}", {**EDIT, "email": f"{username}@example.net",
                                            "contact_types": types})


def test_a_disabled_users_type_goes_while_an_active_user_keeps_it(heronadmin, store):
    for username in ("heron", "old"):
        assert _types(heronadmin, store, username, ["foc"]).status_code == 302
    old = _user(store, "old")
    assert heronadmin.post(f"/admin/users/{old.id}/disable").status_code == 302

    assert _types(heronadmin, store, "old", []).status_code == 302
    assert _user(store, "old").contact_types == frozenset()

    resp = _types(heronadmin, store, "heron", [])  # the last active holder keeps it
    assert resp.status_code == 409 and b"must keep the contact type foc" in resp.data
    assert _user(store, "heron").contact_types == {"foc"}


def test_the_last_holder_being_disabled_its_type_can_still_be_taken_away(heronadmin, store):
    assert _types(heronadmin, store, "old", ["jeopardy"]).status_code == 302
    old = _user(store, "old")
    assert heronadmin.post(f"/admin/users/{old.id}/disable").status_code == 302
    assert _types(heronadmin, store, "old", []).status_code == 302
    assert _user(store, "old").contact_types == frozenset()


def test_the_service_refuses_last_contact_for_an_active_user_only(app, heron, actors):
    from gateway import clock, db
    from gateway.services.identity.actors import CLI
    from gateway.services.partners import contacts

    actors.user("old")
    with app.app_context():
        session = db.session()
        found = {u.username: u for u in session.scalars(sa.select(User))}
        for username in ("heron", "old"):
            contacts.set_user_contact_types(session, found[username], ["foc"], actor=CLI,
                                            now=clock.now())
        found["old"].disabled_at = clock.now()
        session.flush()
        contacts.set_user_contact_types(session, found["old"], [], actor=CLI, now=clock.now())
        with pytest.raises(Conflict) as refused:
            contacts.set_user_contact_types(session, found["heron"], [], actor=CLI,
                                            now=clock.now())
        assert refused.value.code == "last_contact"
        session.rollback()
