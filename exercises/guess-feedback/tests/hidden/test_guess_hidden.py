from grading import run_program


def test_right_first_time():
    """A right first guess prints only the correct message."""
    printed = run_program("guess", stdin="7\n7\n")
    assert "Correct! Guesses: 1" in printed
    assert "Too" not in printed


def test_compares_numbers():
    """Compares the guesses as numbers, not as text."""
    printed = run_program("guess", stdin="10\n9\n100\n10\n")
    assert printed.index("Too low!") < printed.index("Too high!")
    assert "Correct! Guesses: 3" in printed


def test_stops_when_correct():
    """Stops asking once the guess is right."""
    printed = run_program("guess", stdin="5\n5\n1\n9\n")
    assert printed.count("Correct!") == 1
    assert "Too" not in printed


def test_counts_the_guesses():
    """Counts every guess, the right one too."""
    printed = run_program("guess", stdin="3\n1\n2\n4\n5\n3\n")
    assert printed.count("Too low!") == 2
    assert printed.count("Too high!") == 2
    assert "Correct! Guesses: 5" in printed
