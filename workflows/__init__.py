"""Workflows that span layers (issue 11): a load, then what is kept per store version.

They sit above ``queries/``: the CLI, the API and the dashboard's import page call them; the
loaders in ``graph/loaders`` stay below and know nothing of figures or history.
"""
