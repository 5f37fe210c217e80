"""Intramuros: the practice's own medical records software."""

__version__ = "0.1.0"
