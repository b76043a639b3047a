def class_report(marks):
    # marks looks like {"Amina": [8, 9, 10], "Bram": [6, 7]}
    # Return a dictionary like:
    # {"students": 2, "averages": {"Amina": 9.0, "Bram": 6.5}, "best": "Amina"}
    pass
