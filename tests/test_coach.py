"""The coach's pages: cohorts, enrolment by form, CSV and invite, the cohort page, a learner's work, exports."""

import html
import re
from datetime import date, datetime, timedelta

from markupsafe import escape
from sqlalchemy import func, select

from grader.models import Cohort, Comment, Enrollment, Exercise, Invite, PlanEntry, Submission, User
from grader.progress.queries import exercises_in_plan
from tests.factories import PASSWORD, login, make_cohort, make_user, multipart, record_submission, sessions

MONDAY = date(2026, 11, 2)


def count(app, model) -> int:
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(model))


def coach_client(app):
    coach = make_user(app, role="coach")
    client = app.test_client()
    login(client, coach)
    return coach, client


def upload(client, cohort_id, data: bytes):
    body, content_type = multipart([("learners.csv", data)], field="file")
    return client.post(
        f"/coach/cohorts/{cohort_id}/learners.csv", data=body, content_type=content_type, follow_redirects=True
    )


def test_a_coach_creates_a_cohort_and_sees_it_empty(app):
    _, client = coach_client(app)
    page = client.post(
        "/coach/cohorts",
        data={"name": "Sprint 12", "start_date": "2026-11-02", "working_days": ["1", "2", "3", "4", "5"]},
        follow_redirects=True,
    )
    assert page.status_code == 200
    assert "Sprint 12" in page.text and "No learners yet" in page.text
    assert "Sprint 12" in client.get("/coach/").text


def test_a_first_day_that_is_not_a_working_day_is_refused_with_the_next_one(app):
    _, client = coach_client(app)
    sunday = {"name": "Weekend start", "start_date": "2026-11-01", "working_days": ["1", "2", "3", "4", "5"]}
    page = client.post("/coach/cohorts", data=sunday, follow_redirects=True).text
    assert "The first day, Sun 1 Nov, is not one of the working days. Choose a working day, such as Mon 2 Nov." in page
    assert count(app, Cohort) == 0
    form = client.get("/coach/").text  # the form proposes a working day
    proposed = date.fromisoformat(re.search(r'name="start_date"[^>]*value="([\d-]+)"', form).group(1))
    assert proposed.isoweekday() <= 5


def test_a_cohort_calendar_is_edited_and_the_plan_follows(app):
    coach, client = coach_client(app)
    learner = make_user(app, name="Gert")
    cohort = make_cohort(app, coach, start=MONDAY, learners=[learner])
    record_submission(app, learner, "hello-name", datetime(2026, 11, 3, 10))  # a Tuesday
    with sessions(app).begin() as session:
        last = session.scalar(select(Exercise).order_by(Exercise.week.desc(), Exercise.day.desc()))
        session.add(PlanEntry(cohort_id=cohort.id, exercise_id=last.id, due_day=30))
    monday_four_weeks = {"name": "Sprint 13", "start_date": "2026-11-09", "working_days": ["1", "3", "5"]}
    page = client.post(f"/coach/cohorts/{cohort.id}/calendar", data=monday_four_weeks, follow_redirects=True).text
    assert "The sprint now runs from Mon 9 Nov to" in page and "18 working days" in page  # 6 weeks × 3 days
    assert "1 exercise was due after the new last day; it is now due on the last day." in page
    assert "1 submission came before the new first day: it is kept, and its points count on day 1." in page
    with sessions(app)() as session:
        saved = session.get(Cohort, cohort.id)
        assert (saved.name, saved.start_date, saved.working_days) == ("Sprint 13", date(2026, 11, 9), [1, 3, 5])
        assert session.get(PlanEntry, (cohort.id, last.id)).due_day == 18
        assert session.scalar(select(func.count()).select_from(Submission)) == 1  # kept
    tuesday = {"name": "Sprint 13", "start_date": "2026-11-10", "working_days": ["1", "3", "5"]}
    refused = client.post(f"/coach/cohorts/{cohort.id}/calendar", data=tuesday, follow_redirects=True).text
    assert "Nothing was changed: The first day, Tue 10 Nov, is not one of the working days" in refused
    assert "such as Wed 11 Nov" in refused
    _, other = coach_client(app)
    assert other.post(f"/coach/cohorts/{cohort.id}/calendar", data=monday_four_weeks).status_code == 404


def test_a_cohort_made_before_the_rule_on_first_days_can_still_be_renamed(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    with sessions(app).begin() as session:
        session.get(Cohort, cohort.id).start_date = MONDAY - timedelta(days=1)  # a Sunday, as older cohorts may have
    same = {"name": "Renamed", "start_date": "2026-11-01", "working_days": ["1", "2", "3", "4", "5"]}
    page = client.post(f"/coach/cohorts/{cohort.id}/calendar", data=same, follow_redirects=True).text
    assert "The sprint now runs from" in page
    with sessions(app)() as session:
        assert session.get(Cohort, cohort.id).name == "Renamed"


def test_bad_cohort_forms_explain_themselves(app):
    _, client = coach_client(app)
    no_date = client.post(
        "/coach/cohorts", data={"name": "x", "start_date": "soon", "working_days": ["1"]}, follow_redirects=True
    )
    assert "Give a start date" in no_date.text
    no_days = client.post("/coach/cohorts", data={"name": "x", "start_date": "2026-11-02"}, follow_redirects=True)
    assert "Choose at least one working day" in no_days.text


def test_a_cohort_that_has_not_started(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=date.today() + timedelta(days=14), learners=[make_user(app)])
    page = client.get(f"/coach/cohorts/{cohort.id}").text
    assert "Starts on" in page and "The sprint has not started" in page


def add_learner(client, cohort_id, name, email) -> str:
    """The cohort page after adding one learner through the form."""
    data = {"name": name, "email": email}
    return client.post(f"/coach/cohorts/{cohort_id}/learners", data=data, follow_redirects=True).text


def test_one_learner_gets_an_invite_link_that_works_once(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    page = add_learner(client, cohort.id, "Dana", "dana@example.org")
    link = re.search(r"http://localhost(/invite/[\w-]+)", page).group(1)
    newcomer = app.test_client()
    assert "Choose a password" in newcomer.get(link).text
    assert newcomer.post(link, data={"password": "short"}).status_code == 400
    assert newcomer.post(link, data={"password": "a good password"}).status_code == 302
    assert "Hello, Dana" in newcomer.get("/").text
    used = app.test_client().get(link)
    assert used.status_code == 410 and "used already" in used.text and 'name="password"' not in used.text


def invite_link(page: str) -> str:
    return re.search(r"http://localhost(/invite/[\w-]+)", page).group(1)


def test_every_learner_added_is_confirmed_beside_the_form_with_a_copy_button(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    known = make_user(app, name="Kim")
    page = upload(client, cohort.id, f"name,email\nLou,lou@example.org\nKim,{known.email}\n".encode()).text
    people = page[page.index('<section id="people">') :]
    assert page.index("2 learners added") > page.index('<section id="people">')  # where the coach is looking
    assert f"Kim ({known.email}) had an account already and is now in this cohort." in people
    assert "Invite link for Lou (lou@example.org), shown once" in people
    assert 'class="secondary copy" data-copy="http://localhost/invite/' in people
    again = client.post(
        f"/coach/cohorts/{cohort.id}/learners", data={"name": "Kim", "email": known.email}, follow_redirects=True
    ).text
    assert f"Kim ({known.email}) was in this cohort already." in again[again.index('<section id="people">') :]


def test_a_lost_link_or_password_gets_a_new_link_and_the_old_one_dies(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    page = add_learner(client, cohort.id, "Dana", "dana@example.org")
    lost = invite_link(page)
    with sessions(app)() as session:
        dana = session.scalar(select(User).where(User.email == "dana@example.org"))
    again = client.post(f"/coach/cohorts/{cohort.id}/learners/{dana.id}/invite", follow_redirects=True).text
    assert "shown once" in again and "no longer works" in again
    fresh = invite_link(again)
    assert fresh != lost and app.test_client().get(lost).status_code == 404  # the lost one is gone
    learner = app.test_client()
    assert learner.post(fresh, data={"password": "first password"}).status_code == 302
    # Later she forgets her password: a new link sets another one, and the old password stops working.
    reset = invite_link(
        client.post(f"/coach/cohorts/{cohort.id}/learners/{dana.id}/invite", follow_redirects=True).text
    )
    assert app.test_client().post(reset, data={"password": "second password"}).status_code == 302
    assert (
        app.test_client().post("/login", data={"email": "dana@example.org", "password": "first password"}).status_code
        == 400  # refused
    )
    assert (
        app.test_client().post("/login", data={"email": "dana@example.org", "password": "second password"}).status_code
        == 302
    )
    # Another coach cannot make links for learners of a cohort that is not theirs.
    _, other = coach_client(app)
    assert other.post(f"/coach/cohorts/{cohort.id}/learners/{dana.id}/invite").status_code == 404


def test_an_expired_invite_says_so_and_offers_nothing_else(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    page = client.post(
        f"/coach/cohorts/{cohort.id}/learners", data={"name": "Eli", "email": "eli@example.org"}, follow_redirects=True
    ).text
    link = invite_link(page)
    with sessions(app).begin() as session:
        for invite in session.scalars(select(Invite)):
            invite.created_at -= timedelta(days=15)  # the default validity is 14 days
    expired = app.test_client().get(link)
    assert expired.status_code == 410 and "expired" in expired.text and 'name="password"' not in expired.text
    assert app.test_client().post(link, data={"password": "a good password"}).status_code == 410


def test_the_command_line_makes_a_new_link(app):
    from click.testing import CliRunner

    from grader.cli import cli

    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    client.post(f"/coach/cohorts/{cohort.id}/learners", data={"name": "Fay", "email": "fay@example.org"})
    printed = CliRunner().invoke(cli, ["users", "invite", "fay@example.org", "--site", "http://localhost"])
    assert printed.exit_code == 0, printed.output
    link = invite_link(printed.output)
    assert app.test_client().post(link, data={"password": "a good password"}).status_code == 302
    unknown = CliRunner().invoke(cli, ["users", "invite", "nobody@example.org", "--site", "http://localhost"])
    assert unknown.exit_code == 1 and "no user with email nobody@example.org" in unknown.output
    nowhere = CliRunner().invoke(cli, ["users", "invite", "fay@example.org"])
    assert nowhere.exit_code == 1 and "give --site https://" in nowhere.output


def test_invite_links_start_with_the_site_url_when_one_is_set(app_with):
    app = app_with(AUTOGRADER_SITE_URL="https://grader.example.org")
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    page = client.post(
        f"/coach/cohorts/{cohort.id}/learners", data={"name": "Fay", "email": "fay@example.org"}, follow_redirects=True
    ).text
    assert re.search(r'data-copy="https://grader\.example\.org/invite/[\w-]+"', page), "the link names the site"


def test_csv_enrols_everyone_or_nobody(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    good = upload(client, cohort.id, b"name,email\nEla,ela@example.org\nFarid,farid@example.org\n")
    assert "2 learners added" in good.text and good.text.count('class="invite-link"') == 2
    bad = "Name,Email\nGus,gus@example.org\n,nameless@example.org\nHana,not-an-email\nGus B,GUS@example.org\n"
    rejected = upload(client, cohort.id, bad.encode())
    assert "Nothing was imported" in rejected.text
    assert "Line 3: The name is empty." in rejected.text
    assert "Line 4: &#39;not-an-email&#39; is not an email address." in rejected.text
    assert "Line 5: gus@example.org is also on line 2." in rejected.text
    with sessions(app)() as session:
        assert session.scalar(select(User).where(User.email == "gus@example.org")) is None
    assert count(app, Enrollment) == 2


def test_a_csv_separated_by_semicolons_is_read(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    page = upload(client, cohort.id, "name;email\nJosé;jose@example.org\n".encode("utf-8-sig"))
    assert "1 learner added" in page.text  # as Excel saves a CSV in Belgium
    assert count(app, Enrollment) == 1


def test_a_belgian_excel_file_is_read_with_every_odd_name(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    # Excel in Belgium: a BOM, semicolons, CRLF, a comma in a name, a quoted name with a semicolon inside.
    data = (
        'name;email\r\nDe Smet, Jan;jan@example.be\r\n"Dupont; Marie";marie@example.be\r\nÉlodie;elodie@example.be\r\n'
    )
    page = upload(client, cohort.id, data.encode("utf-8-sig")).text
    assert "3 learners added" in page and page.count('class="invite-link"') == 3
    with sessions(app)() as session:
        names = set(session.scalars(select(User.name).where(User.email.like("%@example.be"))))
    assert names == {"De Smet, Jan", "Dupont; Marie", "Élodie"}
    hinted = upload(client, cohort.id, b"sep=;\nname;email\nKoen;koen@example.be\n").text  # Excel's own hint line
    assert "1 learner added" in hinted
    # Line numbers count the hint line too; a header whose last column holds a comma is still read with semicolons.
    wrong = upload(client, cohort.id, b"sep=;\nname;email;Klas, groep\nLien;not-an-email;A\n").text
    assert "Line 3: &#39;not-an-email&#39; is not an email address." in wrong


def test_csv_problems_of_the_whole_file(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY)
    one_column = upload(client, cohort.id, b"name\nIvo\n").text
    assert (
        "Missing column &#39;email&#39;. The first line was read as name, with &#39;,&#39; between columns"
        in one_column
    )
    assert "There are no learners in the file" in upload(client, cohort.id, b"name,email\n").text
    many = "name,email\n" + "".join(f"P{n},p{n}@example.org\n" for n in range(501))
    assert "at most 500 learners" in upload(client, cohort.id, many.encode()).text
    assert "save the file as &#39;CSV UTF-8&#39;" in upload(client, cohort.id, b"name,email\nJos\xe9,j@x.org\n").text
    assert "The file is empty" in upload(client, cohort.id, b"").text
    taken = make_user(app, role="coach")
    assert "belongs to a coach" in upload(client, cohort.id, f"name,email\nX,{taken.email}\n".encode()).text
    assert count(app, Enrollment) == 0


def test_cohort_page_shows_chart_signals_and_matrix(app):
    coach, client = coach_client(app)
    amina, bram = make_user(app, name="Amina"), make_user(app, name="Bram")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=10), learners=[amina, bram])
    record_submission(app, amina, "hello-name", datetime.now() - timedelta(minutes=5))
    record_submission(app, bram, "initials", datetime.now() - timedelta(minutes=5), "failed")
    page = client.get(f"/coach/cohorts/{cohort.id}").text
    assert 'id="cohort-chart"' in page and '"name": "Amina"' in page and '"pace":' in page
    assert "Needs attention" in page and "Behind the plan by" in page
    assert '<td class="solved" title="solved in 1 attempt">✓</td>' in page
    assert '<td class="tried" title="attempted 1 time, not solved yet">1</td>' in page
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in page


def test_learner_page_diffs_and_comments_reach_the_learner(app):
    coach, client = coach_client(app)
    amina = make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=MONDAY, learners=[amina])
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9), "failed")
    second = record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 10))
    with sessions(app).begin() as session:
        session.get(Submission, second).files = {"hello.py": "x = 2\n"}
        hello = session.scalar(select(Exercise.id).where(Exercise.slug == "hello-name"))
    page = client.get(f"/coach/cohorts/{cohort.id}/learners/{amina.id}").text
    assert "-x = 1" in page and "+x = 2" in page
    comments = f"/coach/cohorts/{cohort.id}/learners/{amina.id}/exercises/{hello}/comments"
    answer = client.post(comments, data={"text": "Look at the comma <3"})
    assert answer.status_code == 303 and answer.location.endswith(f"#exercise-{hello}")
    with sessions(app)() as session:
        assert [c.submission_id for c in session.scalars(select(Comment))] == [second]  # kept with the latest
    learner = app.test_client()
    login(learner, amina)
    home = learner.get("/").text
    assert "A new comment from your coach" in home and "Look at the comma &lt;3" in home
    exercise = learner.get("/exercises/hello-name").text
    assert 'class="badge new">new</span>' in exercise and "Look at the comma &lt;3" in exercise
    assert "Look at the comma" not in learner.get("/").text  # opened: no longer new
    assert 'class="badge new"' not in learner.get("/exercises/hello-name").text
    assert "Look at the comma &lt;3" in learner.get(f"/submissions/{second}").text
    page = client.get(f"/coach/cohorts/{cohort.id}/learners/{amina.id}").text
    assert page.count('class="comment-form"') == 1  # one form per exercise, not one per submission
    assert "· read</span>" in page


def test_a_comment_waits_for_a_first_submission_and_a_learner_of_the_cohort(app):
    coach, client = coach_client(app)
    amina, stranger = make_user(app, name="Amina"), make_user(app, name="Stranger")
    cohort = make_cohort(app, coach, start=MONDAY, learners=[amina])
    record_submission(app, stranger, "hello-name", datetime(2026, 11, 2, 9))
    with sessions(app)() as session:
        hello = session.scalar(select(Exercise.id).where(Exercise.slug == "hello-name"))
    base = f"/coach/cohorts/{cohort.id}/learners"
    answer = client.post(f"{base}/{amina.id}/exercises/{hello}/comments", data={"text": "Hi"}, follow_redirects=True)
    assert "Amina has not submitted anything for this exercise yet." in answer.text
    assert client.post(f"{base}/{stranger.id}/exercises/{hello}/comments", data={"text": "Hi"}).status_code == 404
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9))
    empty = client.post(f"{base}/{amina.id}/exercises/{hello}/comments", data={"text": "   "}, follow_redirects=True)
    assert "Write a comment of 1 to 4000 characters." in empty.text
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 0


def test_learner_page_groups_by_exercise_and_lists_failing_tests_only_when_they_ran(app):
    coach, client = coach_client(app)
    amina = make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=MONDAY, learners=[amina])
    with sessions(app)() as session:
        hello = session.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
        first_test = hello.manifest[0]
    shown = first_test["description"] or first_test["name"]
    # Code that did not load, though its results say failed (as older verdicts did): no test ran, none is listed.
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9), "error", failing=[first_test["name"]])
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 10), "failed", failing=[first_test["name"]])
    record_submission(app, amina, "initials", datetime(2026, 11, 2, 11))
    page = client.get(f"/coach/cohorts/{cohort.id}/learners/{amina.id}").text
    assert "Work on 2 exercises" in page
    assert page.index(f'id="exercise-{hello.id}"') > page.index("Solved in 1 attempt")  # last worked on first
    assert "2 attempts, not solved yet" in page and "1 earlier submission" in page
    assert page.count("Tests that failed:") == 1 and f"Tests that failed: {escape(shown)}" in page


def test_exports_are_csv_with_formulas_made_harmless(app):
    coach, client = coach_client(app)
    sly = make_user(app, name="=HYPERLINK(1)")
    cohort = make_cohort(app, coach, start=MONDAY, learners=[sly])
    record_submission(app, sly, "hello-name", datetime(2026, 11, 2, 9))
    matrix = client.get(f"/coach/cohorts/{cohort.id}/matrix.csv")
    assert matrix.mimetype == "text/csv"
    assert "'=HYPERLINK(1)" in matrix.text and ",solved," in matrix.text
    submissions = client.get(f"/coach/cohorts/{cohort.id}/submissions.csv").text
    assert "hello-name,2026-11-02 09:00:00,graded,passed,10.0" in submissions


def test_statistics_page(app):
    coach, client = coach_client(app)
    amina = make_user(app)
    cohort = make_cohort(app, coach, start=MONDAY, learners=[amina])
    record_submission(app, amina, "hello-name", datetime(2026, 11, 2, 9), "failed", failing={"other names"})
    page = client.get(f"/coach/cohorts/{cohort.id}/exercises").text
    assert "Say hello" in page and "other names" in page and "0 of 1" in page


def test_coaches_see_only_their_cohorts_and_learners_none(app):
    _, client = coach_client(app)
    other_coach = make_user(app, role="coach")
    learner = make_user(app)
    theirs = make_cohort(app, other_coach, start=MONDAY, learners=[learner], name="Not yours")
    assert client.get(f"/coach/cohorts/{theirs.id}").status_code == 404
    assert client.get(f"/coach/cohorts/{theirs.id}/learners/{learner.id}").status_code == 404
    assert client.get(f"/coach/cohorts/{theirs.id}/matrix.csv").status_code == 404
    assert "Not yours" not in client.get("/coach/").text
    as_learner = app.test_client()
    login(as_learner, learner)
    for path in ("/coach/", f"/coach/cohorts/{theirs.id}", f"/coach/cohorts/{theirs.id}/submissions.csv"):
        assert as_learner.get(path).status_code == 404


def test_the_learner_home_names_nobody_else(app):
    coach = make_user(app, role="coach")
    amina, bram = make_user(app, name="Amina"), make_user(app, name="Bram Secretname")
    make_cohort(app, coach, start=date.today() - timedelta(days=3), learners=[amina, bram])
    record_submission(app, bram, "hello-name", datetime.now() - timedelta(minutes=1))
    client = app.test_client()
    client.post("/login", data={"email": amina.email, "password": PASSWORD})
    page = client.get("/").text
    assert "Hello, Amina" in page and 'id="home-chart"' in page and "Next:" in page
    assert "Secretname" not in page


def test_a_learner_without_submissions_has_a_calm_page(app):
    coach, client = coach_client(app)
    newcomer = make_user(app, name="Noor")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=2), learners=[newcomer])
    page = client.get(f"/coach/cohorts/{cohort.id}/learners/{newcomer.id}")
    assert page.status_code == 200 and "No submissions yet." in page.text
    assert client.get(f"/coach/cohorts/{cohort.id}/exercises").status_code == 200
    stranger = make_user(app)
    assert client.get(f"/coach/cohorts/{cohort.id}/learners/{stranger.id}").status_code == 404


def test_the_plan_can_move_an_exercise_and_refuses_garbage(app):
    coach, client = coach_client(app)
    cohort = make_cohort(app, coach, start=MONDAY, learners=[make_user(app)])
    with sessions(app)() as session:
        hello = session.scalar(select(Exercise).where(Exercise.slug == "hello-name"))
    page = client.get(f"/coach/cohorts/{cohort.id}/plan").text
    assert "Say hello" in page and f'name="due-{hello.id}"' in page
    bad = client.post(f"/coach/cohorts/{cohort.id}/plan", data={f"due-{hello.id}": "soon"})
    assert bad.status_code == 400 and "Nothing was saved" in bad.text and "from 1 to 30" in bad.text
    assert count(app, PlanEntry) == 0
    client.post(f"/coach/cohorts/{cohort.id}/plan", data={f"due-{hello.id}": "12"})
    with sessions(app)() as session:
        found = session.get(Cohort, cohort.id)
        assert exercises_in_plan(session, found)[1][hello.id] == 12
    client.post(f"/coach/cohorts/{cohort.id}/plan", data={f"due-{hello.id}": ""})  # back to the default
    assert count(app, PlanEntry) == 0


def shown_signals(page: str, cohort_id: int, user_id: int) -> list[tuple[str, str]]:
    """The (kind, evidence) pairs the page's 'Mark as seen' form of this learner sends."""
    form = page.split(f'action="/coach/cohorts/{cohort_id}/learners/{user_id}/seen"', 1)[1].split("</form>", 1)[0]
    pairs = re.findall(r'name="kind" value="([^"]*)"><input type="hidden" name="evidence" value="([^"]*)"', form)
    return [(html.unescape(kind), html.unescape(evidence)) for kind, evidence in pairs]


def test_a_coach_marks_a_learner_as_seen_and_the_list_says_so(app):
    coach, client = coach_client(app)
    amina = make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=14), learners=[amina])
    page = client.get(f"/coach/cohorts/{cohort.id}").text
    assert "Needs attention (1)" in page and "Mark as seen" in page
    shown = shown_signals(page, cohort.id, amina.id)
    assert {kind for kind, _ in shown} == {"quiet", "behind"}
    form = {"kind": [kind for kind, _ in shown], "evidence": [evidence for _, evidence in shown]}
    _, other = coach_client(app)
    assert other.post(f"/coach/cohorts/{cohort.id}/learners/{amina.id}/seen", data=form).status_code == 404
    answer = client.post(f"/coach/cohorts/{cohort.id}/learners/{amina.id}/seen", data=form)
    assert answer.status_code == 302 and answer.location.endswith("#at-risk")
    page = client.get(f"/coach/cohorts/{cohort.id}").text
    assert "Needs attention (0)" in page and "Nobody needs attention right now." in page
    assert "2 signals seen, quiet until something new happens" in page and "seen by" in page


def test_a_signal_that_came_after_the_page_was_drawn_stays_new(app):
    coach, client = coach_client(app)
    amina = make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=14), learners=[amina])
    page = client.get(f"/coach/cohorts/{cohort.id}").text
    shown = [pair for pair in shown_signals(page, cohort.id, amina.id) if pair[0] == "quiet"]  # drawn: quiet only
    form = {"kind": [kind for kind, _ in shown], "evidence": [evidence for _, evidence in shown]}
    client.post(f"/coach/cohorts/{cohort.id}/learners/{amina.id}/seen", data=form)
    page = client.get(f"/coach/cohorts/{cohort.id}").text
    assert "Needs attention (1)" in page and "Behind the plan by" in page.split('id="at-risk"')[1].split("<details")[0]


def test_every_change_to_what_the_cohort_page_shows_reaches_it_at_once(app):
    coach, client = coach_client(app)
    amina = make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=14), learners=[amina])
    page = lambda: client.get(f"/coach/cohorts/{cohort.id}").text  # noqa: E731  # read through the page's cache
    assert 'class="none" title="not started"' in page() and "Needs attention (1)" in page()
    record_submission(app, amina, "hello-name", datetime.now())  # a verdict stored by the worker
    assert 'title="solved in 1 attempt">✓</td>' in page()
    client.post(f"/coach/cohorts/{cohort.id}/learners", data={"name": "Bo", "email": "bo@example.org"})
    assert ">Bo</a></th>" in page()
    thresholds = {"inactive_days": 2, "stuck_attempts": 4, "stuck_minutes": 30, "behind_points": 1000}
    client.post(f"/coach/cohorts/{cohort.id}/settings", data=thresholds | {"time_zone": "Europe/Brussels"})
    assert "Behind the plan" not in page()
    with sessions(app)() as session:
        hello = session.scalar(select(Exercise.id).where(Exercise.slug == "hello-name"))
    client.post(f"/coach/cohorts/{cohort.id}/plan", data={f"due-{hello}": "12"})
    assert "(due day 12)" in page()
    client.post(f"/coach/cohorts/{cohort.id}/settings", data=thresholds | {"time_zone": "Asia/Tokyo"})
    client.post(
        f"/coach/cohorts/{cohort.id}/calendar",
        data={"name": "Renamed sprint", "start_date": cohort.start_date.isoformat(), "working_days": [1, 2, 3, 4, 5]},
    )
    assert "<h1>Renamed sprint</h1>" in page()
