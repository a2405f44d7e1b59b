"""`next` after a sign-in: a path on this site, never a header split or another host."""
import pytest

from gateway.auth.redirects import safe_next


@pytest.mark.parametrize("target", ["/portal/", "/portal/orders?status=foc&page=2",
                                    "/staff/orders/12#history"])
def test_a_path_on_this_site_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [None, "", "portal/", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "javascript:alert(1)",
                                    "/\r\nSet-Cookie:x=1", "/\tx", "/\x00", "/\u2028x",
                                    "/\u200ex", "/" + "a" * 2001])
def test_anything_else_is_refused(target):
    assert safe_next(target) is None
