# Paste your parse_sale and read_sales from "Sales report 1" and "Sales report 2" here.


def parse_sale(line):
    pass


def read_sales(path):
    pass
