def top_three(scores):
    ordered = sorted(scores, reverse=True)
    return ordered[:3]
