"""``python -m motorseq.protocols`` runs the ``motorseq`` command."""

from .cli import main

main()
