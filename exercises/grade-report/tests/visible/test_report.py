from report import class_report


def test_three_students():
    """A class of three students, with Amina the best."""
    marks = {"Amina": [8, 9, 10], "Bram": [6, 7], "Chloé": [9, 7]}
    expected = {
        "students": 3,
        "averages": {"Amina": 9.0, "Bram": 6.5, "Chloé": 8.0},
        "best": "Amina",
    }
    assert class_report(marks) == expected, "see the example in the statement: the report should match it"


def test_averages_part():
    """The "averages" part has the average mark of each student."""
    report = class_report({"Dmitri": [4, 6], "Eva": [10]})
    assert report["averages"] == {"Dmitri": 5.0, "Eva": 10.0}, (
        "the averages should be {'Dmitri': 5.0, 'Eva': 10.0}"
    )
