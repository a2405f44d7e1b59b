"""The accessibility harness itself (tests/browser/a11y.py): a page with known violations is
reported with its URL, on load and after a script changes it, and a navigation away does not
outrun the check. The violations are taken from the collector, so this test does not fail."""
from __future__ import annotations

import pytest

from tests.browser.a11y import axe_check
from tests.browser.conftest import follow

PROBE = """<!doctype html><html lang="en"><head><title>Probe</title></head>
<body><main><h1>Probe</h1><img src="data:," id="no-alt"><a href="/next">Next</a></main></body>
</html>"""
NEXT = """<!doctype html><html lang="en"><head><title>Next</title></head>
<body><main><h1>Next</h1><h4 id="skipped">Too deep</h4></main></body></html>"""


def _serve(live, path: str, html: str) -> str:
    """A page of the live portal (added before its first request), served like the others."""
    live.app.add_url_rule(path, path.strip("/"), lambda: html)
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
