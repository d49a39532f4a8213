"""What every layer shares: configuration and paths. Nothing here imports another layer."""
