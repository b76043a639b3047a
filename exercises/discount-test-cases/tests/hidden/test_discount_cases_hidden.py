import math

from discount_cases import discount_cases


def discount_price(price):
    """The correct version."""
    if price >= 500:
        return round(price * 0.8, 2)
    if price >= 100:
        return round(price * 0.9, 2)
    return price


def no_discount_at_100(price):
    if price >= 500:
        return round(price * 0.8, 2)
    if price > 100:
        return round(price * 0.9, 2)
    return price


def small_discount_at_500(price):
    if price > 500:
        return round(price * 0.8, 2)
    if price >= 100:
        return round(price * 0.9, 2)
    return price


def never_a_discount(price):
    return price


def always_ten_percent(price):
    if price >= 100:
        return round(price * 0.9, 2)
    return price


def discount_for_everyone(price):
    if price >= 500:
        return round(price * 0.8, 2)
    return round(price * 0.9, 2)


def returns_the_discount(price):
    if price >= 500:
        return round(price * 0.2, 2)
    if price >= 100:
        return round(price * 0.1, 2)
    return 0


def swapped_discounts(price):
    if price >= 500:
        return round(price * 0.9, 2)
    if price >= 100:
        return round(price * 0.8, 2)
    return price


def same(a, b):
    return math.isclose(a, b, rel_tol=0, abs_tol=0.001)


def right_cases():
    """The learner's cases whose expected value is right, after checking their form."""
    cases = discount_cases()
    assert isinstance(cases, list), "discount_cases() must return a list"
    right = []
    for case in cases:
        assert isinstance(case, (tuple, list)) and len(case) == 2, "each case must be a pair"
        price, expected = case
        assert type(price) in (int, float) and type(expected) in (int, float), "prices must be numbers"
        if same(discount_price(price), expected):
            right.append((price, expected))
    return right


def catches(broken):
    return any(not same(broken(price), expected) for price, expected in right_cases())


def test_every_expected_value_is_right():
    """Every expected value matches the real discount rule."""
    cases = discount_cases()
    assert len(cases) > 0
    assert len(right_cases()) == len(cases), "some expected values are wrong"


def test_catches_mistake_at_100():
    """Your cases find a version that gives no discount at exactly 100."""
    assert catches(no_discount_at_100)


def test_catches_mistake_at_500():
    """Your cases find a version that gives only 10% at exactly 500."""
    assert catches(small_discount_at_500)


def test_catches_wrong_discounts():
    """Your cases find versions with the wrong discount for a whole group of prices."""
    for broken in (never_a_discount, always_ten_percent, discount_for_everyone, returns_the_discount, swapped_discounts):
        assert catches(broken), f"your cases do not find the mistake in {broken.__name__}"
