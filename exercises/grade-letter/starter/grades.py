def grade_letter(score):
    # Use if, elif and else to return "A", "B", "C", "D" or "F".
    pass
