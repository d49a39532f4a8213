"""Identity resolution: which source records belong to one person (the customer_id)."""
