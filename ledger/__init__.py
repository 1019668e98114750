"""SKMS ledger: the library behind every SKMS front end.

The ledger never imports ``commands`` or ``projections``; those layers sit on top of it.
"""

__version__ = "0.1.0"
