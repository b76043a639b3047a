class BankAccount:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        # Raise ValueError if amount is 0 or less.
        # Then add amount to self.balance.
        pass

    def withdraw(self, amount):
        # Raise ValueError if amount is 0 or less,
        # or if amount is more than self.balance.
        # Then take amount away from self.balance.
        pass
