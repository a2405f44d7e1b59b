"""The accessibility harness itself (tests/browser/a11y.py): a page with known violations is
reported with its URL, on load and after a script changes it, and a navigation away does not
outrun the check. The violations are taken from the collector, so this test does not fail."""
from __future__ import annotations

import time

import pytest

from tests.browser import a11y
from tests.browser.a11y import axe_check
from tests.browser.conftest import follow

PROBE = """<!doctype html><html lang="en"><head><title>Probe</title></head>
<body><main><h1>Probe</h1><img src="data:," id="no-alt"><a href="/next">Next</a></main></body>
</html>"""
NEXT = """<!doctype html><html lang="en"><head><title>Next</title></head>
<body><main><h1>Next</h1><h4 id="skipped">Too deep</h4></main></body></html>"""


def _serve(live, path: str, body: str, *, delay: float = 0.0,
           mimetype: str = "text/html") -> str:
    """A page (or a file of one) of the live portal, added before its first request and served
    like the others; `delay` seconds late when given."""
    def view():
        time.sleep(delay)
        return live.app.response_class(body, mimetype=mimetype)

    live.app.add_url_rule(path, path.strip("/"), view)
    return live.url + path


def test_the_harness_reports_violations_on_load_after_a_script_and_before_leaving(
        live, page, axe):
    if not axe.enabled:
        pytest.skip("axe-core is not installed (npm ci)")
    probe = _serve(live, "/a11y-probe", PROBE)
    following = _serve(live, "/next", NEXT)

    page.goto("/a11y-probe")
    found = axe.take()
    assert [(v.rule, v.impact, v.targets, v.url) for v in found] == \
        [("image-alt", "critical", ("#no-alt",), probe)]

    # a state made by a script, checked on demand; the same violation is reported once
    page.evaluate("""() => {
      const box = document.createElement("input");
      box.id = "unlabelled";
      document.querySelector("main").append(box);
    }""")
    axe_check(page)
    found = axe.take()
    assert {(v.rule, v.targets) for v in found} == {("image-alt", ("#no-alt",)),
                                                   ("label", ("#unlabelled",))}

    # leave each page at once: the navigation away waits for the page's check
    follow(page, page.get_by_role("link", name="Next"))
    page.goto("/a11y-probe")
    page.goto("/next")
    assert {(v.rule, v.url) for v in axe.violations} == {("heading-order", following),
                                                        ("image-alt", probe)}
    axe.take()


SLOW_PROBE = """<!doctype html><html lang="en"><head><title>Slow probe</title>
<link rel="stylesheet" href="/a11y-slow.css"></head>
<body><main><h1>Slow probe</h1><img src="data:," id="slow-no-alt"></main></body></html>"""


FINE = """<!doctype html><html lang="en"><head><title>Fine</title></head>
<body><main><h1>Fine</h1><a href="/next">Next</a></main></body></html>"""


def test_a_page_left_before_its_load_is_still_checked_and_holds_up_nothing_after(
        live, page, axe):
    """The flake this harness once had: a page left before its `load` (its stylesheet still
    coming) fired `load` while the next navigation was on its way, and the check it began was
    cut short. Counted in Python, that lost check left a later navigation held for 60 s. Now
    the navigation away waits for the page's own load and check."""
    if not axe.enabled:
        pytest.skip("axe-core is not installed (npm ci)")
    _serve(live, "/a11y-slow.css", "main { margin: 0 }", delay=1.0, mimetype="text/css")
    probe = _serve(live, "/a11y-slow", SLOW_PROBE)
    following = _serve(live, "/next", NEXT)
    # answers just after the slow page's load: its check would be cut short
    _serve(live, "/fine", FINE, delay=1.03)

    page.goto("/a11y-slow", wait_until="domcontentloaded")  # its stylesheet is still coming
    page.goto("/fine")  # leave at once
    started = time.monotonic()
    follow(page, page.get_by_role("link", name="Next"))  # and a later navigation is not held
    assert time.monotonic() - started < 10
    assert {(v.rule, v.url) for v in axe.take()} == {("image-alt", probe),
                                                   ("heading-order", following)}


SLOW_IMAGE = """<!doctype html><html lang="en"><head><title>Slow image</title></head>
<body><main><h1>Slow image</h1><img src="/a11y-slow.svg" alt="A slow picture">
<a href="/next">Next</a></main></body></html>"""


def test_a_check_that_does_not_report_in_time_holds_the_navigation_only_so_long(
        live, page, axe, monkeypatch):
    """A navigation waits for the check of the page it leaves at most HOLD_LIMIT_S (less than
    the 15-s action timeout), then goes on and names the page in a warning: a check that does
    not report cannot make the click time out. (Here the page's image, and so its load and
    check, take 4 s; the limit is set to 1 s.)"""
    if not axe.enabled:
        pytest.skip("axe-core is not installed (npm ci)")
    monkeypatch.setattr(a11y, "HOLD_LIMIT_S", 1.0)
    _serve(live, "/a11y-slow.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>', delay=4.0,
           mimetype="image/svg+xml")
    slow = _serve(live, "/a11y-slow-image", SLOW_IMAGE)
    following = _serve(live, "/next", NEXT)
    page.goto("/a11y-slow-image", wait_until="domcontentloaded")
    started = time.monotonic()
    with pytest.warns(UserWarning, match=f"axe: {slow} was left unchecked"):
        follow(page, page.get_by_role("link", name="Next"))  # the image is still coming
    assert 1.0 <= time.monotonic() - started < 4.0
    assert ("heading-order", following) in {(v.rule, v.url) for v in axe.take()}
