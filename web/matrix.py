"""The learners × exercises matrix as HTML, built in Python: thousands of cells are too slow for a template loop."""

from flask import url_for
from markupsafe import Markup, escape

from grader.progress.snapshot import Snapshot

NOT_STARTED = Markup('<td class="none" title="not started">·</td>')


def matrix_body(snap: Snapshot) -> Markup:
    """The <tr> rows of the matrix; each cell has a symbol or number as well as a colour."""
    rows = []
    exercise_ids = [exercise.id for exercise in snap.exercises]  # plain ints: no ORM lookups in the hot loop
    cells_of = snap.matrix.get
    for learner in snap.learners:
        learner_id = learner.id
        link = url_for("coach.learner", cohort_id=snap.cohort.id, user_id=learner_id)
        cells = [f'<tr><th><a href="{escape(link)}">{escape(learner.name)}</a></th>']
        for exercise_id in exercise_ids:
            cell = cells_of((learner_id, exercise_id))
            if cell is None:
                cells.append(NOT_STARTED)
            elif cell.solved:
                cells.append(f'<td class="solved" title="solved in {cell.attempts}">✓</td>')
            else:
                cells.append(f'<td class="tried" title="attempted {cell.attempts} times">{cell.attempts}</td>')
        cells.append("</tr>")
        rows.append("".join(cells))
    return Markup("\n".join(rows))
