"""Shape progress data for the browser's charts (drawn by the vendored Chart.js)."""

from flask_babel import gettext

from grader.progress.curves import CohortProgress, Curve

LOOK_AHEAD_DAYS = 5
"""Sprint days after today that the chart still shows, so the pace ahead is visible but curves are not squashed."""


def chart_data(
    progress: CohortProgress, *, with_learners: bool = False, highlight: Curve | None = None, mine: bool = False
) -> dict:
    """Days, planned pace, median and spread, and either every learner (coaches) or one curve."""
    shown = min(progress.length, progress.today + LOOK_AHEAD_DAYS)
    data = {
        "labels": [gettext("Day %(day)s", day=day) for day in range(1, shown + 1)],
        "words": {
            "pace": gettext("Planned pace"),
            "median": gettext("Cohort median"),
            "lower": gettext("Cohort: lower quartile"),
            "spread": gettext("Middle half of the cohort"),
            "points": gettext("points"),
        },
        "today": progress.today,
        "pace": progress.pace[:shown],
        "median": progress.median,
        "lower": progress.lower,
        "upper": progress.upper,
        "learners": [],
        "highlight": None,
        "mine": mine,  # the highlighted curve is the reader's own: the summary says "you"
    }
    if with_learners:
        data["learners"] = [
            {"id": curve.user_id, "name": curve.name, "points": curve.points} for curve in progress.curves
        ]
    if highlight is not None:
        data["highlight"] = {"name": highlight.name, "points": highlight.points}
    return data
