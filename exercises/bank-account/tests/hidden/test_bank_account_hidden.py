import pytest

from bank_account import BankAccount


def test_withdraw_takes_money():
    """withdraw() takes money away from the balance."""
    account = BankAccount("Chloé", 100)
    account.withdraw(30)
    assert account.balance == 70
    account.withdraw(70)
    assert account.balance == 0


def test_withdraw_too_much():
    """Taking out more than the balance raises ValueError and changes nothing."""
    account = BankAccount("Chloé", 70)
    with pytest.raises(ValueError):
        account.withdraw(71)
    assert account.balance == 70


def test_amount_must_be_more_than_zero():
    """Amounts of 0 or less raise ValueError and change nothing."""
    account = BankAccount("Dmitri", 40)
    with pytest.raises(ValueError):
        account.deposit(0)
    with pytest.raises(ValueError):
        account.deposit(-5)
    with pytest.raises(ValueError):
        account.withdraw(0)
    with pytest.raises(ValueError):
        account.withdraw(-5)
    assert account.balance == 40


def test_each_account_has_its_own_money():
    """Two accounts keep their own balance."""
    first = BankAccount("Ann", 50)
    second = BankAccount("Bob")
    first.deposit(10)
    second.deposit(5)
    assert first.balance == 60
    assert second.balance == 5
