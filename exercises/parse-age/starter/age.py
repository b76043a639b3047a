def parse_age(text):
    # 1. Remove spaces around the text and change it into an int.
    #    If that fails: raise ValueError("age must be a whole number")
    # 2. If the age is below 0 or above 150:
    #    raise ValueError("age must be between 0 and 150")
    # 3. Return the age.
    pass
