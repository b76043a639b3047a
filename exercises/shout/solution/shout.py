def shout(text, times):
    return text.strip().upper() + "!" * times
