"""The command line: a thin click layer over the service."""

from bot.cli.main import cli

__all__ = ["cli"]
