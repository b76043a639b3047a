import pytest

from todo_list import TodoList


def test_pending_keeps_order():
    """pending() keeps the order the tasks were added in."""
    todo = TodoList()
    for task in ["d", "a", "c", "b", "e"]:
        todo.add(task)
    todo.complete("c")
    todo.complete("e")
    assert todo.pending() == ["d", "a", "b"]
    assert TodoList().pending() == []


def test_progress_text():
    """progress() counts the done tasks and all tasks."""
    todo = TodoList()
    assert todo.progress() == "0 of 0 done"
    todo.add("buy milk")
    todo.add("call mum")
    todo.add("pay rent")
    assert todo.progress() == "0 of 3 done"
    todo.complete("call mum")
    assert todo.progress() == "1 of 3 done"
    todo.complete("buy milk")
    todo.complete("pay rent")
    assert todo.progress() == "3 of 3 done"


def test_complete_unknown_task():
    """Completing a task that was never added raises ValueError."""
    todo = TodoList()
    todo.add("buy milk")
    with pytest.raises(ValueError):
        todo.complete("walk the dog")
    assert todo.pending() == ["buy milk"]


def test_each_list_has_its_own_tasks():
    """Two to-do lists do not share their tasks."""
    home = TodoList()
    work = TodoList()
    home.add("cook")
    work.add("email")
    work.add("meeting")
    assert home.pending() == ["cook"]
    assert work.pending() == ["email", "meeting"]
    assert home.progress() == "0 of 1 done"
