"""`python -m models_catalog`: the same as the `models` command."""

from .cli import main

main()
