"""Time the cohort, learner and statistics pages on a large cohort, next to a trivial page measured in the same run.

Usage: .venv/bin/python benchmarks/progress.py [--learners 300] [--exercises 60] [--submissions 50000] [--requests 40]
       [--database-url postgresql+psycopg://user:password@host/empty_database]
It builds a throwaway SQLite database (or fills the empty database given), then requests each
page through the Flask app in this process (server time, no network) and prints the median and
95th percentile of each: once as pages are read again and again ("cached"), and once with a
verdict stored before every request ("after a verdict"), as in a busy day when every verdict
makes the cohort's cached picture stale.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from grader.grading.gains import rebuild_all_gains
from grader.grading.lifecycle import refresh_read_models
from grader.grading.standings import rebuild_all_standings
from grader.models import Cohort, CohortCoach, Enrollment, Exercise, Submission, TestResult, User
from grader.people.accounts import create_user
from grader.services import Services
from grader.settings import load_settings
from web import create_app
from web.context import EXTENSION

PASSWORD = "benchmark password"


def build(app, learners: int, exercises: int, submissions: int, seed: int = 7) -> tuple[int, int, str]:
    """Fill the database; return the cohort id, one learner's id and the coach's email."""
    rng = random.Random(seed)
    sessions = app.extensions[EXTENSION].sessions
    start = date.today() - timedelta(days=27)  # four weeks in: day 20 of 30
    with sessions.begin() as session:
        coach = create_user(session, email="coach@bench.test", name="Coach", role="coach", password=PASSWORD)
        cohort = Cohort(name="Benchmark", start_date=start, working_days=[1, 2, 3, 4, 5])
        session.add(cohort)
        session.flush()
        session.add(CohortCoach(cohort_id=cohort.id, user_id=coach.id))
        manifest = [
            {
                "id": f"tests/visible/test_x.py::test_{i}",
                "function": f"test_{i}",
                "name": f"case {i}",
                "description": "",
                "visibility": "visible",
                "hidden": False,
                "hint": "",
                "points": 10 / 3,
                "source": "",
            }
            for i in range(3)
        ]
        session.execute(
            insert(Exercise),
            [
                {
                    "slug": f"exercise-{n:02d}",
                    "title": f"Exercise {n}",
                    "week": 1 + n // 10,
                    "day": 1 + (n % 10) // 2,
                    "max_score": 10.0,
                    "statement": "x",
                    "files": ["x.py"],
                    "starter": {"x.py": ""},
                    "tests": {},
                    "manifest": manifest,
                    "limits": {},
                    "version": "bench",
                    "tags": [],
                    "difficulty": "easy",
                    "language": "python",
                    "isolation": "process",
                }
                for n in range(exercises)
            ],
        )
        session.execute(
            insert(User),
            [
                {"email": f"learner{n}@bench.test", "name": f"Learner {n:03d}", "role": "learner", "password_hash": "!"}
                for n in range(learners)
            ],
        )
        user_ids = list(session.scalars(select(User.id).where(User.role == "learner")))
        exercise_ids = list(session.scalars(select(Exercise.id)))
        session.execute(insert(Enrollment), [{"cohort_id": cohort.id, "user_id": uid} for uid in user_ids])
        cohort_id, coach_email = cohort.id, coach.email
    now = datetime.now()
    rows, results = [], []
    for n in range(submissions):
        passed = rng.random() < 0.45
        at = now - timedelta(minutes=rng.randrange(27 * 24 * 60))
        rows.append(
            {
                "id": n + 1,
                "user_id": rng.choice(user_ids),
                "exercise_id": rng.choice(exercise_ids),
                "files": {"x.py": "print(1)\n"},
                "status": "graded",
                "attempt": 1,
                "tries": 0,
                "regrades": 0,
                "outcome": "passed" if passed else "failed",
                "score": 10.0 if passed else rng.choice([0, 3.33, 6.67]),
                "max_score": 10.0,
                "feedback": "",
                "created_at": at,
                "graded_at": at,
            }
        )
        results += [
            {
                "submission_id": n + 1,
                "position": i,
                "name": f"case {i}",
                "description": "",
                "hidden": False,
                "status": "passed" if passed or i else "failed",
                "message": "",
                "output": "",
                "hint": "",
            }
            for i in range(3)
        ]
    with sessions.begin() as session:
        session.execute(insert(Submission), rows)
        session.execute(insert(TestResult), results)
        rebuild_all_gains(session)  # what the worker does as it stores each verdict
        rebuild_all_standings(session)
    return cohort_id, user_ids[0], coach_email


def timed(client, path: str, requests: int, before=None) -> list[float]:
    """Seconds per request, after one warm-up request; `before` runs untimed before each."""
    assert client.get(path).status_code == 200, path
    seconds = []
    for _ in range(requests):
        if before is not None:
            before()
        started = time.perf_counter()
        response = client.get(path)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, path
    return seconds


def a_verdict(app, rng: random.Random):
    """A function that stores what a worker stores for one verdict: a learner's read models, their cohort moved on."""
    sessions = app.extensions[EXTENSION].sessions
    with sessions() as session:
        pairs = session.execute(select(Submission.user_id, Submission.exercise_id).distinct()).all()

    def store() -> None:
        with sessions.begin() as session:
            refresh_read_models(session, *rng.choice(pairs))

    return store


def line(name: str, seconds: list[float]) -> str:
    p95 = statistics.quantiles(seconds, n=20, method="inclusive")[-1] if len(seconds) > 1 else seconds[0]
    return f"{name:<46} median {statistics.median(seconds) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--exercises", type=int, default=60)
    parser.add_argument("--submissions", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", help="an empty database to fill instead of a throwaway SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = load_settings({"AUTOGRADER_DATABASE_URL": url})
        services = Services.build(settings)
        services.prepare_database()
        app = create_app({"SERVICES": services, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        started = time.perf_counter()
        cohort_id, learner_id, coach_email = build(app, args.learners, args.exercises, args.submissions)
        print(
            f"built {args.learners} learners, {args.exercises} exercises, {args.submissions} submissions "
            f"in {time.perf_counter() - started:.1f} s ({services.engine.dialect.name})"
        )
        print(line("baseline: login page (trivial)", timed(app.test_client(), "/login", args.requests)))
        client = app.test_client()
        client.post("/login", data={"email": coach_email, "password": PASSWORD})
        pages = {
            "cohort page": f"/coach/cohorts/{cohort_id}",
            "learner page (coach's view)": f"/coach/cohorts/{cohort_id}/learners/{learner_id}",
            "exercise statistics": f"/coach/cohorts/{cohort_id}/exercises",
        }
        verdict = a_verdict(app, random.Random(11))
        for name, path in pages.items():
            print(line(f"{name}, cached", timed(client, path, args.requests)))
            print(line(f"{name}, after a verdict", timed(client, path, args.requests, before=verdict)))
        services.close()


if __name__ == "__main__":
    main()
