"""Forward-looking answers fitted on the user's own history: customer lifetime models (clv.py) on the purchase
histories of history.py. Read and written through DuckDB, like identity/."""
