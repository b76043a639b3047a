def to_minutes(total_seconds):
    minutes = total_seconds // 60
    seconds = total_seconds % 60
    return f"{minutes} min {seconds} s"
