"""`python -m grader.cli`: the `autograder` command, as `autograder run` starts its worker."""

from grader.cli import main

if __name__ == "__main__":
    main()
