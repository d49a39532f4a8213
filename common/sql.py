"""SQL text the loaders, checks and publisher build: one way to write a value as a literal, and a name as an
identifier."""


def sql_literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal (quotes doubled); the same in DuckDB and Spark SQL."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier (quotes doubled): any column name an export brings is safe."""
    return '"' + name.replace('"', '""') + '"'
