from grading import run_program


def test_three_guesses():
    """Secret 42, guesses 50, 30, 42: too high, too low, then correct after 3 guesses."""
    printed = run_program("guess", stdin="42\n50\n30\n42\n")
    assert "Too high!" in printed, "after the guess 50 (secret 42) it should print 'Too high!'"
    assert "Too low!" in printed, "after the guess 30 (secret 42) it should print 'Too low!'"
    assert "Correct! Guesses: 3" in printed, "after the guess 42 it should print 'Correct! Guesses: 3'"
