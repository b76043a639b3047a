from top_three import top_three


def test_five_scores():
    """top_three([40, 95, 70, 88, 12]) returns [95, 88, 70]."""
    assert top_three([40, 95, 70, 88, 12]) == [95, 88, 70], (
        "top_three([40, 95, 70, 88, 12]) should return [95, 88, 70]"
    )
