"""``python -m ransearch``: the same command line as the ``ransearch`` script."""

from ransearch.cli import main

if __name__ == "__main__":
    main()
