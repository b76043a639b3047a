class TodoList:
    def __init__(self):
        self.tasks = []
        self.done = []

    def add(self, task):
        self.tasks.append(task)

    def complete(self, task):
        if task not in self.tasks:
            raise ValueError(f"unknown task: {task}")
        if task not in self.done:
            self.done.append(task)

    def pending(self):
        return [task for task in self.tasks if task not in self.done]

    def progress(self):
        return f"{len(self.done)} of {len(self.tasks)} done"
