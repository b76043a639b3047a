from report import class_report


def test_empty_class():
    """A class with no students gives 0 students, no averages and no best student."""
    assert class_report({}) == {"students": 0, "averages": {}, "best": None}


def test_rounds_to_one_decimal():
    """Averages are rounded to 1 decimal."""
    report = class_report({"Farah": [7, 8, 8], "Gil": [5, 6, 6]})
    assert report["averages"] == {"Farah": 7.7, "Gil": 5.7}
    assert report["best"] == "Farah"


def test_tie_first_wins():
    """When two students share the best average, the first one is the best."""
    report = class_report({"Hana": [6], "Ivo": [9, 7], "Jon": [8]})
    assert report["best"] == "Ivo"
    assert report["students"] == 3


def test_one_student():
    """A class with one student: that student is the best."""
    assert class_report({"Kim": [3, 4]}) == {"students": 1, "averages": {"Kim": 3.5}, "best": "Kim"}
