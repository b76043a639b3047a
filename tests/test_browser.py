"""Charts in a real headless Chromium: the coach's cohort chart and a learner's own curve."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import PASSWORD, make_cohort, make_user, record_submission

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
    widths = page.evaluate("() => Chart.getChart('cohort-chart').data.datasets.map(s => [s.label, s.borderWidth])")
    assert dict(widths)["Bram"] > dict(widths)["Amina"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cohort-page.png"), full_page=True)


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
