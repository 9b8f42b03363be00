"""`python -m reader`: the same as the `reader` command."""

from .cli import main

main()
