"""Browser tasks and the live classroom: ``motorseq serve`` and ``motorseq export``.

The page runs the protocol (``static/task.js``), the server scores and stores each trial in a
database (``db.py``, SQLAlchemy 2) and exports runs as the lab's BIDS files (``export.py``).
Importing this package imports neither PsychoPy nor the web stack; ``app.py`` needs the ``[web]`` extra.
"""

__all__ = ["app", "classroom", "db", "export", "schemas", "scoring", "service"]
