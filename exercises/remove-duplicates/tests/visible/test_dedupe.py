from dedupe import remove_duplicates


def test_numbers():
    """remove_duplicates([3, 1, 3, 2, 1]) returns [3, 1, 2]."""
    assert remove_duplicates([3, 1, 3, 2, 1]) == [3, 1, 2], (
        "remove_duplicates([3, 1, 3, 2, 1]) should return [3, 1, 2]"
    )


def test_words():
    """Works with words too."""
    assert remove_duplicates(["tea", "milk", "tea"]) == ["tea", "milk"], (
        "remove_duplicates(['tea', 'milk', 'tea']) should return ['tea', 'milk']"
    )
