"""SQL text the loaders, checks and publisher build: one way to write a value as a literal."""


def sql_literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal (quotes doubled); the same in DuckDB and Spark SQL."""
    return "'" + text.replace("'", "''") + "'"
