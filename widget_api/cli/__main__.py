"""`python -m widget_api.cli`: the same as the `widget-api` command."""

from .main import main

main()
