from receipt import print_receipt


def test_two_coffees(capsys):
    """print_receipt("Coffee", 2, 3) prints the item, the quantity and a total of 6 euro."""
    print_receipt("Coffee", 2, 3)
    printed = capsys.readouterr().out
    expected = "Item: Coffee\nQuantity: 2\nTotal: 6 euro\n"
    assert printed == expected, "print_receipt('Coffee', 2, 3) should print three lines: Item, Quantity and Total"
