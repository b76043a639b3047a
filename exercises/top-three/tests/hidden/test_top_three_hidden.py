from top_three import top_three


def test_fewer_than_three():
    """With fewer than three scores, all of them come back, biggest first."""
    assert top_three([5, 20]) == [20, 5]
    assert top_three([7]) == [7]


def test_equal_scores():
    """Equal scores are all kept."""
    assert top_three([90, 60, 90, 75]) == [90, 90, 75]


def test_empty_list():
    """No scores gives an empty list."""
    assert top_three([]) == []
