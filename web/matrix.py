"""The learners × exercises matrix as HTML, built in Python: thousands of cells are too slow for a template loop."""

from flask import url_for
from flask_babel import gettext, ngettext
from markupsafe import Markup, escape

from grader.progress.snapshot import Snapshot


def matrix_body(snap: Snapshot) -> Markup:
    """The <tr> rows of the matrix; each cell has a symbol or number as well as a colour."""
    rows = []
    exercise_ids = [exercise.id for exercise in snap.exercises]  # plain ints: no ORM lookups in the hot loop
    cells_of = snap.matrix.get
    not_started_title = escape(gettext("not started"))
    not_started = f'<td class="none" title="{not_started_title}">·</td>'
    solved: dict[int, str] = {}  # attempts → cell, translated once per count, not once per cell
    tried: dict[int, str] = {}
    for learner in snap.learners:
        learner_id = learner.id
        link = url_for("coach.learner", cohort_id=snap.cohort.id, user_id=learner_id)
        cells = [f'<tr><th scope="row"><a href="{escape(link)}">{escape(learner.name)}</a></th>']
        for exercise_id in exercise_ids:
            cell = cells_of((learner_id, exercise_id))
            if cell is None:
                cells.append(not_started)
            elif cell.solved:
                cells.append(solved.get(cell.attempts) or solved.setdefault(cell.attempts, _solved(cell.attempts)))
            else:
                cells.append(tried.get(cell.attempts) or tried.setdefault(cell.attempts, _tried(cell.attempts)))
        cells.append("</tr>")
        rows.append("".join(cells))
    return Markup("\n".join(rows))


def _solved(attempts: int) -> str:
    title = ngettext("solved in %(num)d attempt", "solved in %(num)d attempts", attempts)
    return f'<td class="solved" title="{escape(title)}">✓</td>'


def _tried(attempts: int) -> str:
    title = ngettext("attempted %(num)d time, not solved yet", "attempted %(num)d times, not solved yet", attempts)
    return f'<td class="tried" title="{escape(title)}">{attempts}</td>'
