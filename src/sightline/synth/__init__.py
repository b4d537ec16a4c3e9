"""A synthetic borough: feed v1 files from every agency, and the truth behind them.

``sightline generate`` writes one JSON Lines file per agency and a ``truth/``
folder saying which records are the same person, who lives with whom, and
which children were harmed after which warning signs. Linkage and indicator
rules are measured against that truth. Pure Python: no Django, no database.
"""

__version__ = "1.0.0"
