"""Charts in a real headless Chromium: the coach's cohort chart and a learner's own curve."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from grader.models import User
from tests.factories import PASSWORD, cohort_today, make_cohort, make_user, record_submission, sessions

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def cohort_with_work(app):
    coach = make_user(app, role="coach", name="Coach Ada")
    learners = [make_user(app, name=name) for name in ("Amina", "Bram", "Chloé")]
    start = date.today() - timedelta(days=9)
    make_cohort(app, coach, start=start, learners=learners, name="Browser cohort")
    now = datetime.now()
    for days_ago, learner, slug in (
        (8, learners[0], "hello-name"),
        (5, learners[0], "temperature"),
        (4, learners[1], "hello-name"),
        (0, learners[0], "initials"),
    ):
        record_submission(app, learner, slug, now - timedelta(days=days_ago))
    return coach, learners


def log_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def datasets(page, canvas_id):
    """The label and the number of drawn points of every dataset of the chart."""
    return page.evaluate(
        """(id) => { const chart = Chart.getChart(id);
            return chart.data.datasets.map((set, i) => [set.label, chart.getDatasetMeta(i).data.length]); }""",
        canvas_id,
    )


def test_coach_sees_every_learner_and_the_pace(live_server, browser, cohort_with_work):
    coach, learners = cohort_with_work
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    log_in(page, live_server, coach)
    page.click("text=Cohorts")
    page.click("text=Browser cohort")
    page.wait_for_selector("canvas#cohort-chart[data-drawn=true]")
    drawn = dict(datasets(page, "cohort-chart"))
    for learner in learners:
        assert drawn[learner.name] > 0, f"{learner.name}'s curve was not drawn"
    assert drawn["Planned pace"] > 0 and drawn["Cohort median"] > 0
    page.select_option("select#pick-learner", label="Bram")
    styles = page.evaluate(
        "() => Chart.getChart('cohort-chart').data.datasets.map(s => [s.label, [s.borderWidth, s.borderDash || []]])"
    )
    width, dash = dict(styles)["Bram"]
    assert width > dict(styles)["Amina"][0] and dash and not dict(styles)["Amina"][1]  # width and dash, not colour only
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cohort-page.png"), full_page=True)


def test_on_day_one_every_learner_is_a_dot(live_server, browser, app):
    from tests.browsing import new_context

    coach = make_user(app, role="coach")
    learners = [make_user(app, name=name) for name in ("Dina", "Emre", "Fleur")]
    cohort = make_cohort(app, coach, start=cohort_today(), learners=learners, working_days=range(1, 8))
    record_submission(app, learners[0], "hello-name", datetime.now() - timedelta(minutes=1))
    page = new_context(browser, live_server, app, coach).new_page()
    page.goto(f"{live_server}/coach/cohorts/{cohort.id}")
    page.wait_for_selector("canvas#cohort-chart[data-drawn=true]")
    radii = page.evaluate(
        """() => { const chart = Chart.getChart('cohort-chart');
            return chart.data.datasets.map(
              (set, i) => [set.label, chart.getDatasetMeta(i).data.map(p => p.options.radius)]); }"""
    )
    drawn = dict(radii)
    for learner in learners:
        assert len(drawn[learner.name]) == 1 and drawn[learner.name][0] > 0, f"{learner.name} has no dot on day 1"
    page.select_option("select#pick-learner", label="Emre")  # highlighting on day 1 does something visible
    assert (
        dict(page.evaluate("() => Chart.getChart('cohort-chart').data.datasets.map(s => [s.label, s.pointRadius])"))[
            "Emre"
        ]
        > 3
    )
    page.screenshot(path=str(ARTIFACTS / "cohort-day-one.png"))


def test_learner_sees_their_own_curve(live_server, browser, cohort_with_work):
    _, learners = cohort_with_work
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    log_in(page, live_server, learners[0])
    page.wait_for_selector("canvas#home-chart[data-drawn=true]")
    drawn = dict(datasets(page, "home-chart"))
    assert drawn["You"] > 0 and drawn["Planned pace"] > 0 and drawn["Cohort median"] > 0
    assert not {"Bram", "Chloé"} & set(drawn)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "learner-home.png"), full_page=True)


def test_a_coach_enrols_twenty_from_a_belgian_excel_file_copies_a_link_and_reissues_one(
    live_server, browser, app, tmp_path
):
    from tests.browsing import new_context

    coach = make_user(app, role="coach", name="Coach Ada")
    cohort = make_cohort(app, coach, start=date.today(), name="Gent sprint")
    rows = "".join(f"Leerling {n}, De Smet;leerling{n}@example.be\r\n" for n in range(20))
    csv_file = tmp_path / "learners.csv"
    csv_file.write_bytes(("name;email\r\n" + rows).encode("utf-8-sig"))  # as Excel saves it in Belgium
    context = new_context(browser, live_server, app, coach, viewport={"width": 1200, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.goto(f"{live_server}/coach/cohorts/{cohort.id}")
    page.set_input_files("#csv", str(csv_file))
    page.click("text=Add them all")
    messages = page.locator("#people-messages")
    messages.wait_for()
    assert "20 learners added" in messages.inner_text()
    assert page.locator("#people-messages code.invite-link").count() == 20
    assert messages.is_visible() and page.evaluate(
        "() => { const box = document.getElementById('people-messages').getBoundingClientRect();"
        " return box.top < window.innerHeight && box.bottom > 0; }"
    )  # in view, where the coach is looking, not at the top of the page
    first = page.locator("#people-messages button.copy").first
    first.click()
    page.wait_for_function("() => document.querySelector('#people-messages button.copy').textContent === 'Copied'")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator("#people-messages code.invite-link").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "enrolment-messages.png"))
    # One of them lost the link: a new one from their page; the copied one no longer works.
    with sessions(app)() as session:
        lost = session.scalar(select(User.id).where(User.email == "leerling0@example.be"))
    page.goto(f"{live_server}/coach/cohorts/{cohort.id}/learners/{lost}")
    page.click("text=New invite link")
    fresh = page.locator("p.flash.invite").inner_text().rsplit(": ", 1)[1]
    assert fresh != copied
    learner = context.browser.new_context().new_page()
    assert learner.goto(copied).status == 404
    learner.goto(fresh)
    learner.fill("input[name=password]", "a good password")
    learner.click("main button[type=submit]")
    learner.wait_for_url(lambda url: "/invite/" not in url)
    assert "Your password is saved" in learner.inner_text("main")
    context.close()


def test_a_coach_fixes_a_wrongly_entered_first_day_and_sees_every_learner(live_server, browser, app):
    from tests.browsing import new_context

    coach = make_user(app, role="coach", name="Coach Ada")
    learners = [make_user(app, name=name) for name in ("Ines", "Jonas", "Karim")]
    today = cohort_today()
    cohort = make_cohort(app, coach, start=today + timedelta(days=35), learners=learners, name="Brussels sprint")
    record_submission(app, learners[0], "hello-name", datetime.now() - timedelta(minutes=5))
    page = new_context(browser, live_server, app, coach, viewport={"width": 1200, "height": 900}).new_page()
    page.goto(f"{live_server}/coach/cohorts/{cohort.id}")
    assert "nothing to show yet" in page.inner_text("main")
    sunday = today - timedelta(days=(today.weekday() + 1) % 7 or 7)  # the last Sunday: not a working day
    monday = sunday + timedelta(days=1)
    page.fill("#calendar input[name=start_date]", sunday.isoformat())
    page.click("text=Save the calendar")
    refusal = page.locator("p.flash.error").inner_text()
    assert "is not one of the working days" in refusal and "Nothing was changed" in refusal
    page.fill("#calendar input[name=start_date]", monday.isoformat())
    page.click("text=Save the calendar")
    assert "The sprint now runs from" in page.inner_text("main")
    page.wait_for_selector("canvas#cohort-chart[data-drawn=true]")
    drawn = dict(datasets(page, "cohort-chart"))
    for learner in learners:
        assert drawn[learner.name] > 0, f"{learner.name} is not drawn after the first day was fixed"
    page.screenshot(path=str(ARTIFACTS / "calendar-fixed.png"))
