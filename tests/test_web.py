"""The search page (ransearch.server.web) through FastAPI's TestClient: no browser, no model.

The index is ``corpus/`` plus one practice whose title, description, organisation and contacts
carry ``<script>`` and ``<img onerror>`` markup, built with the fake encoder (see conftest).
tests/test_web_browser.py drives the same pages in Chromium.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason='fastapi not installed (pip install "ransearch[server]")')
pytest.importorskip("jinja2", reason='jinja2 not installed (pip install "ransearch[server]")')
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from ransearch import Engine, Filters  # noqa: E402
from ransearch.serving import ServingEngine  # noqa: E402
from ransearch.server import ServerConfig, create_app  # noqa: E402
from ransearch.server.highlight import highlight, linkify  # noqa: E402
from ransearch.server.web import SearchForm  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"  # the 3 seeds (corpus/ is the demo)
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
INJECTED_ID = "xss_practice"
QUERY = "soutien aux familles de combattants étrangers"
LOCAL = "http://localhost"  # the Host check (docs/security.md) refuses TestClient's default "testserver"
SITUATION = ("Des jeunes reviennent de Syrie. Leurs familles sont isolées et ont besoin de soutien. "
             "Les écoles ne savent pas comment réagir. Nous avons besoin d'un programme en ligne pour les jeux vidéo.")
_TITLE = ("Favoriser la coopération entre les autorités locales et les établissements scolaires "
          "à l'aide de la technique des miroirs")


def injected_corpus(folder: Path) -> Path:
    """``corpus/`` plus ``xss_practice.txt``: a copy of one practice with markup in four fields.

    The document escapes the markup (``&lt;script&gt;``), as a document that talks about HTML
    would; the parser decodes it, so the practice's text holds the raw ``<script>`` tags.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    text = (CORPUS / "000_e99056891810f22c.txt").read_text("utf-8")
    payload = f" {html.escape(SCRIPT)} {html.escape(IMG)} "
    for anchor in (f"## {_TITLE}", "La ville d'Anvers a investi", "Services municipaux en coopération",
                   "Francis Wellesplein 1"):
        assert anchor in text, anchor
        text = text.replace(anchor, anchor + payload, 1)
    (folder / f"{INJECTED_ID}.txt").write_text(text, "utf-8")
    return folder


@pytest.fixture(scope="module")
def web_live(tmp_path_factory: pytest.TempPathFactory, serve_fake_encoder) -> ServingEngine:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("web")
    Engine.index([injected_corpus(root / "corpus")], root / "index", encoder=serve_fake_encoder)
    live = ServingEngine.open(root / "index", encoder=serve_fake_encoder)
    live.warm_up()
    return live


@pytest.fixture(scope="module")
def client(web_live: ServingEngine) -> TestClient:
    return TestClient(create_app(ServerConfig(), web_live), base_url=LOCAL)


def titles(page: str) -> list[str]:
    """Titles of the result cards, as text."""
    found = re.findall(r'<h3 id="t-\d+"><a href="[^"]*">(.*?)</a></h3>', page, re.DOTALL)
    return [html.unescape(re.sub(r"</?mark>", "", t)) for t in found]


def test_the_page_is_a_plain_get_form_with_labelled_controls(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert '<form id="search" class="search" method="get" action="/"' in page  # works without JavaScript
    assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
    assert page.count("<h1") == 1
    ids = set(re.findall(r'<(?:input|textarea|select)\b[^>]*\bid="([^"]+)"', page))
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert ids and ids <= labelled, ids - labelled  # every control has a label
    assert 'name="country" value="BE"' in page  # facet filters with counts, from Engine.facets
    # 2: the injected practice is a near-copy of 000, so the index keeps one of the two (a duplicate group)
    assert re.search(r'>\s*Belgium\s*<span class="count" aria-label="2 practices">2</span>', page)


def test_a_question_lists_the_practices_of_engine_ask(client: TestClient, web_live: ServingEngine) -> None:
    page = client.get("/", params={"q": QUERY}).text
    expected = web_live.engine.ask(QUERY, k=10)
    assert titles(page) == [h.title for h in expected.results]
    assert "<mark>soutien</mark>" in page.lower() or "<mark>Soutien</mark>" in page
    assert "<mark>aux</mark>" not in page  # stopwords are not marked
    assert '<meter min="0" max="1"' in page and 'aria-label="Relevance: ' in page
    for hit in expected.results:
        for section in hit.sections:
            assert f"#section-{section.section}" in page


def test_filters_are_in_the_url_and_narrow_the_results(client: TestClient, web_live: ServingEngine) -> None:
    page = client.get("/", params={"q": QUERY, "country": "NO"}).text
    assert titles(page) == [h.title for h in web_live.engine.ask(QUERY, k=10, filters=Filters(country="NO")).results]
    assert all("Sarpsborg" in t for t in titles(page))
    assert re.search(r'name="country" value="NO" checked', page)
    assert "Country: Norway" in page  # a chip that removes the filter
    form = SearchForm(q=QUERY, filters={"country": ("NO",), "theme": ("Family support",)})
    assert form.url() == "/?q=soutien+aux+familles+de+combattants+%C3%A9trangers&country=NO&theme=Family+support"
    assert form.without("country", "NO") == "/?q=soutien+aux+familles+de+combattants+%C3%A9trangers&theme=Family+support"


def test_filters_alone_browse_the_practices(client: TestClient, web_live: ServingEngine) -> None:
    page = client.get("/?country=BE&country=NO&language=fr").text
    expected = [p.title for p in web_live.engine.practices() if p.country_code in ("BE", "NO")]
    assert sorted(titles(page)) == sorted(expected)
    assert f"{len(expected)} practices match the filters" in page


def test_a_situation_shows_needs_covers_and_uncovered_needs(client: TestClient, web_live: ServingEngine) -> None:
    page = client.get("/", params={"q": SITUATION, "kind": "situation"}).text
    result = web_live.engine.match(SITUATION, k=10)
    assert "Needs found in your situation" in page
    for n in result.needs:
        assert n.text in html.unescape(page)
    assert titles(page) == [r.title for r in result.results]
    for r in result.results:
        for cover in r.covers:
            assert f'href="#need-{cover.need}"' in page
    if result.uncovered:
        assert "Not covered by any practice" in page
    else:
        assert "Every need found is covered" in page
    assert page.count('class="badge badge-warn">not covered') == len(result.uncovered)


def test_the_practice_page_shows_sections_facets_contacts_and_similar(client: TestClient,
                                                                      web_live: ServingEngine) -> None:
    practice = web_live.engine.practice("004_c92d1ef0c5228cd4")
    page = client.get(f"/practice/{practice.id}").text
    assert f'<h1 id="practice-title" lang="fr">{html.escape(practice.title)}</h1>' in page
    assert "Faits et évaluation" in page and "Description" in page  # labels in the practice's language
    positions = [page.index(f'id="section-{key}"') for key in ("description", "start", "evaluation", "organisation")]
    assert positions == sorted(positions)  # template order
    assert 'href="mailto:tsfa@sarpsborg.com"' in page  # contacts shown by default
    assert "Norway" in page and "Family support" in page
    for hit in web_live.engine.similar(practice.id, k=5).results:
        assert f'href="/practice/{hit.practice_id}"' in page
    german = client.get(f"/practice/{practice.id}", params={"lang": "de"}).text
    assert "Nachweise und Evaluierung" in german


def test_contacts_are_left_out_when_the_server_hides_them(web_live: ServingEngine) -> None:
    hidden = TestClient(create_app(ServerConfig(contacts=False), web_live), base_url=LOCAL)
    page = hidden.get("/practice/004_c92d1ef0c5228cd4").text
    assert "sarpsborg.com" not in page and "0047" not in page


@pytest.mark.parametrize("url, status, words", [
    ("/practice/no-such-practice", 404, "No such practice"),
    ("/?q=x&country=Narnia", 400, "unknown country"),
    ("/?k=many", 400, "k must be a number"),
    ("/?k=0", 400, "k must be a number"),
    ("/?kind=poem&q=x", 400, "unknown kind"),
    ("/?q=x&lang=french", 400, "unknown label language"),
    ("/?q=" + "x" * 5001, 400, "query too long"),
    ("/?q=x&" + "&".join(["country=BE"] * 21), 400, "too many or too long"),
])
def test_errors_are_friendly_html_pages(client: TestClient, url: str, status: int, words: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in html.unescape(response.text)
    assert "Traceback" not in response.text and 'role="alert"' in response.text


def test_document_text_is_escaped_never_markup(client: TestClient, web_live: ServingEngine) -> None:
    practice = web_live.engine.practice(INJECTED_ID)
    assert SCRIPT in practice.title and SCRIPT in practice.sections["description"] and SCRIPT in practice.contacts
    for url in ("/?q=Anvers+miroirs+coop%C3%A9ration", f"/practice/{INJECTED_ID}", "/?country=BE"):
        page = client.get(url).text
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page, url
        assert "<script>window" not in page and "<img" not in page and "onerror=\"" not in page, url
        assert page.count("<script") == 1  # app.js, nothing else
    reflected = client.get("/", params={"q": SCRIPT + " </textarea>" + IMG}).text
    assert "<script>window" not in reflected and "</textarea><img" not in reflected
    assert "&lt;/textarea&gt;&lt;img" in reflected


def test_highlight_escapes_first_and_marks_words_accents_ignored() -> None:
    out = highlight("<b>Soutien</b> aux familles & écoles", "soutien famille ecoles", "fr")
    assert str(out) == "&lt;b&gt;<mark>Soutien</mark>&lt;/b&gt; aux <mark>familles</mark> &amp; <mark>écoles</mark>"
    assert str(highlight("<i>x</i>", "", "fr")) == "&lt;i&gt;x&lt;/i&gt;"
    assert str(highlight("a <script>alert(1)</script>", "script", "en")) == \
        "a &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;"


def test_linkify_links_only_web_and_mail_addresses() -> None:
    out = str(linkify('Mail a@b.org, see https://x.org/p?a=1&b=2. javascript:alert(1) "<q>"'))
    assert '<a href="mailto:a@b.org" rel="noopener noreferrer nofollow">a@b.org</a>' in out
    assert '<a href="https://x.org/p?a=1&amp;b=2" rel="noopener noreferrer nofollow">' in out
    assert "javascript:alert(1) &#34;&lt;q&gt;&#34;" in out and out.count("<a ") == 2


def test_static_files_come_from_the_package_and_nothing_from_elsewhere(client: TestClient) -> None:
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    assert "javascript" in client.get("/static/app.js").headers["content-type"]
    for url in ("/", f"/?q={QUERY}", "/practice/004_c92d1ef0c5228cd4"):
        page = client.get(url).text
        for ref in re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]*)"', page):
            assert ref.startswith(("/static/", "data:")), ref
    package = Path(__file__).resolve().parents[1] / "src" / "ransearch" / "server"
    for path in [*(package / "static").iterdir(), *(package / "templates").iterdir()]:
        text = path.read_text("utf-8")
        assert "http://" not in text and "https://" not in text, path  # no asset from another host
        assert path.suffix != ".css" or not re.search(r"url\(|@import", text), path


def test_the_json_api_is_unchanged_and_pages_stay_out_of_the_schema(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert paths == {"/ask", "/match", "/practices", "/practices/{practice_id}", "/practices/{practice_id}/similar",
                     "/facets", "/health"}
    assert client.get("/nowhere").json() == {"error": "NotFound", "detail": "Not Found"}


def test_the_token_guards_the_page_too(web_live: ServingEngine) -> None:
    guarded = TestClient(create_app(ServerConfig(token="t0ken"), web_live), base_url=LOCAL)
    assert guarded.get("/").status_code == 401
    assert guarded.get("/static/style.css").status_code == 401
    assert guarded.get("/", headers={"Authorization": "Bearer t0ken"}).status_code == 200


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_command_line_never_loads_the_page() -> None:
    loaded = _modules_after("import ransearch.cli; from ransearch.cli import _register; _register(); "
                            "import ransearch.server, ransearch.engine")
    for heavy in ("jinja2", "markupsafe", "fastapi", "starlette", "ransearch.server.web", "ransearch.server.app"):
        assert heavy not in loaded, heavy


@pytest.mark.slow
def test_ransearch_ask_never_loads_the_page(serve_real_index: Path) -> None:
    code = ("import sys; from ransearch.cli import main; sys.argv = ['ransearch', 'ask', 'soutien', '--index', "
            f"{str(serve_real_index)!r}]\ntry:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print([m for m in ('jinja2', 'fastapi', 'ransearch.server.web') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
