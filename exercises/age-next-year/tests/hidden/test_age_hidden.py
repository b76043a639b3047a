from grading import run_program


def test_other_person():
    """Works for another name and age."""
    printed = run_program("age", stdin="Bram\n45\n")
    assert "Bram, next year you will be 46." in printed


def test_adds_a_number():
    """Adds 1 to the age as a number, not as text."""
    printed = run_program("age", stdin="Chloé\n9\n")
    assert "Chloé, next year you will be 10." in printed


def test_baby():
    """Works for a baby of 0 years."""
    printed = run_program("age", stdin="Noor\n0\n")
    assert "Noor, next year you will be 1." in printed
