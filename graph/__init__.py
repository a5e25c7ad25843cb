"""orggraph: the party organisations of a district's "two new" organisations as a graph."""

__version__ = "0.1.0"
