"""Turning results into text and pictures: the one renderer (Discord and terminal styles) and the coverage chart."""
