"""A 500-LSR CSV batch in the browser (issue 15 "Done when"): upload, preview, send, a progress
bar that moves without a reload while the worker runs, then the results and their CSV.
With PORTGATE_SCREENSHOTS=1 it saves docs/screenshots/batch-*.png."""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

from playwright.sync_api import expect

from gateway.platform.worker import Worker
from tests.batch_helpers import csv_file, park_accounts
from tests.browser.a11y import axe_check
from tests.browser.conftest import follow, login

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
N = 500


def poll(read, seconds: float):
    """Wait (without evaluating strings in the page: its CSP forbids eval) until read() is
    truthy; return its value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def test_500_lsr_csv_batch_uploads_previews_progresses_and_shows_results(live, page, tmp_path):
    live.load_examples()
    live.actors.partner()
    live.actors.user("heron")
    park = park_accounts(live.cli, tmp_path, N)
    path = tmp_path / "park-500.csv"
    path.write_bytes(csv_file([{"pon": f"PARK{i:03d}", "an": an, "tn": tn}
                               for i, (an, tn) in enumerate(park)]))
    shots = DOCS if os.environ.get("PORTGATE_SCREENSHOTS") else tmp_path

    login(page, "heron")
    follow(page, page.get_by_role("link", name="Batches"))
    with page.expect_download() as template:
        page.get_by_role("link", name="Download the template CSV").click()
    assert template.value.suggested_filename == "lsr-batch-template.csv"
    page.get_by_label("CSV file of LSRs").set_input_files(str(path))
    follow(page, page.get_by_role("button", name="Preview the rows"))
    expect(page.get_by_text(f"{N} LSRs with {N} TNs")).to_be_visible()
    expect(page.locator("#preview tbody tr")).to_have_count(N)
    page.screenshot(path=str(shots / "batch-preview.png"))
    page.get_by_role("button", name=f"Send {N} LSRs").click()
    page.wait_for_url("**/portal/batches/*")
    expect(page.locator("#batch-progress")).to_have_attribute("value", "0")
    page.evaluate("window.__sameDocument = true")

    stop = threading.Event()
    worker = threading.Thread(target=Worker(live.app).loop, args=(stop,),
                              kwargs={"interval": 0.2})
    worker.start()
    try:
        def value() -> int:
            return int(float(page.locator("#batch-progress").get_attribute("value") or 0))

        # far enough for the screenshot to show the bar and the first rows of results
        poll(lambda: value() >= 60 and page.locator("#batch-results tbody tr").count(), 120)
        partway = value()
        axe_check(page)  # the bar and the rows so far, drawn by the script
        page.screenshot(path=str(shots / "batch-progress.png"))
        expect(page.locator("#batch-status")).to_have_attribute("data-status", "done",
                                                                timeout=300_000)
    finally:
        stop.set()
        worker.join(60)
    assert 0 < partway <= N
    assert page.evaluate("window.__sameDocument") is True  # progress came without a reload
    expect(page.locator("#batch-done")).to_have_text(str(N))
    expect(page.locator("#batch-results tbody tr")).to_have_count(N)
    expect(page.locator("#batch-results .badge.created")).to_have_count(N)
    expect(page.locator("#batch-results tbody tr").first).to_have_text(
        re.compile(r"^1\tPARK000"), use_inner_text=True)
    axe_check(page)  # the results the script swapped in
    page.screenshot(path=str(shots / "batch-results.png"))
    with page.expect_download() as results:
        page.get_by_role("link", name="Download results CSV").click()
    lines = Path(results.value.path()).read_text().splitlines()
    assert len(lines) == N + 1 and lines[1].startswith("PARK000,created,")
