"""The insight report in headless Chromium: its inline SVG charts render, nothing is fetched, a screenshot is kept.

The report is written from generated traffic (a week on three channels) with
the real sentence encoder, then opened as a local file, as staff would open it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from insights.report import write_report
from insights.synthetic import generated_traffic, write_store
from tests.browser.conftest import ARTIFACTS

SCREENSHOT = ARTIFACTS / "insight-report.png"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory, knowledge) -> Path:
    work = tmp_path_factory.mktemp("insights")
    write_store(work / "trackers.db", generated_traffic(knowledge, target_events=6000, days=7))
    return write_report(f"sqlite:///{work / 'trackers.db'}", work, knowledge).html


def test_report_charts_render_and_nothing_is_fetched(page: Page, events, report_file: Path) -> None:
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(report_file.as_uri())
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50
        # Drawn, not just present: the bars have a size the browser laid out.
        sizes = chart.locator("rect.bar").evaluate_all("bars => bars.map(b => b.getBBox().width * b.getBBox().height)")
        assert sizes and all(size > 0 for size in sizes)
    assert page.get_by_role("heading", name="Questions the assistant could not answer").is_visible()
    assert page.locator("#unanswered + p + table tbody tr").count() > 5
    assert page.locator("script").count() == 0
    assert events.requests == [report_file.as_uri()]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
