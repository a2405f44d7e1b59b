"""Fixtures shared by the page tests."""
import pytest

from tests.conftest import Web
from tests.integration.test_webhook_addresses import receiver  # noqa: F401 (a loopback webhook)


@pytest.fixture
def admin(client, heron, actors):
    """Blue Heron's partner administrator, signed in to the portal."""
    actors.user("boss", role="partner_admin")
    web = Web(client)
    web.login("boss")
    return web
