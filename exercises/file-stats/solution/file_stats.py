def file_stats(path):
    lines = 0
    words = 0
    with open(path, encoding="utf-8") as file:
        for line in file:
            lines = lines + 1
            words = words + len(line.split())
    return {"lines": lines, "words": words}
