from word_count import count_words


def test_cat_and_dog():
    """count_words("the cat and the dog") counts "the" twice."""
    expected = {"the": 2, "cat": 1, "and": 1, "dog": 1}
    assert count_words("the cat and the dog") == expected, (
        "count_words('the cat and the dog') should return {'the': 2, 'cat': 1, 'and': 1, 'dog': 1}"
    )
