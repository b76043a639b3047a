# The two commands: `make run` starts the whole system, `make test` runs every test.
# Both install what is missing first (on Debian as root) and say what to install elsewhere.

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

TRANSLATIONS := web/translations

.PHONY: run test test-hosts lint format services image clean wipe-data translations catalogs

run: $(INSTALLED) image catalogs
	$(BIN)/autograder run

# The tests about data (schema, backups, grading, progress, health, access, lifecycle, fairness, and the faults about
# the database; the faults that kill dockerd or Redis run on SQLite only) run a second time, on PostgreSQL, with the
# workers on two hosts (test_hosts.py, which needs PostgreSQL as production does): each test
# makes a database of its own there, as the role of TEST_DATABASE_URL, which ensure-services makes if missing.
TEST_DATABASE_URL ?= postgresql+psycopg://autograder:autograder@127.0.0.1:5432/autograder
POSTGRES_TESTS := tests/test_schema.py tests/test_database_outage.py tests/test_backup.py tests/test_reader.py \
  tests/test_grading.py tests/test_progress.py tests/test_health.py tests/test_access.py tests/test_lifecycle.py \
  tests/test_fairness.py tests/test_turns.py tests/test_hosts.py \
  tests/test_faults.py::test_worker_killed_mid_grading tests/test_faults.py::test_database_briefly_locked \
  tests/test_faults.py::test_a_job_delivered_twice_is_graded_once \
  tests/test_faults.py::test_regrade_reaches_submissions_still_running

test: $(INSTALLED) image lint catalogs
	@AUTOGRADER_TEST_DATABASE_URL=$(TEST_DATABASE_URL) scripts/ensure-services.sh --gvisor --chromium --postgres --compose
	env -u AUTOGRADER_TEST_DATABASE_URL $(BIN)/pytest --durations=15
	@echo "--- the tests about data again, on PostgreSQL ---"
	AUTOGRADER_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest --durations=10 $(POSTGRES_TESTS)
	$(BIN)/autograder exercises check
	@echo "--- soak: submissions under faults; fails if one is lost, stuck or graded twice ---"
	$(BIN)/python benchmarks/soak.py --submissions 50 --learners 10
	@echo "--- benchmarks (they report; they do not fail) ---"
	$(BIN)/python benchmarks/progress.py --requests 20
	$(BIN)/python benchmarks/grading.py --runs 6
	$(BIN)/python benchmarks/boundary.py --runs 2

# Only the workers on two hosts (a second Docker daemon stands in for the second host), sharing one PostgreSQL.
test-hosts: $(INSTALLED) image
	@AUTOGRADER_TEST_DATABASE_URL=$(TEST_DATABASE_URL) scripts/ensure-services.sh --postgres
	AUTOGRADER_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest tests/test_hosts.py

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Compile the message catalogs the site reads (.po, kept in git, to .mo, made here; the tests do it too).
catalogs: $(INSTALLED)
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

# After changing texts of the site: extract them again and merge them into every catalog to translate.
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k say -k say_plural:1,2 -k _l -k lazy_gettext \
	  --project=autograder --no-wrap --sort-by-file -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-obsolete
	@echo "Now translate the new and changed entries in $(TRANSLATIONS)/*/LC_MESSAGES/messages.po"

services:
	@scripts/ensure-services.sh

image: services
	@sandbox/images/build.sh python

$(INSTALLED): pyproject.toml
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "error: Python 3.11 or newer is needed as python3"; exit 1; }
	@python3 -m venv $(VENV) || \
	  { echo "error: cannot create a virtual environment (Debian: apt-get install python3-venv)"; exit 1; }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

# Caches and the virtual environment only: instance/ (the database and the secret key) is data, never cleaned.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# Delete this checkout's data: instance/, with the embedded database and the secret key. Only with CONFIRM=1,
# and never while `autograder run` runs here. A database chosen with AUTOGRADER_DATABASE_URL is not touched.
wipe-data:
	@[ "$(CONFIRM)" = 1 ] || { echo "error: this deletes instance/: the database, every account and submission, and" \
	  "the secret key. To do so: make wipe-data CONFIRM=1" >&2; exit 1; }
	@for lock in instance/run-*.lock; do \
	  [ ! -e "$$lock" ] || ! command -v flock >/dev/null || flock -n "$$lock" true || \
	    { echo "error: autograder run is running on this data ($$lock is held): stop it first" >&2; exit 1; }; \
	done
	rm -rf instance
