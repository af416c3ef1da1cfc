"""`python -m magt` is the `magt` command."""

from magt.cli import main

main()
