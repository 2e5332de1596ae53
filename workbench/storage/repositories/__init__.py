"""Repositories: read and write tables, return frozen domain dataclasses."""
