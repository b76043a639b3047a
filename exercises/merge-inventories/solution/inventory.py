def merge_inventories(first, second):
    result = dict(first)
    for item, count in second.items():
        if item in result:
            result[item] = result[item] + count
        else:
            result[item] = count
    return result
