"""Shape progress data for the browser's charts (drawn by the vendored Chart.js)."""

from grader.progress import CohortProgress, Curve


def chart_data(progress: CohortProgress, *, with_learners: bool = False, highlight: Curve | None = None) -> dict:
    """Days, planned pace, median and spread, and either every learner (coaches) or one curve."""
    data = {
        "labels": [f"Day {day}" for day in range(1, progress.length + 1)],
        "today": progress.today,
        "pace": progress.pace,
        "median": progress.median,
        "lower": progress.lower,
        "upper": progress.upper,
        "learners": [],
        "highlight": None,
    }
    if with_learners:
        data["learners"] = [
            {"id": curve.user_id, "name": curve.name, "points": curve.points} for curve in progress.curves
        ]
    if highlight is not None:
        data["highlight"] = {"name": highlight.name, "points": highlight.points}
    return data
