"""PsychoPy tasks: ``motorseq run PROTOCOL`` (SRT, ASRT, DSP, finger tapping).

Importing this package does not import PsychoPy; the window, keyboard and run loop import it
when they are used.
"""

__all__: list[str] = []
