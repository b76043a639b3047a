from receipt import print_receipt


def test_other_order(capsys):
    """Works for another item, quantity and price."""
    print_receipt("Tea", 1, 2)
    assert capsys.readouterr().out == "Item: Tea\nQuantity: 1\nTotal: 2 euro\n"


def test_big_order(capsys):
    """Works out the total for a big order."""
    print_receipt("Muffin", 12, 4)
    assert capsys.readouterr().out == "Item: Muffin\nQuantity: 12\nTotal: 48 euro\n"


def test_name_with_space(capsys):
    """Prints an item name that has a space in it."""
    print_receipt("Apple pie", 3, 5)
    assert capsys.readouterr().out == "Item: Apple pie\nQuantity: 3\nTotal: 15 euro\n"
