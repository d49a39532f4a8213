"""What every layer shares: configuration and paths, the identifiers' normalisers, SQL text. Nothing here imports
another layer."""
