"""Keeping schemas current: ``pull`` from the catalog, ``diff`` what a change breaks."""
