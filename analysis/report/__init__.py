"""HTML report of a motorseq study (placeholder until report modules land)."""
__all__: list[str] = []
