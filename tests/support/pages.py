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
#: A list page, and the pattern of the detail pages its links lead to.
DETAIL_PAGES = (
    ("/orders", r"^/orders/\d+$"),
    ("/orders/settings", r"^/orders/settings/\d+$"),
    ("/inbox", r"^/inbox/\d+$"),
    ("/customers", r"^/customers/\d+$"),
    ("/products", r"^/products/(?!new\b)[^/?]+(\?connection=\d+)?$"),
    ("/orders/imports", r"^/orders/imports/\d+$"),
    ("/settings/webhooks", r"^/settings/webhooks/\d+$"),
)


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


def page_paths(page: Page, demo: Demo) -> list[str]:
    """Every page to visit: the fixed ones, then one detail page of each list."""
    found = list(FIXED_PAGES)
    for listing, pattern in DETAIL_PAGES:
        page.goto(f"{demo.url}{listing}")
        hrefs = page.eval_on_selector_all(
            "main a[href]", "links => links.map(link => link.getAttribute('href'))"
        )
        detail = next(
            (href for href in hrefs if re.match(pattern, href or "") and href not in found), None
        )
        if detail:
            found.append(detail)
    page.goto(f"{demo.url}/apps")
    apps = page.eval_on_selector_all(
        "main [hx-get]", "items => items.map(item => item.getAttribute('hx-get'))"
    )
    edit = next((href for href in apps if re.match(r"^/apps/\d+/edit$", href or "")), None)
    if edit:
        found.append(edit)
    return found


def open_page(page: Page, demo: Demo, path: str) -> None:
    """Open ``path``; a panel page (``/apps/1/edit``) opens through its list, as a person does."""
    if re.match(r"^/apps/\d+/edit$", path):
        page.goto(f"{demo.url}/apps")
        page.click(f"[hx-get='{path}']")
        page.wait_for_selector("#panel form")
        # The panel slides in (a fade of 0.18 s): read it once it has settled, not half-transparent.
        page.wait_for_function(
            "document.getAnimations().every(animation => animation.playState !== 'running')"
        )
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
