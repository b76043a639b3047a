from bank_account import BankAccount


def test_new_account():
    """A new account keeps its owner and starts at 0, or at the balance given."""
    account = BankAccount("Amina")
    assert account.owner == "Amina", "BankAccount('Amina').owner should be 'Amina'"
    assert account.balance == 0, "A new account without a balance should start at 0"
    rich = BankAccount("Bram", 50)
    assert rich.balance == 50, "BankAccount('Bram', 50).balance should be 50"


def test_deposit_adds_money():
    """deposit(100) on an empty account makes the balance 100."""
    account = BankAccount("Amina")
    account.deposit(100)
    assert account.balance == 100, "After deposit(100) the balance should be 100"
    account.deposit(25)
    assert account.balance == 125, "After another deposit(25) the balance should be 125"
