from discount_cases import discount_cases


def test_cases_are_pairs_of_numbers():
    """discount_cases() returns a list of pairs (price, expected)."""
    cases = discount_cases()
    assert isinstance(cases, list), "discount_cases() should return a list"
    assert len(cases) > 0, "The list should hold at least one case"
    for case in cases:
        assert isinstance(case, (tuple, list)) and len(case) == 2, f"{case!r} should be a pair: (price, expected)"
        price, expected = case
        assert isinstance(price, (int, float)), f"The price in {case!r} should be a number"
        assert isinstance(expected, (int, float)), f"The expected value in {case!r} should be a number"


def test_has_a_small_price():
    """There is a case with a price under 100 (no discount)."""
    prices = [case[0] for case in discount_cases()]
    small = [price for price in prices if price < 100]
    assert len(small) > 0, "Add a case with a price under 100, for example (50, 50)"
