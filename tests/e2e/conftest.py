"""Browser tests: Debian's headless Chromium, driven by Playwright, against `orggraph dashboard`
started as a subprocess on a free localhost port with the demo district loaded into its own
ORGGRAPH_HOME.

No browser is ever downloaded: without /usr/bin/chromium these tests fail with the reason
(`make test` installs it); deselect them with -m "not e2e".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cli.procs import free_port, reap
from queries.membership import INCONSISTENCIES
from queries.pairing import PAIRING
from queries.paths import PATH

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ORGGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("ORGGRAPH_SCREENSHOTS", ROOT / "test-output" / "screenshots"))
SECRET = "e2e-secret-key-0123456789abcdef-0123456789"
IDLE = "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"


def _skip_or_fail(reason: str) -> None:
    # a missing browser fails, never skips: deselect these with -m "not e2e"
    pytest.fail(f'BROWSER TESTS NOT RUN: {reason} (make test installs chromium; or -m "not e2e")')


@dataclass
class Server:
    url: str
    home: Path
    tokens: dict[str, str]
    log: Path
    facts: dict[str, Any] = field(default_factory=dict)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "ORGGRAPH_"))}
    # Its own embedded store: the Neo4j suite wipes the shared server between tests.
    env.update(ORGGRAPH_HOME=str(home), ORGGRAPH_BACKEND="embedded", ORGGRAPH_SECRET_KEY=SECRET)
    return env


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "cli", *args], env=env, check=True, cwd=ROOT,
                   capture_output=True, timeout=300)  # fmt: skip


def _load(home: Path, env: dict[str, str]) -> None:
    import graph.loaders.demo

    workbook = home / "demo-district.xlsx"
    _cli(env, "demo", "--out", str(workbook))
    try:
        _cli(env, "load", str(workbook))
    except subprocess.CalledProcessError as exc:
        if exc.returncode != 1:  # 1 = some rows rejected, the rest loaded
            raise
    # the demo's synthetic town polygons, for the party-building map
    _cli(env, "boundaries", "import", str(graph.loaders.demo.boundaries_path(workbook)))


def _facts(home: Path) -> dict[str, Any]:
    """Names the tests type into the pages, taken from the loaded graph itself."""
    import queries
    from graph.store.embedded import EmbeddedStore

    store = EmbeddedStore(home)
    try:
        net = PAIRING(store, pairing_type="示范帮扶")
        hub = max(net.partners, key=lambda p: (p.count, p.source.key))
        inc = INCONSISTENCIES(store)
        member = inc.items[0].member
        gaps = queries.GAPS(store, limit=5)
        # A path worth drawing: from the member to some demonstration point, 3+ steps away.
        path_to = hub.partners[0]
        path_from = hub.source
        for p in sorted(net.partners, key=lambda x: x.source.key)[:40]:
            r = PATH(store, source=member.id, target=p.source.id, max_hops=6, k=1)
            if r.found and (r.length or 0) >= 3:
                path_from, path_to = member, p.source
                break
        joint = PAIRING(store, pairing_type="村企联建")
        village = next(n.node for n in joint.nodes if n.node.label == "Village" and n.id not in
                       {u.id for u in joint.unpaired_points})  # fmt: skip
        return {
            "village_key": village.key,
            "village_name": village.name,
            "hub_id": hub.source.id,
            "hub_name": hub.source.name,
            "hub_partners": [p.name for p in hub.partners],
            "member_name": member.name,
            "member_key": member.key,
            "path_from": path_from.key,
            "path_from_id": path_from.id,
            "path_to": path_to.key,
            "path_to_id": path_to.id,
            "gap_name": gaps.entries[0].org.name if gaps.entries else None,
            "towns": sorted(r.group for r in queries.COVERAGE(store, by="town").rows),
        }
    finally:
        store.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        _skip_or_fail(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)")
    home = tmp_path_factory.mktemp("e2e-home")
    env = _env(home)
    _load(home, env)

    from graph.settings import Settings
    from graph.tokens import TokenStore

    ts = TokenStore(Settings(home=home, secret_key=SECRET))
    facts = _facts(home)
    town = facts["towns"][0]
    tokens = {
        "admin": ts.create("admin", label="e2e")[0],
        "district": ts.create("district", label="e2e")[0],
        "town": ts.create("town", town=town, label="e2e")[0],
    }
    facts["town"] = town
    port = free_port()
    log = home / "dashboard.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "dashboard", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dashboard did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Server(url, home, tokens, log, facts)
    finally:
        proc.terminate()
        reap(proc, 15)


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A browser tab on the dashboard that refuses (and records) every request off localhost."""

    def __init__(self, browser: Any, server: Server) -> None:
        self.server = server
        self.ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        self.external: list[str] = []
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.server.url) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def login(self, role: str) -> None:
        p = self.page
        p.goto(self.server.url)
        p.get_by_label("访问令牌").fill(self.server.tokens[role])
        p.get_by_role("button", name="登录").click()
        p.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
        self.settle("总览")

    def settle(self, title: str | None = None, extra_ms: int = 600) -> None:
        """Wait for the page's heading (if given) and for the script run to finish."""
        p = self.page
        if title:
            p.wait_for_selector(f'[data-testid="stMarkdownContainer"] h2:has-text("{title}")', timeout=60_000)
        p.wait_for_timeout(250)
        p.wait_for_function(IDLE, timeout=60_000)
        p.wait_for_timeout(extra_ms)

    def open(self, nav: str) -> None:
        self.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=nav, exact=True).click()
        self.settle(nav)

    def enter(self, label: str, text: str) -> None:
        """Type ``text`` into the field labelled ``label``, submit it (Enter) and let the page run."""
        self.page.get_by_label(label).fill(text)
        self.page.keyboard.press("Enter")
        self.settle()

    def errors(self) -> list[str]:
        loc = self.page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        return [loc.nth(i).inner_text() for i in range(loc.count())]

    def shot(self, name: str) -> Path:
        """A screenshot of the whole page (the main area scrolls itself, so grow the window)."""
        p = self.page
        h = p.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 900")
        p.set_viewport_size({"width": 1440, "height": max(900, min(int(h) + 40, 6000))})
        p.wait_for_timeout(700)
        path = SCREENSHOTS / f"{name}.png"
        p.screenshot(path=str(path))
        p.set_viewport_size({"width": 1440, "height": 900})
        p.wait_for_timeout(300)
        return path

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def tab(browser: Any, server: Server) -> Iterator[Page]:
    t = Page(browser, server)
    yield t
    t.close()
    assert not t.external, f"the dashboard asked for assets off the intranet: {t.external[:5]}"
