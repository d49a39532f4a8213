"""Sample-data generator of the customer-360 warehouse.

Simulates a population of people and their journeys with Acme Analytics (web visits, forms, marketing
e-mail, sales conversations and calls, deals, orders, invoices, support, surveys) and writes the landing
files described in ``docs/landing_formats.md`` plus the ground truth the warehouse is tested against.
"""

from .generator import generate

__all__ = ["generate"]
