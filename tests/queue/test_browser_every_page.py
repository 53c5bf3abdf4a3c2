"""Any screen (issue 21): every page of the demo, in French and English, at 390 px wide has no
sideways scrolling, and axe-core finds no serious or critical accessibility problem on it. One
server, one login, one browser session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support.browser import ARTIFACTS, chromium
from tests.support.pages import (
    PUBLIC_PAGES,
    accessibility_problems,
    axe_source,
    demo_server,
    log_in,
    missing_pages,
    open_page,
    overflow,
    page_paths,
    set_language,
    shot_name,
    wait_for_data,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


def test_given_every_demo_page_at_390px_in_both_languages_then_no_overflow_and_axe_passes(
    tmp_path: Path,
) -> None:
    source = axe_source()
    problems: dict[str, object] = {}
    visited: list[str] = []

    def check(page: Page, language: str, path: str) -> None:
        wider = overflow(page)
        if wider:
            page.screenshot(
                path=str(ARTIFACTS / f"overflow-{shot_name(path, 390, language, 'light')}"),
                full_page=True,
            )
            problems[f"{language} {path} overflow"] = f"{wider}px wider than the window"
        found = accessibility_problems(page, source)
        if found:
            problems[f"{language} {path} axe"] = found

    with demo_server(tmp_path) as demo, chromium() as browser:
        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        for language in ("fr", "en"):  # before logging in
            set_language(context, demo, language)
            for path in PUBLIC_PAGES:
                page.goto(f"{demo.url}{path}")
                visited.append(f"{language} {path}")
                check(page, language, path)
        log_in(page, demo)
        wait_for_data(page, demo)
        paths = page_paths(page, demo)
        for language in ("fr", "en"):
            set_language(context, demo, language)
            for path in paths:
                open_page(page, demo, path)
                visited.append(f"{language} {path}")
                check(page, language, path)
        context.close()

    report = ARTIFACTS / "every-page-problems.json"
    report.write_text(json.dumps(problems, indent=2, ensure_ascii=False), encoding="utf-8")
    assert len(visited) >= 2 * 15, visited
    assert not missing_pages(paths), (missing_pages(paths), paths)
    assert not problems, problems
