"""Accessibility checks for the browser tests: axe-core (node_modules, installed by `make test`
from package.json) runs in every document the tests load and at the dynamic states they name.

How it works (docs/decisions.md, "Accessibility checks in the browser tests"):
- every context made through the tests' `browser` gets axe.min.js and INIT_JS as init scripts;
  on the `load` event of each http(s) top-level document axe runs and hands its violations to
  Python through the `__portgateAxeReport` binding, which records them with the page's URL;
- each document announces itself to Python when it starts (an id of its own) and its check on
  load reports under that id; a main-frame navigation is held (a context route) until the
  document it leaves has been checked on load, so that no loaded page state escapes the check
  however fast the test moves on. The wait is for that document, not a count: a navigation that
  leaves a page before its `load` waits for that load and its check, and a check cut short can
  never leave a later navigation waiting for it. The hold lasts at most HOLD_LIMIT_S, below
  the tests' action timeout; past it the navigation goes on and the page is named in a warning;
- `axe_check(page)` checks the page again now, for a state that scripts made without a
  navigation;
- at the end of a test every open page is settled and any violation fails the test (conftest).
"""
from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0/2.1/2.2 levels A and AA, and axe's best practices (heading-order, region,
# landmark-*, scrollable-region-focusable...). No rule is turned off.
AXE_OPTIONS = {
    "runOnly": {"type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                           "best-practice"]},
    "resultTypes": ["violations"],
}

# How long the end of a test waits for a loaded page's check; past it, the page is reported as
# unchecked (a violation of its own: nothing passes unseen).
SETTLE_LIMIT_S = 60.0
# How long a navigation away waits for the check of the page it leaves: less than the tests'
# 15-s action timeout, so that a check that never reports (seen once, cause not found; see
# docs/decisions.md) cannot make the click that navigates time out. Past it the navigation goes
# on and the page is named in a warning; its report, if it comes later, is still recorded.
HOLD_LIMIT_S = 10.0

# Runs after axe.min.js in every document. The document announces itself ("open", with an id
# of its own) as it starts; checks are queued (axe refuses to run twice at once), and each reports
# ("report") with the document's id and whether it is the check on `load`.
INIT_JS = """
(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) return;
  const options = __OPTIONS__;
  const doc = performance.timeOrigin + ":" + Math.random();
  window.__portgateAxe("open", doc, location.href, [], false);
  const report = (found, onLoad) => window.__portgateAxe("report", doc, location.href, found,
                                                         onLoad);
  const failed = (why) => [{id: "axe-error", impact: "critical", help: why, targets: []}];
  const compact = (violations) => violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.map((t) => [].concat(t).join(" ")).join(" >> ")),
  }));
  let queue = Promise.resolve();
  const check = (onLoad) => {
    if (document.contentType !== "text/html") return report([], onLoad);  // a JSON/CSV view
    if (!window.axe) return report(failed("axe.min.js did not load"), onLoad);
    queue = queue.then(() => axe.run(document, options)).then(
      (r) => report(compact(r.violations), onLoad),
      (e) => report(failed(String(e)), onLoad));
    return queue;
  };
  window.__portgateAxeCheck = () => check(false);
  window.addEventListener("load", () => check(true), {once: true});
})();
""".replace("__OPTIONS__", json.dumps(AXE_OPTIONS))


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    url: str

    def line(self) -> str:
        return (f"- {self.rule} ({self.impact}) on {self.url}: {self.help}\n"
                + "".join(f"    {target}\n" for target in self.targets))


@dataclass
class _Document:
    """A page's current document, as it announced itself."""

    id: str
    url: str
    checked: bool = False  # its check on `load` has reported


@dataclass
class AxeCollector:
    """The violations a test's pages reported, each (rule, targets, URL) once."""

    enabled: bool
    violations: list[Violation] = field(default_factory=list)
    contexts: list = field(default_factory=list)
    documents: dict = field(default_factory=dict)  # page -> its current _Document

    def record(self, url: str, found: list[dict]) -> None:
        for item in found:
            violation = Violation(item["id"], item.get("impact") or "?", item["help"],
                                  tuple(item["targets"]), url)
            if violation not in self.violations:
                self.violations.append(violation)

    def watch(self, context) -> None:
        """Check every document this context loads (call before any of its pages exists)."""
        if not self.enabled:
            return
        context.expose_binding("__portgateAxe", self._heard)
        context.add_init_script(path=str(AXE_JS))
        context.add_init_script(script=INIT_JS)
        context.route("**/*", self._hold_navigation_until_checked)
        self.contexts.append(context)

    def settle(self, context=None) -> None:
        """Wait until each loaded page of the context (all contexts if None) is checked."""
        for ctx in [context] if context is not None else list(self.contexts):
            for tab in ctx.pages:
                tab.wait_for_load_state()
                self._settle(tab)

    def release(self, context) -> None:
        """Settle a context about to close, and stop following it."""
        if context in self.contexts:  # a context not watched (scripts off) has nothing to settle
            self.settle(context)
            self.contexts.remove(context)

    def take(self) -> list[Violation]:
        """Settle, then return the violations so far and forget them."""
        self.settle()
        found, self.violations = self.violations, []
        return found

    def report(self) -> str:
        return (f"axe-core found {len(self.violations)} accessibility violation(s) "
                f"(docs/decisions.md, 'Accessibility checks in the browser tests'):\n"
                + "".join(v.line() for v in self.violations))

    def _heard(self, source, event: str, doc: str, url: str, found: list[dict],
               on_load: bool) -> None:
        page = source["page"]
        if event == "open":
            self.documents[page] = _Document(doc, url)
            return
        self.record(url, found)
        current = self.documents.get(page)
        if on_load and current is not None and current.id == doc:
            current.checked = True

    def _settle(self, page) -> None:
        """Wait until the page's current document has been checked on load; one not checked
        within SETTLE_LIMIT_S is reported as such (nothing passes unseen)."""
        unchecked = self._wait_checked(page, SETTLE_LIMIT_S)
        if unchecked is not None:
            self.record(unchecked.url, [{"id": "axe-unchecked", "impact": "critical",
                                         "help": f"not checked within {SETTLE_LIMIT_S} s",
                                         "targets": []}])

    def _wait_checked(self, page, limit: float) -> _Document | None:
        """Wait (letting Playwright deliver events meanwhile) until the page's current document
        has been checked on load; the document, given up on, if it was not within `limit`."""
        deadline = time.monotonic() + limit
        while not page.is_closed():
            document = self.documents.get(page)
            if document is None or document.checked:
                return None
            if time.monotonic() > deadline:
                document.checked = True
                return document
            page.wait_for_timeout(20)
        return None

    def _hold_navigation_until_checked(self, route, request) -> None:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            unchecked = self._wait_checked(request.frame.page, HOLD_LIMIT_S)
            if unchecked is not None:
                warnings.warn(f"axe: {unchecked.url} was left unchecked: its check on load had "
                              f"not reported after {HOLD_LIMIT_S} s", stacklevel=1)
        route.fallback()


def axe_check(page) -> None:
    """Check the page as it is now (a state scripts made without loading a document); the
    violations join the test's others and fail it at the end."""
    page.evaluate("() => window.__portgateAxeCheck && window.__portgateAxeCheck()")
