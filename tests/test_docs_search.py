"""The documentation site's search, in a real browser: Chinese words are found, English still is.

The site is built as `make docs` builds it, served from localhost (the search index is fetched by
a web worker, which a file: page cannot do) and searched by typing into the search box, as a
reader does. Every request to another host is blocked and reported.

Skips, saying which, where Chromium or the playwright package is absent; CI installs both
(Debian's chromium, PyPI's playwright, no browser download)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from browsers import CHROMIUM, FLAGS, chromium
from docsite import build_site, serving

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)

SEARCH_FLAGS = [
    *FLAGS,
    # No host but the test's own server can even be resolved.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site, served on a free port of 127.0.0.1; yields its root URL."""
    with serving(build_site(tmp_path_factory.mktemp("site"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(SEARCH_FLAGS) as launched:
        yield launched


class _Reader:
    """A page of the site in a fresh context that lets only requests to the site's server out."""

    def __init__(self, browser: Any, root: str, viewport: dict[str, int]) -> None:
        self.root = root
        self.problems: list[str] = []
        self.requested: list[str] = []  # every URL the page and its workers asked for
        self.context = browser.new_context(viewport=viewport, service_workers="block")
        self.context.route("**/*", self._only_the_site)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "console", lambda m: self.problems.append(m.text) if m.type == "error" else None
        )

    def _only_the_site(self, route: Any) -> None:
        url = route.request.url
        self.requested.append(url)
        if urlsplit(url).netloc == urlsplit(self.root).netloc or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"blocked: {url}")
            route.abort()

    def search(self, query: str, tap: bool = False) -> list[str]:
        """Open the home page, type *query* into the search box; return the result pages' paths
        (relative to the site's root, without the section anchor), best first. The box is
        opened by the site's keyboard shortcut, or with *tap* by its icon, as on a phone."""
        self.page.goto(self.root)
        self.page.wait_for_load_state("load")
        if tap:
            self.page.locator("label.md-header__button[for=__search]").click()
        else:
            self.page.keyboard.press("/")
        box = self.page.locator("input.md-search__input")
        box.wait_for(state="visible")
        box.press_sequentially(query)
        # Characters that no key types arrive with no keyup, which is what the search listens
        # to; with an input method a key commits the word. Here a key that changes nothing.
        box.press("End")
        # The worker answers asynchronously: wait for the count of this query's results, and
        # for the results themselves, which are drawn after the count.
        self.page.wait_for_function(
            """() => {
              const meta = document.querySelector(".md-search-result__meta").textContent;
              const items = document.querySelectorAll(".md-search-result__item").length;
              return /^No matching/.test(meta) || (/matching document/.test(meta) && items > 0);
            }"""
        )
        links = self.page.eval_on_selector_all(
            ".md-search-result__item > a.md-search-result__link", "as => as.map(a => a.href)"
        )
        return [link.removeprefix(self.root).split("#")[0] for link in links]

    def highlighted(self) -> set[str]:
        """The words the results highlight as matching the query."""
        marks = self.page.eval_on_selector_all(
            ".md-search-result mark", "marks => marks.map(m => m.textContent)"
        )
        return set(marks)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(browser: Any, served: str) -> Iterator[_Reader]:
    reading = _Reader(browser, served, {"width": 1280, "height": 800})
    try:
        yield reading
    finally:
        reading.close()


@pytest.mark.parametrize("word", ["反向传播", "链式法则", "学习率"])
def test_a_chinese_word_finds_the_chinese_tutorial(word: str, reader: _Reader) -> None:
    pages = reader.search(word)
    assert "zh/tutorial/" in pages, (word, pages)
    assert "tutorial/" not in pages  # the English tutorial has no Chinese: no false match
    assert word in reader.highlighted()  # the word matched whole, not a piece of it
    assert reader.problems == []


def test_a_chinese_word_matches_as_the_start_of_a_longer_one(reader: _Reader) -> None:
    assert "zh/tutorial/" in reader.search("反向")
    assert "反向传播" in reader.highlighted()
    assert reader.problems == []


def test_an_english_word_still_finds_its_page(reader: _Reader) -> None:
    pages = reader.search("topological")
    assert pages[0] == "explanations/topological-order/", pages
    assert "zh/tutorial/" not in pages
    assert "topological" in reader.highlighted()
    # The index is fetched by the search's web worker: the filter sees the workers' requests.
    assert f"{reader.root}search/search_index.json" in reader.requested
    assert reader.problems == []


def test_a_chinese_word_the_site_lacks_finds_nothing(reader: _Reader) -> None:
    # Not every page for any Han character: a word that is nowhere finds no page.
    assert reader.search("哈密瓜") == []
    assert reader.problems == []


def test_on_a_phone_the_search_icon_finds_a_chinese_word(browser: Any, served: str) -> None:
    phone = _Reader(browser, served, {"width": 390, "height": 844})
    try:
        assert "zh/tutorial/" in phone.search("反向传播", tap=True)
        assert phone.problems == []
    finally:
        phone.close()


@pytest.mark.parametrize("tutorial", ["tutorial/", "zh/tutorial/"])
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_a_tutorial_opens_at_its_top_with_its_player_below(
    tutorial: str, viewport: tuple[int, int], browser: Any, served: str
) -> None:
    """The tutorials embed the step-through player far down the page; loading it, or stepping
    it, must not scroll the tutorial to it."""
    reading = _Reader(browser, served, {"width": viewport[0], "height": viewport[1]})
    try:
        page = reading.page
        page.goto(served + tutorial)
        page.wait_for_load_state("load")
        (player,) = (f for f in page.frames if f.url.endswith("seed_backward_zh.html")
                     or f.url.endswith("seed_backward.html"))  # fmt: skip
        player.wait_for_selector("#counter")
        counter = player.text_content("#counter")
        assert page.evaluate("window.scrollY") == 0
        player.dispatch_event("#next", "click")  # as a click that scrolls nothing by itself
        assert player.text_content("#counter") != counter  # the player did step
        assert page.evaluate("window.scrollY") == 0
        assert reading.problems == []
    finally:
        reading.close()
