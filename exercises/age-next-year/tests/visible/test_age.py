from grading import run_program


def test_amina_is_30():
    """When Amina types 30, the program says she will be 31 next year."""
    printed = run_program("age", stdin="Amina\n30\n")
    assert "Amina, next year you will be 31." in printed, "for Amina and 30 it should print 'Amina, next year you will be 31.'"
