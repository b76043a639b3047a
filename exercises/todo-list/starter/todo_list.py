class TodoList:
    def __init__(self):
        # Make the lists you need here, for example: self.tasks = []
        pass

    def add(self, task):
        pass

    def complete(self, task):
        # Raise ValueError if the task was never added.
        pass

    def pending(self):
        # Return a list of the tasks that are not done yet.
        return []

    def progress(self):
        # Return a text like "1 of 3 done".
        pass
