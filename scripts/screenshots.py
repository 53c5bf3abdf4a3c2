"""``make screenshots``: every page of a fresh demo at 1366 and 390 px wide, in French and
English, light and dark, into ``test-artifacts/screenshots/`` (one server, one login).

Run from the repository's root: ``PYTHONPATH=. .venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.support.browser import ARTIFACTS, chromium
from tests.support.pages import (
    PUBLIC_PAGES,
    demo_server,
    log_in,
    open_page,
    overflow,
    page_paths,
    set_language,
    shot_name,
    wait_for_data,
)

WIDTHS = {1366: 900, 390: 844}
LANGUAGES = ("fr", "en")
SCHEMES = ("light", "dark")


def main() -> int:
    target = ARTIFACTS / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    wide: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(Path(tmp)) as demo,
        chromium() as browser,
    ):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        for width, height in WIDTHS.items():  # the pages seen before logging in
            page.set_viewport_size({"width": width, "height": height})
            for language in LANGUAGES:
                set_language(context, demo, language)
                for scheme in SCHEMES:
                    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
                    for path in PUBLIC_PAGES:
                        page.goto(f"{demo.url}{path}")
                        if overflow(page):
                            wide.append(f"{path} {width} {language} {scheme}")
                        name = shot_name(path, width, language, scheme)
                        page.screenshot(path=str(target / name), full_page=True)
                        written += 1
        log_in(page, demo)
        wait_for_data(page, demo)
        paths = page_paths(page, demo)
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            for language in LANGUAGES:
                set_language(context, demo, language)
                for scheme in SCHEMES:
                    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
                    for path in paths:
                        open_page(page, demo, path)
                        if overflow(page):
                            wide.append(f"{path} {width} {language} {scheme}")
                        name = shot_name(path, width, language, scheme)
                        page.screenshot(path=str(target / name), full_page=True)
                        written += 1
        context.close()
    sys.stdout.write(f"{written} screenshots of {len(paths)} pages in {target}\n")
    for item in wide:
        sys.stderr.write(f"wider than the window: {item}\n")
    return 1 if wide else 0


if __name__ == "__main__":
    raise SystemExit(main())
