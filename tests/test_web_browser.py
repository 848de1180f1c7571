"""The search page in a real browser: Debian's Chromium, driven headless by Playwright.

The app runs on uvicorn on a free loopback port (the ``serve_http`` fixture). Searches, the
situation and the practice pages use an index of ``corpus/`` built with the real default
encoder, so the results mean something; the injection and no-JavaScript tests use the fake
encoder over ``corpus/`` plus a practice carrying ``<script>`` markup (see tests/test_web.py).

Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it):
``playwright install`` is never run. Without Chromium or Playwright these tests are skipped,
unless ``RANSEARCH_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which makes them fail instead.

They also save the screenshots of the README: docs/img/web-desktop.png (1280 px wide),
docs/img/web-mobile.png (360 px) and docs/img/web-situation.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

pytest.importorskip("fastapi", reason='fastapi not installed (pip install "ransearch[server]")')
pytest.importorskip("jinja2", reason='jinja2 not installed (pip install "ransearch[server]")')

from test_web import IMG, INJECTED_ID, SCRIPT, SITUATION, injected_corpus  # noqa: E402

from ransearch import Engine, Filters  # noqa: E402
from ransearch.serving import ServingEngine  # noqa: E402
from ransearch.server import ServerConfig, create_app  # noqa: E402

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IMAGES = Path(__file__).resolve().parents[1] / "docs" / "img"
FRENCH = "soutien aux familles de combattants étrangers"
ENGLISH = "family support for returning foreign fighters"
TIMEOUT = 15_000  # ms, for one page to answer


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return 'playwright not installed (pip install "ransearch[test]")'
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("RANSEARCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RANSEARCH_REQUIRE_BROWSER=1 but {missing}", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def real(serve_real_index: Path, serve_http) -> tuple[str, ServingEngine]:  # type: ignore[no-untyped-def]
    """The app over the real encoder's index: (url, live engine)."""
    live = ServingEngine.open(serve_real_index, threads=1)
    live.warm_up()
    return serve_http(create_app(ServerConfig(), live)), live


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory, serve_fake_encoder, serve_http) -> str:  # type: ignore[no-untyped-def]
    """The app over the fake encoder's index of the corpus with markup in it: its url."""
    root = tmp_path_factory.mktemp("web_browser")
    Engine.index([injected_corpus(root / "corpus")], root / "index", encoder=serve_fake_encoder)
    live = ServingEngine.open(root / "index", encoder=serve_fake_encoder)
    return serve_http(create_app(ServerConfig(), live))


@pytest.fixture()
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield tab
    context.close()
    assert not errors, errors  # no script error, no alert


def card_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.locator("ol.cards h3").all_inner_texts()]


def search(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Your question or situation").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()


def test_search_in_french_and_english_filter_open_a_practice_and_a_similar_one(browser, page, real) -> None:  # type: ignore[no-untyped-def]
    url, live = real
    page.goto(url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"

    # French, sent with Enter (a short question)
    page.get_by_label("Your question or situation").fill(FRENCH)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == [FRENCH]
    expected = [h.title for h in live.engine.ask(FRENCH, k=10).results]
    assert card_titles(page) == expected and "Sarpsborg" in expected[0]
    assert page.locator("ol.cards mark").count() > 0
    assert page.locator("ol.cards meter").count() == len(expected)
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / "web-desktop.png"), full_page=True)
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-GB")
    small = phone.new_page()
    small.goto(page.url)
    assert small.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    assert small.locator("ol.cards h3").count() == len(expected)
    small.screenshot(path=str(IMAGES / "web-mobile.png"), full_page=True,
                     clip={"x": 0, "y": 0, "width": 360, "height": 1400})
    phone.close()

    # English, the same practices found across languages
    search(page, ENGLISH)
    expected = [h.title for h in live.engine.ask(ENGLISH, k=10).results]
    assert card_titles(page) == expected and "Sarpsborg" in expected[0]

    # a filter applies without a reload, and the URL keeps it
    page.evaluate("window.__still_here = 1")
    with page.expect_response(lambda r: "country=BE" in r.url):
        page.get_by_label(re.compile(r"^Belgium")).check()
    page.wait_for_function("location.search.includes('country=BE')")
    page.locator(".chip", has_text="Country: Belgium").wait_for()
    assert page.evaluate("window.__still_here") == 1
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == [ENGLISH] and query["country"] == ["BE"]
    filtered = [h.title for h in live.engine.ask(ENGLISH, k=10, filters=Filters(country="BE")).results]
    assert card_titles(page) == filtered and not any("Sarpsborg" in t for t in filtered)
    page.reload()  # the URL alone gives the same list: it can be shared
    assert card_titles(page) == filtered and page.get_by_label(re.compile(r"^Belgium")).is_checked()

    # a practice, then a practice like it
    first = live.engine.ask(ENGLISH, k=10, filters=Filters(country="BE")).results[0]
    with page.expect_navigation():
        page.locator("ol.cards h3 a").first.click()
    assert page.url.endswith(f"/practice/{first.practice_id}")
    assert page.locator("h1").inner_text() == first.title
    assert page.locator(".psection h2").count() >= 5
    page.get_by_role("heading", name="Similar practices").wait_for()
    alike = live.engine.similar(first.practice_id, k=5).results
    with page.expect_navigation():
        page.locator("#similar h3 a").first.click()
    assert page.url.endswith(f"/practice/{alike[0].practice_id}")
    assert page.locator("h1").inner_text() == alike[0].title != first.title


def test_describe_a_situation_and_see_needs_and_covering_practices(browser, page, real) -> None:  # type: ignore[no-untyped-def]
    url, live = real
    page.goto(url + "/")
    page.get_by_label("Describe a situation").check()
    box = page.get_by_label("Your question or situation")
    box.fill(SITUATION)
    assert box.bounding_box()["height"] > 100  # a text area for a few sentences
    box.press("Enter")  # a new line in a situation, not a search
    assert "kind=situation" not in page.url
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    result = live.engine.match(SITUATION, k=10)
    page.get_by_role("heading", name="Needs found in your situation").wait_for()
    needs = page.locator("ol.needs li").all_inner_texts()
    assert len(needs) == len(result.needs) >= 2
    for shown, need in zip(needs, result.needs):
        assert need.text in shown
    assert card_titles(page) == [r.title for r in result.results]
    assert page.locator("ol.cards .need-ref").count() == sum(len(r.covers) for r in result.results) > 0
    if result.uncovered:
        notice = page.locator(".notice.warn").inner_text()
        assert "Not covered by any practice" in notice
        for need in result.needs:
            assert (need.text in notice) == (need.id in result.uncovered)
    page.screenshot(path=str(IMAGES / "web-situation.png"), full_page=True)


def test_markup_in_a_practice_shows_as_text_and_never_runs(browser, injected: str) -> None:  # type: ignore[no-untyped-def]
    # the page's Content-Security-Policy would stop inline scripts anyway: bypass it, so that
    # this test is about escaping alone
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def assert_inert() -> None:
        assert tab.evaluate("typeof window.__pwned") == "undefined"
        assert tab.locator("img").count() == 0
        assert tab.locator("script").count() == 1  # app.js
        assert not dialogs

    tab.goto(injected + "/?q=Anvers+miroirs+coop%C3%A9ration")
    card = tab.locator("ol.cards h3", has_text=SCRIPT)
    assert card.count() == 1 and IMG in card.inner_text()
    assert_inert()
    with tab.expect_navigation():
        card.locator("a").click()
    assert tab.url.endswith(f"/practice/{INJECTED_ID}")
    assert SCRIPT in tab.locator("h1").inner_text()
    assert SCRIPT in tab.locator("#section-description").inner_text()
    assert IMG in tab.locator("#contacts").inner_text()
    assert_inert()
    tab.goto(injected + "/?q=" + quote(f"{SCRIPT}</textarea>{IMG}"))
    assert tab.get_by_label("Your question or situation").input_value() == f"{SCRIPT}</textarea>{IMG}"
    assert_inert()
    context.close()


def test_the_basic_search_works_without_javascript(browser, injected: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    tab.goto(injected + "/")
    tab.get_by_label("Your question or situation").fill(FRENCH)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Search", exact=True).click()
    assert tab.locator("ol.cards h3").count() >= 3
    tab.locator("details.facet[data-facet=country] summary").click()
    tab.get_by_label(re.compile(r"^Norway")).check()
    with tab.expect_navigation():
        tab.get_by_role("button", name="Apply filters").click()
    query = parse_qs(urlsplit(tab.url).query)
    assert query["q"] == [FRENCH] and query["country"] == ["NO"]
    titles = tab.locator("ol.cards h3").all_inner_texts()
    assert titles and all("Sarpsborg" in t for t in titles)
    context.close()
