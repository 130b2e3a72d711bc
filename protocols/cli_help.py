"""Help output of the ``motorseq`` command: flags are shown as flags.

Typer 0.29 prints a value type after every boolean option in ``--help`` (``--force <bool>``,
even ``--help <bool>``), whether the option is declared ``--x`` or ``--x/--no-x``, although a
flag takes no value. :class:`FlagGroup` gives every flag of its commands (and of its nested
groups, which use it too) an empty metavar before help is printed; parsing is unchanged.
"""

from __future__ import annotations

from typer.core import TyperGroup

__all__ = ["FlagGroup", "hide_flag_types"]


def hide_flag_types(command, ctx) -> None:
    """Give every boolean flag of ``command`` (its ``--help`` included) an empty metavar.

    Parameters
    ----------
    command : click command
        A Typer command or group.
    ctx : click context
        The context the help is printed in (the help option depends on it).
    """
    for param in command.get_params(ctx):
        if getattr(param, "is_flag", False) and getattr(param, "metavar", "") is None:
            param.metavar = ""


class FlagGroup(TyperGroup):
    """A Typer group whose help, and whose commands' help, show flags without a value type."""

    def get_command(self, ctx, cmd_name):  # noqa: D102 (click's method)
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            hide_flag_types(command, ctx)
        return command

    def format_help(self, ctx, formatter) -> None:  # noqa: D102 (click's method)
        hide_flag_types(self, ctx)
        super().format_help(ctx, formatter)
