def parse_age(text):
    try:
        age = int(text.strip())
    except ValueError:
        raise ValueError("age must be a whole number")
    if age < 0 or age > 150:
        raise ValueError("age must be between 0 and 150")
    return age
