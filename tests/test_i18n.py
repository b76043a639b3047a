"""The site in English, Dutch and French: complete catalogs, the choice of language, every page, time zones."""

import re
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.checkers import python_format
from babel.messages.pofile import read_po
from sqlalchemy import select

from grader.messages import say
from grader.models import Cohort, ScoreGain, Submission, User
from grader.settings import PROJECT_ROOT
from tests.factories import login, make_cohort, make_token, make_user, record_submission, sessions

TRANSLATIONS = PROJECT_ROOT / "web" / "translations"
TRANSLATED = ("nl", "fr")
EXTRACT = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
KEYWORDS = ["-k", "say", "-k", "say_plural:1,2", "-k", "_l", "-k", "lazy_gettext"]
"""The functions that mark texts, as `make translations` names them."""
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(code: str) -> Catalog:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=code)


def problems_of(found: Catalog) -> list[str]:
    """Untranslated, fuzzy and broken-placeholder entries of a catalog."""
    problems = []
    for message in found:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        try:
            python_format(found, message)
        except Exception as error:  # babel's TranslationError: a placeholder missing or of another type
            problems.append(f"{ids[0]!r}: {error}")
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted:
                problems.append(f"{ids[0]!r}: a placeholder the English does not have, in {string!r}")
    return problems


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_text_is_translated_with_its_placeholders(code):
    assert problems_of(catalog(code)) == []


def test_a_broken_placeholder_is_caught():
    broken = Catalog(locale="nl")
    broken[("Welcome, %(name)s")] = Message("Welcome, %(name)s", "Welkom!", flags=["python-format"])
    broken.add("Day %(day)s of %(length)s", "Dag %(dag)s van %(length)s", flags=["python-format"])
    assert len(problems_of(broken)) == 2


def test_the_catalogs_hold_every_text_of_the_site(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [*EXTRACT, "-F", str(TRANSLATIONS / "babel.cfg"), *KEYWORDS, "-o", str(template), "."],
        cwd=PROJECT_ROOT,
        check=True,
    )
    with template.open("rb") as file:
        wanted = {
            message.id if isinstance(message.id, str) else message.id[0] for message in read_po(file) if message.id
        }
    for code in ("en", *TRANSLATED):
        have = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog(code) if message.id}
        assert wanted - have == set(), f"run `make translations` and translate the new texts for {code}"


@pytest.fixture
def people(app):
    """A coach, an author and a learner in a cohort that started ten days ago, with a graded submission."""
    coach = make_user(app, role="coach", name="Coach Ada")
    author = make_user(app, role="author", name="Author Bo")
    learner = make_user(app, name="Amina")
    cohort = make_cohort(app, coach, start=date.today() - timedelta(days=10), learners=[learner])
    submission_id = record_submission(
        app, learner, "hello-name", datetime.now() - timedelta(hours=1), outcome="failed", failing=("returns text",)
    )
    return coach, author, learner, cohort, submission_id


def pages_of(role: str, cohort_id: int, learner_id: int, submission_id: int) -> list[tuple[str, int]]:
    """The pages a person of this role reaches, with the status each answers."""
    if role == "visitor":
        return [("/login", 200), ("/no-such-page", 404)]
    if role == "learner":
        pages = ["/", "/exercises/hello-name", f"/submissions/{submission_id}"]
        return [*((path, 200) for path in pages), ("/exercises/no-such-exercise", 404)]
    if role == "coach":
        base = f"/coach/cohorts/{cohort_id}"
        return [
            (path, 200)
            for path in ("/coach/", base, f"{base}/plan", f"{base}/exercises", f"{base}/learners/{learner_id}")
        ]
    return [("/authors/", 200), ("/authors/exercises/hello-name/preview", 200)]


NAV_WORD = {"en": "Log in", "nl": "Inloggen", "fr": "Connexion"}


@pytest.mark.parametrize("code", ["en", *TRANSLATED])
@pytest.mark.parametrize("role", ["visitor", "learner", "coach", "author"])
def test_every_page_renders_in_every_language(app, client, people, role, code):
    coach, author, learner, cohort, submission_id = people
    if role != "visitor":
        login(client, {"learner": learner, "coach": coach, "author": author}[role])
    english = set()
    for path, status in pages_of(role, cohort.id, learner.id, submission_id):
        response = client.get(path, headers={"Accept-Language": code})
        assert response.status_code == status, path
        assert f'<html lang="{code}">' in response.text, path
        english.add("Exercises" in response.text or "Log in" in response.text)
    if code != "en":
        assert english == {False}, "English words of the site's frame on a translated page"


def test_a_dutch_browser_gets_dutch_and_an_unknown_language_english(client):
    assert '<html lang="nl">' in client.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"}).text
    assert '<html lang="fr">' in client.get("/login", headers={"Accept-Language": "fr-BE"}).text
    for garbage in ("xx", "de-DE", "*", ";;;q=x", "zz;q=abc", "\u00e9\u00e9"):
        response = client.get("/login", headers={"Accept-Language": garbage})
        assert response.status_code == 200
        assert '<html lang="en">' in response.text


def test_the_switcher_keeps_a_visitors_choice_in_the_session(client):
    response = client.post("/language", data={"language": "fr", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="fr">' in client.get("/login", headers={"Accept-Language": "nl"}).text
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/\tevil"):
        answer = client.post("/language", data={"language": "klingon", "next": evil})
        assert answer.status_code == 302 and answer.headers["Location"] == "/", evil
    assert '<html lang="fr">' in client.get("/login").text  # an unknown language changes nothing
    assert client.get("/login?next=/%5Cevil.example").status_code == 200


def test_the_switcher_keeps_a_users_choice_on_the_profile(app, client):
    learner = make_user(app)
    login(client, learner)
    assert client.post("/language", data={"language": "nl", "next": "/"}).headers["Location"] == "/"
    with sessions(app).begin() as session:
        assert session.get(User, learner.id).language == "nl"
    fresh = app.test_client()
    login(fresh, learner)
    assert '<html lang="nl">' in fresh.get("/", headers={"Accept-Language": "fr"}).text


def test_the_api_answers_in_the_owners_language_or_the_one_asked(app, client):
    learner = make_user(app)
    with sessions(app).begin() as session:
        session.get(User, learner.id).language = "fr"
    headers = {"Authorization": f"Bearer {make_token(app, learner)}"}
    empty = {"files": {"hello.py": "   "}}
    french = client.post("/api/v1/exercises/hello-name/submissions", json=empty, headers=headers).json["message"]
    dutch = client.post(
        "/api/v1/exercises/hello-name/submissions", json=empty, headers={**headers, "Accept-Language": "nl"}
    ).json["message"]
    english = client.post(
        "/api/v1/exercises/hello-name/submissions", json=empty, headers={**headers, "Accept-Language": "en"}
    ).json["message"]
    assert english == "Your submission is empty: write or upload your code first."
    assert len({french, dutch, english}) == 3


def test_a_learner_reads_the_statement_and_hints_in_their_language(app, client, people):
    _coach, _author, learner, _cohort, submission_id = people
    login(client, learner)
    statement_nl = (PROJECT_ROOT / "exercises" / "hello-name" / "statement.nl.md").read_text().splitlines()[0]
    page = client.get("/exercises/hello-name", headers={"Accept-Language": "nl"}).text
    assert statement_nl.lstrip("# ") in page and "not translated" not in page
    result = client.get(f"/submissions/{submission_id}", headers={"Accept-Language": "nl"}).text
    assert "Gebruik return, niet print" in result
    untranslated = client.get("/exercises/bank-account", headers={"Accept-Language": "fr"}).text
    assert 'class="meta untranslated"' in untranslated and '<article class="statement" lang="en">' in untranslated


def test_times_and_days_follow_the_cohorts_time_zone(app, client):
    coach, learner = make_user(app, role="coach"), make_user(app)
    make_cohort(app, coach, start=date(2026, 11, 2), learners=[learner])
    # 23:30 UTC on Tuesday 3 November is 00:30 on Wednesday 4 November in Brussels.
    submission_id = record_submission(app, learner, "hello-name", datetime(2026, 11, 3, 23, 30))
    with sessions(app).begin() as session:
        assert session.scalars(select(ScoreGain.day).where(ScoreGain.user_id == learner.id)).all() == [
            date(2026, 11, 4)
        ]
        assert session.get(Submission, submission_id).created_at.hour == 23  # stored in UTC
    login(client, learner)
    page = client.get("/exercises/hello-name", headers={"Accept-Language": "nl"}).text
    assert "wo 4 nov, 00:30" in page


def test_a_cohort_time_zone_must_exist(app):
    from grader.people.cohorts import CohortError, create_cohort

    coach = make_user(app, role="coach")
    with sessions(app).begin() as session, pytest.raises(CohortError):
        create_cohort(
            session,
            name="x",
            start_date=date(2026, 11, 2),
            coach=session.merge(coach),
            working_days=[1],
            time_zone="Europe/Atlantis",
        )
    with sessions(app).begin() as session:
        assert session.scalar(select(Cohort.time_zone).limit(1)) is None


def test_grader_messages_are_english_on_the_command_line():
    assert str(say("Welcome, %(name)s", name="Amina")) == "Welcome, Amina"


def test_the_translated_statements_and_hints_are_read(tmp_path):
    import shutil

    from grader.authoring.reader import read_exercise
    from grader.authoring.spec import ExerciseInvalid

    folder = tmp_path / "hello-name"
    shutil.copytree(PROJECT_ROOT / "exercises" / "hello-name", folder)
    spec = read_exercise(folder)
    assert set(spec.translations) == {"nl", "fr"} and spec.translations["nl"]["title"]
    assert all(set(entry["hints"]) == {"nl", "fr"} for entry in spec.manifest if entry["hint"])
    (folder / "statement.de.md").write_text("# Hallo\n")
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace('hint_nl = "', 'hint_xx = "', 1) + 'title_de = "Hallo"\n')
    with pytest.raises(ExerciseInvalid) as raised:
        read_exercise(folder)
    text = "\n".join(str(problem) for problem in raised.value.problems)
    assert f"{folder / 'statement.de.md'}:1: 'de' is not a language the site offers" in text
    assert "'title_de' translates into 'de', which is not offered" in text
    assert "'hint_xx' translates into 'xx', which is not offered" in text


def test_a_hint_translation_without_an_english_hint_is_refused(tmp_path):
    import shutil

    from grader.authoring.reader import read_exercise
    from grader.authoring.spec import ExerciseInvalid

    folder = tmp_path / "hello-name"
    shutil.copytree(PROJECT_ROOT / "exercises" / "hello-name", folder)
    toml = folder / "exercise.toml"
    toml.write_text(re.sub(r'(?m)^hint = ".*"\n', "", toml.read_text(), count=1))
    with pytest.raises(ExerciseInvalid) as raised:
        read_exercise(folder)
    assert "has hint_nl but no hint in English" in "\n".join(str(problem) for problem in raised.value.problems)
