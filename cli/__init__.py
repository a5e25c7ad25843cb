"""The orggraph command line, one module per part (typer); the console script composes them."""
