from fizzbuzz import fizzbuzz


def test_up_to_fifteen():
    """Works up to 15, where the first FizzBuzz comes."""
    expected = ["1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8", "Fizz", "Buzz", "11", "Fizz", "13", "14", "FizzBuzz"]
    assert fizzbuzz(15) == expected


def test_zero():
    """Returns an empty list for 0."""
    assert fizzbuzz(0) == []


def test_numbers_are_text():
    """Numbers are in the list as text."""
    assert fizzbuzz(2) == ["1", "2"]
