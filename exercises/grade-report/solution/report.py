def class_report(marks):
    averages = {}
    for name, student_marks in marks.items():
        averages[name] = round(sum(student_marks) / len(student_marks), 1)

    best = None
    for name, average in averages.items():
        if best is None or average > averages[best]:
            best = name

    return {"students": len(marks), "averages": averages, "best": best}
