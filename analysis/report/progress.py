"""A rich progress bar over the named steps of :func:`~motorseq.analysis.report.build.build_report`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["REPORT_STEPS", "step_progress"]

#: The steps build_report announces, in order.
REPORT_STEPS = ("behaviour", "brain comparison", "figures", "writing")


@contextmanager
def step_progress(console, label: str) -> Iterator[Callable[[str], None]]:
    """Yield a callback that advances a rich progress bar by one step per message."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=len(REPORT_STEPS))
        seen: list[str] = []

        def advance(message: str) -> None:
            if seen:
                bar.advance(task)
            seen.append(message)
            bar.update(task, description=f"{label}: {message}")

        yield advance
        bar.update(task, completed=len(REPORT_STEPS), description=f"{label}: done")
