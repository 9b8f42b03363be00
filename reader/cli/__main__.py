"""`python -m reader.cli`: the same as the `reader` command."""

from . import main

main()
