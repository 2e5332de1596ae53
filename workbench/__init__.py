"""Workbench: a 千牛-style customer-service workbench with a local knowledge-base assistant."""

__version__ = "0.1.0"
