"""Scripted customer scenarios for the simulator (JSON, read through importlib.resources)."""
