from todo_list import TodoList


def test_new_tasks_are_pending():
    """Tasks you add are pending until you complete them."""
    todo = TodoList()
    todo.add("buy milk")
    todo.add("call mum")
    assert todo.pending() == ["buy milk", "call mum"], "Both tasks should be pending, in the order added"


def test_complete_a_task():
    """A completed task is no longer pending."""
    todo = TodoList()
    todo.add("buy milk")
    todo.add("call mum")
    todo.complete("buy milk")
    assert todo.pending() == ["call mum"], "After complete('buy milk'), only 'call mum' should be pending"
