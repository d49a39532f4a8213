"""Landing files and live mailboxes into raw tables, audited.

Imports run one way, so the declarative parts never depend on the machinery that uses them:
load.py and imap.py (the loader, and the live mailbox reader that feeds it) -> sources/ (what each source is and
how its files are read, its row checks and load mode) -> checks.py, column_maps/, landing.py -> common/.
sample_data/ (the generator) stands alone.
"""
