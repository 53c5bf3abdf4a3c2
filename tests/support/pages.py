"""Every page of a running demo, as a browser sees it: the walk shared by the every-page browser
test (width at 390 px, axe-core) and ``make screenshots``.

``demo_server`` starts ``cdlink demo`` (the sandbox shop, its orders, products, stock and
discussions) in a temporary directory and reads the printed login; ``page_paths`` finds every
page, the detail pages through the first link of their list; ``overflow`` and
``accessibility_problems`` measure one loaded page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

from tests.support.browser import clean_environment, free_port, running

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGE_COOKIE = "cdlink_language"

#: The pages with a fixed address, in menu order.
FIXED_PAGES = (
    "/",
    "/orders",
    "/orders/imports",
    "/orders/settings",
    "/notifications",
    "/customers",
    "/inbox",
    "/products",
    "/products/new",
    "/catalog/mappings",
    "/catalog/settings",
    "/stock",
    "/prices",
    "/promotions",
    "/finance",
    "/finance/differences",
    "/invoices",
    "/performance",
    "/apps",
    "/queue",
    "/sync-log",
    "/settings",
    "/settings/webhooks",
)
PRODUCT_PAGE = r"^/products/(?!new\b)[^/?]+(\?connection=\d+)?$"
#: A page, and the pattern of the detail pages its links lead to (``/orders/settings`` itself
#: redirects to the first account's settings: the Apps list links each account's).
DETAIL_PAGES = (
    ("/orders", r"^/orders/\d+$"),
    ("/apps", r"^/orders/settings/\d+$"),
    ("/inbox", r"^/inbox/\d+$"),
    ("/customers", r"^/customers/\d+$"),
    ("/products", PRODUCT_PAGE),
    ("/orders/imports", r"^/orders/imports/\d+$"),
    ("/finance", r"^/finance/payouts/\d+$"),
    ("/settings/webhooks", r"^/settings/webhooks/\d+$"),
)
#: A detail page found above, and the pattern of the page its links lead to.
SECOND_PAGES = ((PRODUCT_PAGE, r"^/products/[^/?]+/edit(\?connection=\d+)?$"),)
#: The Apps panels: opened from the Apps list as a person does (or, for those not linked
#: from it, at their own address, which renders the list with the panel open).
APP_PANEL = re.compile(r"^/apps/(catalogue|new|\d+/(edit|delete|result))$")
#: The pages seen before logging in.
PUBLIC_PAGES = ("/login",)


@dataclass
class Demo:
    url: str
    login: str
    password: str
    log_file: Path


@contextmanager
def demo_server(tmp_path: Path) -> Iterator[Demo]:
    """``cdlink demo`` on a free port, in ``tmp_path``; yields its URL and printed login."""
    port = free_port()
    log_file = tmp_path / "demo.out"
    env = clean_environment(PYTHONUNBUFFERED="1", CDLINK_DATA_DIR=str(tmp_path / "data"))
    command = [sys.executable, "-m", "cdlink", "demo", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with running(command, env, log_file, f"{url}/healthz"):
        printed = log_file.read_text()
        login = re.search(r"login: +(\S+)", printed)
        password = re.search(r"password: +(\S+)", printed)
        assert login, printed
        assert password, printed
        yield Demo(url, login.group(1), password.group(1), log_file)


def axe_source() -> str:
    """axe-core's script, installed into ``.tools/axe`` by ``scripts/install-axe.sh`` (test
    tooling: the product never serves it)."""
    if not AXE.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "install-axe.sh")], check=True)
    return AXE.read_text(encoding="utf-8")


def log_in(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/login")
    page.fill("input[name=email]", demo.login)
    page.fill("input[name=password]", demo.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def set_language(context: BrowserContext, demo: Demo, language: str) -> None:
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": demo.url}])


def wait_for_data(page: Page, demo: Demo, seconds: float = 90) -> None:
    """Until the demo shop's orders are imported (the embedded runtime works meanwhile)."""
    page.goto(f"{demo.url}/orders")
    deadline = seconds * 1000
    waited = 0
    while 'data-testid="orders"' not in page.content():
        if waited > deadline:
            raise AssertionError("no order appeared on the demo's Orders page")
        page.wait_for_timeout(500)
        waited += 500
        page.reload()


def _first_link(
    page: Page, demo: Demo, listing: str, pattern: str, found: list[str], *, seconds: float = 60
) -> None:
    """Add the first link of ``listing`` matching ``pattern``; waits (reloading) while the demo
    has none yet: its discussions and payouts arrive a little after its orders."""
    waited = 0.0
    while True:
        page.goto(f"{demo.url}{listing}")
        hrefs = page.eval_on_selector_all(
            "main a[href]", "links => links.map(link => link.getAttribute('href'))"
        )
        detail = next(
            (href for href in hrefs if re.match(pattern, href or "") and href not in found), None
        )
        if detail:
            found.append(detail)
            return
        if waited >= seconds:
            return  # ``missing_pages`` names it
        page.wait_for_timeout(1000)
        waited += 1


def start_an_import(page: Page, demo: Demo) -> None:
    """Start an import of past orders from the wizard (its suggested days), unless one exists:
    the demo starts none, and the import's own page is one to visit."""
    page.goto(f"{demo.url}/orders/imports")
    if page.locator("[data-testid=imports]").count() == 0:
        page.click("[data-testid=start-import]")
        page.wait_for_load_state()


def page_paths(page: Page, demo: Demo) -> list[str]:
    """Every page to visit: the fixed ones, one detail page of each list, the page one level
    further (a product's edit form), and the Apps panels."""
    found = list(FIXED_PAGES)
    start_an_import(page, demo)
    for listing, pattern in DETAIL_PAGES:
        _first_link(page, demo, listing, pattern, found)
    for parent, pattern in SECOND_PAGES:
        detail = next((path for path in found if re.match(parent, path)), None)
        if detail:
            _first_link(page, demo, detail, pattern, found)
    page.goto(f"{demo.url}/apps")
    linked = page.eval_on_selector_all(
        "main [hx-get]", "items => items.map(item => item.getAttribute('hx-get'))"
    )
    panels = [href for href in linked if APP_PANEL.match(href or "")]
    account = next((href for href in panels if re.match(r"^/apps/\d+/", href)), None)
    if account:
        panels.append(account.rsplit("/", 1)[0] + "/result")  # the last test's banner
    panels.append("/apps/new")  # the form an app of the catalogue opens
    for panel in panels:
        if panel not in found:
            found.append(panel)
    return found


def missing_pages(paths: list[str]) -> list[str]:
    """The detail pages and panels the walk was meant to reach and did not find."""
    wanted = [pattern for _, pattern in DETAIL_PAGES] + [pattern for _, pattern in SECOND_PAGES]
    wanted += [r"^/apps/\d+/edit$", r"^/apps/\d+/delete$", r"^/apps/\d+/result$"]
    return [pattern for pattern in wanted if not any(re.match(pattern, p) for p in paths)]


def open_page(page: Page, demo: Demo, path: str) -> None:
    """Open ``path``; an Apps panel opens through its list, as a person does (at its own
    address when the list has no link to it)."""
    if APP_PANEL.match(path):
        page.goto(f"{demo.url}/apps")
        link = page.locator(f"main [hx-get='{path}']")
        if link.count():
            link.first.click()
        else:
            page.goto(f"{demo.url}{path}")
        page.wait_for_selector("#panel > *")
        # The panel slides in (a fade of 0.18 s): read it once it has settled, not half-transparent.
        # (A promise awaited by evaluate, not wait_for_function: that one polls through eval,
        # which cdlink's Content-Security-Policy refuses where it is not bypassed.)
        page.evaluate("Promise.all(document.getAnimations().map(animation => animation.finished))")
        return
    response = page.goto(f"{demo.url}{path}")
    assert response is not None
    assert response.status < 400, f"{path} answered {response.status}"


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    return max(0, int(width) - int(viewport))


def accessibility_problems(page: Page, source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the loaded page."""
    page.add_script_tag(content=source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:3]],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def shot_name(path: str, width: int, language: str, scheme: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "dashboard"
    return f"{slug}-{width}-{language}-{scheme}.png"
