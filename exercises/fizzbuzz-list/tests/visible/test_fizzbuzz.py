from fizzbuzz import fizzbuzz


def test_up_to_five():
    """fizzbuzz(5) returns ['1', '2', 'Fizz', '4', 'Buzz']."""
    assert fizzbuzz(5) == ["1", "2", "Fizz", "4", "Buzz"], "fizzbuzz(5) should return ['1', '2', 'Fizz', '4', 'Buzz']"
