"""Objects across the boundary, in real Docker: what tests may do with the learner's objects; what hostile code gets."""

from dataclasses import replace

import pytest

from grader.models import Outcome, TestStatus
from sandbox.limits import LONGEST_WALL_SECONDS
from tests.test_adversarial import HIDDEN_MARKER, LIMITS, grade

pytestmark = pytest.mark.integration


def run_tests(code: str, tests: str, limits=LIMITS):
    """Grade the learner's code (as adder.py) against one visible test file written for the case."""
    return grade(code, tests={"visible/test_case.py": tests}, limits=limits)


def outcome_and_messages(code: str, tests: str):
    _, verdict = run_tests(code, tests)
    return verdict, {test.name: (test.status, test.message) for test in verdict.tests}


ACCOUNT = """
class NotEnoughMoney(ValueError):
    def __init__(self, needed):
        super().__init__(f"you need {needed} more")
        self.needed = needed

class Account:
    count = 0
    def __init__(self, balance=0):
        self.balance = balance
        Account.count += 1
    @classmethod
    def opened(cls):
        return cls.count
    @staticmethod
    def fee(amount):
        return round(amount * 0.01, 2)
    @property
    def rich(self):
        return self.balance > 1000
    def withdraw(self, amount):
        if amount > self.balance:
            raise NotEnoughMoney(amount - self.balance)
        self.balance -= amount
        return self
    def __eq__(self, other):
        return isinstance(other, Account) and other.balance == self.balance
    def __hash__(self):
        return hash(self.balance)
    def __lt__(self, other):
        return self.balance < other.balance
    def __add__(self, other):
        return Account(self.balance + other.balance)
    def __len__(self):
        return self.balance
    def __iter__(self):
        return iter(range(self.balance))
    def __contains__(self, amount):
        return 0 <= amount <= self.balance
    def __getitem__(self, key):
        return key * 2
    def __str__(self):
        return f"Account with {self.balance}"
    def __enter__(self):
        self.balance += 1
        return self
    def __exit__(self, *details):
        self.balance -= 1
        return False

def numbers(limit):
    for number in range(limit):
        yield number

def twice(action, value):
    return action(action(value))

def add(a, b):
    return a + b
"""


def test_a_class_and_its_objects_are_usable_through_handles(docker_client):
    tests = """
import pytest
from adder import Account, NotEnoughMoney, numbers, twice

def test_objects():
    account = Account(10)
    assert account.balance == 10 and account.rich is False
    account.balance = 2000
    assert account.rich is True and account.withdraw(1000) is account
    assert Account.fee(250) == 2.5 and Account.opened() == 1
    assert isinstance(account, Account) and not isinstance(3, Account)
    assert Account(5) == Account(5) and Account(5) != Account(6) and Account(1) < Account(2)
    assert (Account(1) + Account(2)).balance == 3
    assert len(Account(3)) == 3 and list(Account(3)) == [0, 1, 2] and 2 in Account(3)
    assert Account(1)[21] == 42 and str(Account(4)) == "Account with 4" and f"{Account(4)}" == "Account with 4"
    assert len({Account(7), Account(7)}) == 1
    with Account(1) as inside:
        assert inside.balance == 2

def test_exceptions_of_the_learners_own_kind():
    with pytest.raises(NotEnoughMoney, match="you need 5 more") as raised:
        Account(1).withdraw(6)
    assert isinstance(raised.value, ValueError) and raised.value.needed == 5
    with pytest.raises(ValueError):
        Account(0).withdraw(1)

def test_generators_and_callbacks():
    assert list(numbers(3)) == [0, 1, 2]
    counting = numbers(2)
    assert next(counting) == 0 and next(counting) == 1
    with pytest.raises(StopIteration):
        next(counting)
    assert twice(lambda x: x * 3, 2) == 18
"""
    verdict, tests = outcome_and_messages(ACCOUNT, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_mutation_of_what_a_test_passes_is_seen_by_the_test(docker_client):
    code = (
        "def fill(items, mapping, seen):\n"
        "    items.append(len(items))\n"
        "    items[0].append('inner')\n"
        "    mapping['new'] = items[0]\n"
        "    seen.add(3)\n"
        "    return items\n"
    )
    tests = """
from adder import fill

def test_in_place():
    inner = []
    items, mapping, seen = [inner], {}, set()
    returned = fill(items, mapping, seen)
    assert items == [["inner"], 1] and inner == ["inner"]
    assert mapping == {"new": ["inner"]} and mapping["new"] is inner
    assert seen == {3} and returned is items
"""
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_an_object_where_a_plain_value_is_expected_is_named(docker_client):
    code = "class Result:\n    def __bool__(self):\n        return True\n\ndef add(a, b):\n    return Result()\n"
    tests = "from adder import add\n\ndef test_equal():\n    assert add(2, 3) == 5\n\n"
    tests += "def test_truth():\n    assert add(2, 3)\n"
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert tests["equal"][0] == TestStatus.FAILED and "a Result object from your code" in tests["equal"][1]
    assert tests["truth"][0] == TestStatus.FAILED and "used as true or false" in tests["truth"][1]


def test_a_learners_eq_must_answer_true_or_false(docker_client):
    code = (
        "class Vague:\n    def __eq__(self, other):\n        return 'maybe'\n    __hash__ = object.__hash__\n\n"
        "class Loud:\n    def __eq__(self, other):\n        raise RuntimeError('no comparing')\n"
        "    __hash__ = object.__hash__\n"
    )
    tests = (
        "from adder import Loud, Vague\n\n"
        "def test_vague():\n    assert Vague() == Vague()\n\n"
        "def test_loud():\n    assert Loud() == Loud()\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert "not True or False" in tests["vague"][1]
    assert "no comparing" in tests["loud"][1]


def test_a_dunder_that_never_returns_is_a_timeout(docker_client):
    code = "class Slow:\n    def __len__(self):\n        while True:\n            pass\n"
    verdict, _ = outcome_and_messages(code, "from adder import Slow\n\ndef test_len():\n    assert len(Slow()) == 1\n")
    assert verdict.outcome == Outcome.TIMEOUT


def test_a_generator_that_never_ends_is_a_timeout(docker_client):
    code = "def forever():\n    while True:\n        yield 1\n"
    verdict, _ = outcome_and_messages(
        code, "from adder import forever\n\ndef test_all():\n    assert list(forever())\n"
    )
    assert verdict.outcome == Outcome.TIMEOUT


def test_an_object_graph_too_large_to_send_fails_the_test(docker_client):
    code = "def many():\n    return list(range(300_000))\n\ndef huge():\n    return 'x' * 20_000_000\n"
    tests = (
        "from adder import huge, many\n\ndef test_many():\n    assert many()\n\ndef test_huge():\n    assert huge()\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert "too many values" in tests["many"][1] and "too large" in tests["huge"][1]


def test_callbacks_calling_back_too_deep_are_stopped(docker_client):
    code = "def bounce(action, depth):\n    return action(depth + 1)\n"
    tests = (
        "from adder import bounce\n\n"
        "def test_ping_pong():\n"
        "    def again(depth):\n        return bounce(again, depth)\n"
        "    assert bounce(again, 0) == 0\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert "more than 40 deep" in tests["ping pong"][1]


def test_a_callback_kept_after_its_test_is_refused(docker_client):
    code = (
        "kept = None\n"
        "def keep(action):\n    global kept\n    kept = action\n    return 'kept'\n"
        "def call_kept():\n"
        "    try:\n        kept()\n    except TypeError as error:\n        return 'refused: ' + str(error)\n"
        "    return 'called'\n"
    )
    tests = (
        "from adder import call_kept, keep\n\n"
        "def test_a_give():\n    assert keep(lambda: 42) == 'kept'\n\n"
        "def test_b_later():\n    assert call_kept().startswith('refused')\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_what_a_test_lends_cannot_lead_to_its_globals(docker_client):
    code = (
        "def peek(lent):\n"
        "    found = []\n"
        "    for path in ('gi_frame', 'gi_code', '__globals__', '_secret', 'f_globals'):\n"
        "        try:\n"
        "            found.append(repr(getattr(lent, path)))\n"
        "        except Exception as error:\n"
        "            found.append(type(error).__name__)\n"
        "    try:\n"
        "        found.append(repr(lent.gi_frame.f_globals))\n"
        "    except Exception as error:\n"
        "        found.append(type(error).__name__)\n"
        "    return ' '.join(found)\n"
    )
    tests = (
        f"SECRET = '{HIDDEN_MARKER}'\n"
        "from adder import peek\n\n"
        "def numbers():\n    yield SECRET\n\n"
        "def helper():\n    return SECRET\n\n"
        "def test_generator():\n    assert 'expected' not in peek(numbers())\n\n"
        "def test_function():\n    assert 'expected' not in peek(helper)\n"
    )
    raw, verdict = run_tests(code, tests)
    assert verdict.outcome == Outcome.PASSED, verdict
    assert HIDDEN_MARKER not in raw.output


def test_forged_answers_and_references_never_pass(docker_client):
    # The learner's code finds its own end of the channel in its frames and answers for itself.
    forge = (
        "import sys\n"
        "def find_end():\n"
        "    frame = sys._getframe()\n"
        "    while frame:\n"
        "        end = frame.f_locals.get('self')\n"
        "        if hasattr(end, 'connection'):\n"
        "            return end\n"
        "        frame = frame.f_back\n"
        "def add(a, b):\n"
        "    end = find_end()\n"
        "    answer = {'re': end_request_id(end), 'ok': True, 'value': {'$ref': 1, 'of': 'T'}, 'back': []}\n"
        "    end.connection.send(answer)\n"
        "    end.connection.send({'re': 999, 'ok': True, 'value': 5, 'back': []})\n"
        "    return a - b\n"
        "def end_request_id(end):\n"
        "    return 1\n"
    )
    _, verdict = grade(forge)
    assert verdict.outcome != Outcome.PASSED and verdict.score() == 0.0


def test_ten_thousand_calls_across_the_boundary_all_answer(docker_client):
    code = "def add(a, b):\n    return a + b\n"
    tests = (
        "from adder import add\n\n"
        "def test_many_calls():\n"
        "    total = 0\n"
        "    for number in range(10_000):\n"
        "        total = add(total, number)\n"
        "    assert total == sum(range(10_000))\n"
    )
    # Under the longest limit an author may set: this proves that every call answers, not how fast, which is
    # benchmarks/boundary.py's figure beside its floor (about 2 s for these calls). A 5 s limit, container start
    # included, failed here on a busy machine.
    _, verdict = run_tests(code, tests, replace(LIMITS, wall_seconds=LONGEST_WALL_SECONDS))
    assert verdict.outcome == Outcome.PASSED, verdict.outcome


def test_a_failed_check_in_a_callback_fails_the_test_even_when_caught(docker_client):
    code = "def apply(action, value):\n    try:\n        return action(value)\n"
    code += "    except BaseException:\n        return None\n"
    tests = (
        "from adder import apply\n\n"
        "def test_checked():\n"
        "    def check(value):\n        assert value == 3\n"
        "    apply(check, 5)\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert "in a function the test gave your code" in tests["checked"][1]


def test_threads_of_a_test_take_turns_on_the_channel(docker_client):
    code = (
        "class Account:\n    def __init__(self):\n        self.balance = 0\n"
        "    def deposit(self, amount):\n        self.balance += amount\n"
    )
    tests = (
        "import threading\nfrom adder import Account\n\n"
        "def test_concurrent_deposits():\n"
        "    account = Account()\n"
        "    threads = [threading.Thread(target=account.deposit, args=(1,)) for _ in range(50)]\n"
        "    for thread in threads:\n        thread.start()\n"
        "    for thread in threads:\n        thread.join()\n"
        "    assert account.balance == 50\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_a_refused_loan_leaves_nothing_to_guess(docker_client):
    # Asking for a generator's frame is refused; the next reference number must not name that frame.
    code = (
        "def total(numbers):\n"
        "    try:\n        numbers.gi_frame\n    except Exception:\n        pass\n"
        "    guess = type(numbers)(numbers._r_end, numbers._r_ref + 1, 'frame', 'object')\n"
        "    try:\n        guess.f_builtins['exec']('import sys')\n    except Exception as error:\n"
        "        return 'refused: ' + type(error).__name__\n"
        "    return 'reached the tests'\n"
    )
    tests = "from adder import total\n\ndef test_sum():\n    assert total(x for x in [1, 2, 3]).startswith('refused')\n"
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_format_strings_and_paths_lead_nowhere(docker_client):
    code = (
        "def spy(action, other):\n"
        "    try:\n        return action.format('{0.__globals__}', other)\n"
        "    except Exception as error:\n        return 'refused: ' + type(error).__name__\n"
        "def lines(path):\n    return len(list(path.joinpath('/tmp/tests').glob('**/*.py')))\n"
    )
    tests = (
        f"SECRET = '{HIDDEN_MARKER}'\n"
        "from adder import lines, spy\n\n"
        "def test_format():\n    assert 'expected-value' not in spy(str, lambda: SECRET)\n\n"
        "def test_path(tmp_path):\n    assert lines(tmp_path) == 0\n"
    )
    raw, verdict = run_tests(code, tests)
    messages = {test.name: (test.status, test.message) for test in verdict.tests}
    assert messages["format"][0] == TestStatus.PASSED, messages
    assert messages["path"][0] != TestStatus.PASSED and "cannot be passed to your code" in messages["path"][1]
    assert HIDDEN_MARKER not in raw.output


def test_a_learners_exit_cannot_hide_a_failed_check(docker_client):
    code = "class Quiet:\n    def __enter__(self):\n        return 'wrong'\n    def __exit__(self, *details):\n"
    code += "        return True\n"
    tests = "from adder import Quiet\n\ndef test_inside():\n"
    tests += "    with Quiet() as value:\n        assert value == 'right'\n"
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED and tests["inside"][0] == TestStatus.FAILED


def test_a_flood_of_requests_cannot_hold_the_tests_past_the_deadline(docker_client):
    code = (
        "import sys, time\n"
        "def add(a, b):\n"
        "    frame = sys._getframe()\n"
        "    while frame and not hasattr(frame.f_locals.get('self'), 'connection'):\n"
        "        frame = frame.f_back\n"
        "    end = frame.f_locals['self']\n"
        "    for number in range(100_000):\n"
        "        end.connection.send({'id': 10**6 + number, 'op': 'nope', 'args': [1], 'kwargs': {}})\n"
        "    time.sleep(3600)\n"
    )
    raw, verdict = grade(code)
    assert verdict.outcome == Outcome.TIMEOUT
    assert raw.report is not None and raw.report.get("call_timeout") is True  # the tests' side reported in time


def test_comparisons_with_plain_values_stay_the_tests_own(docker_client):
    code = (
        "class Zero:\n"
        "    def __sub__(self, other):\n        return 0.0\n"
        "    __rsub__ = __sub__\n"
        "    def __lt__(self, other):\n        return True\n"
        "    __gt__ = __le__ = __ge__ = __lt__\n"
        "def area():\n    return Zero()\n"
    )
    tests = (
        "import pytest\nfrom adder import area\n\n"
        "def test_close():\n    assert abs(area() - 7.0) < 1e-9\n\n"
        "def test_between():\n    assert 6.9 < area() <= 7.1\n\n"
        "def test_approx():\n    assert area() == pytest.approx(7.0)\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert all(status == TestStatus.FAILED for status, _ in tests.values()), tests


def test_library_values_cross_as_values(docker_client):
    code = (
        "import collections, datetime, decimal, fractions, json\n"
        "Point = collections.namedtuple('Point', 'x y')\n"
        "def later(moment):\n    return moment + datetime.timedelta(seconds=10**9)\n"
        "def money():\n    return decimal.Decimal('1.10')\n"
        "def half():\n    return fractions.Fraction(1, 2)\n"
        "def words(text):\n    return collections.Counter(text.split())\n"
        "def point():\n    return Point(1, 2)\n"
        "def big():\n    return 2 ** 20_000\n"
        "def parse(text):\n    return json.loads(text)\n"
    )
    tests = (
        "import datetime, decimal, fractions, json\nimport pytest\nfrom adder import *\n\n"
        "def test_values():\n"
        "    assert later(datetime.datetime(2011, 4, 25)) == datetime.datetime(2043, 1, 1, 1, 46, 40)\n"
        "    assert money() == decimal.Decimal('1.10') and half() == fractions.Fraction(1, 2)\n"
        "    assert words('a b a') == {'a': 2, 'b': 1}\n"
        "    assert point() == (1, 2) and point().y == 2\n"
        "    assert big() == 2 ** 20_000\n"
        "    with pytest.raises(json.JSONDecodeError):\n        parse('{')\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_what_a_fixture_lends_stays_lent_for_every_test(docker_client):
    code = "def call(action):\n    return action()\n"
    tests = (
        "import pytest\nfrom adder import call\n\n"
        "@pytest.fixture(scope='module')\ndef answer():\n    return lambda: 42\n\n"
        "def test_first(answer):\n    assert call(answer) == 42\n\n"
        "def test_second(answer):\n    assert call(answer) == 42\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_what_real_tracks_do_works(docker_client):
    code = (
        "class Node:\n    def __init__(self, data, left=None):\n        self.data, self.left = data, left\n"
        "def tree():\n    return Node(2, Node(1))\n"
        "def call(action):\n    return action()\n"
        "def use(manager):\n    with manager:\n        return 'inside'\n"
        "def read(name):\n    return open(name).read()\n"
    )
    tests = (
        "import unittest\nfrom unittest import mock\nfrom adder import Node, call, read, tree, use\n\n"
        "class Halt(Exception):\n    pass\n\n"
        "class TrackTest(unittest.TestCase):\n"
        "    def test_truth_of_plain_objects(self):\n"
        "        root = tree()\n"
        "        self.assertTrue(root.left and root.left.data == 1)\n"
        "    def test_the_tests_own_exception_comes_back(self):\n"
        "        def halt():\n            raise Halt('stop here')\n"
        "        with self.assertRaises(Halt):\n            call(halt)\n"
        "    def test_a_mock_as_context_manager(self):\n"
        "        manager = mock.MagicMock()\n"
        "        self.assertEqual(use(manager), 'inside')\n"
        "        manager.__enter__.assert_called_once_with()\n"
        "    def test_a_missing_file_is_named(self):\n"
        "        with self.assertRaises(FileNotFoundError) as raised:\n            read('missing.txt')\n"
        "        self.assertEqual(raised.exception.filename, 'missing.txt')\n"
        "    def test_an_object_is_not_a_number(self):\n"
        "        with self.assertRaisesRegex(AssertionError, 'a Node object from your code != 2'):\n"
        "            self.assertEqual(tree(), 2)\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.PASSED, tests


def test_second_round_of_cheats_fails(docker_client):
    code = (
        "import builtins\n"
        "class Area:\n"
        "    def __sub__(self, other):\n        return False\n"
        "    __rsub__ = __sub__\n"
        "def area():\n    return Area()\n"
        "class Done(Exception):\n    pass\n"
        "Done.__module__, Done.__qualname__ = 'builtins', 'StopIteration'\n"
        "def is_prime(number):\n    raise Done()\n"
        "class Resource:\n"
        "    def __enter__(self):\n        return self\n"
        "    def __exit__(self, *details):\n        return True\n"
        "    def value(self):\n        raise RuntimeError('never mind')\n"
        "def tweak(listener):\n    listener.configure_mock(called=False)\n"
    )
    tests = (
        "from unittest import mock\nfrom adder import Resource, area, is_prime, tweak\n\n"
        "def test_close():\n    assert abs(area() - 7.0) < 1e-9\n\n"
        "def test_primes():\n    assert all(map(is_prime, [2, 3, 4]))\n\n"
        "def test_block():\n    with Resource() as resource:\n        assert resource.value() == 42\n\n"
        "def test_mock():\n    listener = mock.Mock()\n    tweak(listener)\n    assert listener.called is False\n"
    )
    verdict, tests = outcome_and_messages(code, tests)
    assert verdict.outcome == Outcome.FAILED
    assert all(status == TestStatus.FAILED for status, _ in tests.values()), tests
