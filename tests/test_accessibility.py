"""Accessibility in a real headless Chromium: axe-core's WCAG 2.1 A and AA rules on every kind of page in three
languages, no sideways scrolling on a 390 px phone (Reflow, 1.4.10), and a learner's whole path done with the
keyboard alone (Keyboard, 2.1.1; No keyboard trap, 2.1.2).

One test per language walks every page, so the data is built once per language and one failure lists every page's
problems (with -x, a test per page would hide all pages after the first bad one)."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from grader.models import Cohort, Submission
from grader.people.cohorts import enrol
from grader.people.comments import add_comment
from tests.browsing import new_context
from tests.factories import PASSWORD, make_cohort, make_user, record_submission, sessions

pytestmark = pytest.mark.integration

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
AXE = AXE_DIR / "axe.min.js"
"""axe-core, vendored (see its README.md): injected from disk, never from a CDN."""

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["en", "nl", "fr"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TARGETS_SHOWN = 4
"""Selectors listed per violation; the rest are only counted."""

PAGES = {
    # name: (who is logged in, path, expected status); {names} are filled from the `site` fixture.
    "login": (None, "/login", 200),
    "invite": (None, "/invite/{invite}", 200),
    "exercise list": ("learner", "/", 200),
    "exercise": ("learner", "/exercises/hello-name", 200),
    "submission result": ("learner", "/submissions/{submission}", 200),
    "not found": ("learner", "/exercises/no-such-exercise", 404),
    "cohorts": ("coach", "/coach/", 200),
    "cohort": ("coach", "/coach/cohorts/{cohort}", 200),
    "learner": ("coach", "/coach/cohorts/{cohort}/learners/{learner}", 200),
    "plan": ("coach", "/coach/cohorts/{cohort}/plan", 200),
    "statistics": ("coach", "/coach/cohorts/{cohort}/exercises", 200),
    "grading health": ("coach", "/coach/health", 200),
    "authors": ("author", "/authors/", 200),
    "account": ("learner", "/account/", 200),
}

RUN_AXE = """async (tags) => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {
    passes: results.passes.length,
    violations: results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, url: v.helpUrl, targets: v.nodes.map(n => n.target.join(' '))})),
  };
}"""

SIDEWAYS = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const width = window.innerWidth, scroll = document.documentElement.scrollWidth;
  if (scroll <= width) return null;
  const own = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map(c => '.' + c).join('')
    + ['for', 'name', 'type'].filter(a => el.hasAttribute(a)).map(a => `[${a}=${el.getAttribute(a)}]`).join('');
  const parent = el => el.parentElement === document.body ? '' : own(el.parentElement) + ' > ';
  const name = el => (el.id ? '' : parent(el)) + own(el);
  const sticksOut = el => el.checkVisibility() && el.getBoundingClientRect().right > width + 0.5;
  const scrolledInside = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const culprits = [...document.body.querySelectorAll('*')]
    .filter(el => sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement)) && !scrolledInside(el))
    .map(el => `${name(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);
  return {width, scroll, culprits: [...new Set(culprits)]};
}"""

CHARTS_DRAWN = """() => [...document.querySelectorAll('canvas.progress-chart')]
  .every(c => c.dataset.drawn === 'true')"""


@pytest.fixture
def site(app):
    """A learner, a coach and an author, a running cohort with graded work and a comment, and an unused invite."""
    coach = make_user(app, role="coach", name="Coach Ada")
    author = make_user(app, role="author", name="Author Ola")
    amina, bram = make_user(app, name="Amina"), make_user(app, name="Bram")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=9), learners=[amina, bram], name="Sprint 7")
    now = datetime.now()
    failed = record_submission(
        app, amina, "hello-name", now - timedelta(days=8), outcome="failed", failing=("test_other_names",)
    )
    record_submission(app, amina, "hello-name", now - timedelta(days=7))
    record_submission(app, amina, "temperature", now - timedelta(days=5))
    record_submission(app, bram, "hello-name", now - timedelta(days=4))
    with sessions(app).begin() as session:
        add_comment(session, session.get(Submission, failed), session.merge(coach), "Read the hint of the hidden test.")
        _, invite = enrol(session, session.get(Cohort, cohort.id), name="Chloé", email="chloe@example.test", by=None)
    users = {None: None, "learner": amina, "coach": coach, "author": author}
    return users, {"cohort": cohort.id, "learner": amina.id, "submission": failed, "invite": invite}


def in_language(language: str) -> dict:
    """Browser options that ask for pages in this language, as a browser set to it does."""
    return {"locale": language, "extra_http_headers": {"Accept-Language": language}}


def load(page, url: str, status: int) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, f"{url} answered {response and response.status}"
    assert page.url == url, f"{url} led to {page.url}"
    page.wait_for_function(CHARTS_DRAWN)


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof axe === 'object'"):  # not there yet from `with_axe`
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert results["passes"] > 0, "axe-core checked nothing on the page; is it injected?"
    return results["violations"]


def describe_violations(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        targets = violation["targets"]
        more = len(targets) - TARGETS_SHOWN
        shown = ", ".join(targets[:TARGETS_SHOWN]) + (f" and {more} more" if more > 0 else "")
        lines.append(f"    - {violation['id']} [{violation['impact']}] {violation['help']}: {shown}")
        lines.append(f"        {violation['url']}")
    return lines


def with_axe(context):
    """The context with axe-core put in every page it loads: sending it once beats sending it with each page."""
    context.add_init_script(path=str(AXE))
    return context


def page_problems(page, url: str, status: int) -> list[str]:
    """axe-core's violations and any sideways scrolling on a phone.

    The page is loaded at phone width (charts only follow a resize after a while, so shrinking would not do), then
    widened to a desktop's for axe: growing leaves nothing sticking out meanwhile, and it saves loading twice.
    """
    page.set_viewport_size(PHONE)
    load(page, url, status)
    overflow = page.evaluate(SIDEWAYS)
    page.set_viewport_size(DESKTOP)
    problems = describe_violations(axe_violations(page))
    if overflow:
        width, scroll = overflow["width"], overflow["scroll"]
        problems.append(f"    - at {width} px wide the page scrolls sideways to {scroll} px; sticking out:")
        problems += [f"        {culprit}" for culprit in overflow["culprits"]] or ["        (no single element found)"]
    return problems


def test_axe_reports_what_it_should(browser):
    """The harness itself: a page with known faults gets them reported."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<html><body><img src="x.png"><input type="text"><a href="/"></a></body></html>')
        found = {violation["id"] for violation in axe_violations(page)}
    finally:
        context.close()
    assert {"html-has-lang", "image-alt", "label", "link-name"} <= found, found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_and_fits_a_phone(language, app, site, live_server, browser):
    """WCAG 2.1 A/AA as axe-core checks them, and nothing scrolls sideways at 390 px, for each kind of visitor."""
    users, values = site
    contexts: dict = {}
    problems: list[str] = []
    try:
        for name, (who, path, status) in PAGES.items():
            if who not in contexts:
                context = new_context(browser, live_server, app, users[who], **in_language(language))
                contexts[who] = with_axe(context).new_page()
            path = path.format(**values)
            found = page_problems(contexts[who], live_server + path, status)
            if found:
                problems += [f"  {name} page {path} (as {who or 'visitor'}):", *found]
    finally:
        for page in contexts.values():
            page.context.close()
    version = (AXE_DIR / "VERSION").read_text().strip()
    assert not problems, f"In '{language}', with axe-core {version}:\n" + "\n".join(problems)


# The keyboard-only path.

CORRECT = 'def greet(name):\n    return f"Hello, {name}!"\n'


def focused(page) -> str:
    """The focused element, described for a failure message."""
    return page.evaluate("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'")


def is_focused(page, selector: str) -> bool:
    return page.evaluate("(selector) => document.activeElement.matches(selector)", selector)


def tab_to(page, selector: str, key: str = "Tab", presses: int = 80) -> None:
    """Press Tab (or key) until the element matching selector has the focus."""
    for _ in range(presses):
        page.keyboard.press(key)
        if is_focused(page, selector):
            return
    pytest.fail(f"{presses} presses of {key} never reached {selector}; the focus is on {focused(page)}")


def test_a_learner_submits_and_reads_the_result_with_the_keyboard_alone(
    app,
    docker_client,
    drain_queue,
    live_server,
    browser,
):
    """Log in, open an exercise, write code, leave the editor (Esc, Tab), submit (Ctrl+Enter), read the result."""
    learner = make_user(app)
    context = new_context(browser, live_server, viewport=DESKTOP, **in_language("en"))
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        tab_to(page, "#email")
        page.keyboard.type(learner.email)
        tab_to(page, "#password")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == f"{live_server}/", f"logging in with Enter led to {page.url}"

        tab_to(page, 'main a[href="/exercises/hello-name"]')
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == f"{live_server}/exercises/hello-name"

        editor, code = ".cm-content", "textarea#code-1"  # CodeMirror's editing area; the form's box keeps its text
        tab_to(page, editor)
        page.keyboard.press("Control+A")
        page.keyboard.type("def greet(name):")
        page.keyboard.press("Enter")  # the editor indents the line after a colon by itself
        page.keyboard.type('return f"Hello, {name}!"')
        assert page.input_value(code) == CORRECT.rstrip("\n"), "Enter after a colon should indent by four spaces"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")  # inside the editor Tab indents
        assert page.input_value(code).endswith("\n        "), "Tab in the editor should indent by four more spaces"
        written = page.input_value(code)

        page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        assert not is_focused(page, editor), (
            "WCAG 2.1.2 (no keyboard trap): Esc then Tab should leave the code editor, but the focus stayed in it"
            f" and the code became {page.input_value(code)!r}"
        )
        assert page.input_value(code) == written, "leaving the editor with Esc, Tab changed the code"
        page.keyboard.press("Shift+Tab")
        assert is_focused(page, editor), f"Shift+Tab should come back to the editor; the focus is on {focused(page)}"

        page.keyboard.press("Control+Enter")  # submits from inside the editor; the result comes beside it
        page.wait_for_selector("#live-result:not([hidden])", timeout=10_000)
        drain_queue()
        page.wait_for_selector("#live-result .result[data-status=graded]", timeout=30_000)
        result = page.inner_text("#live-result")
        assert "10 / 10 points" in result, result
        assert page.locator("#live-result li.test.passed").count() == 3, result
        assert page.inner_text("#live-announcer").startswith("Result: ✓ passed"), "the result is announced once"
        assert page.url == f"{live_server}/exercises/hello-name", "the result comes without leaving the page"
    finally:
        context.close()
