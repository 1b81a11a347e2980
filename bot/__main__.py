"""``python -m bot``: the same as the ``newsbot`` command."""

from .cli import cli

cli()
