"""``motorseq serve`` (browser tasks, classroom mode) and ``motorseq export`` (database → BIDS)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "serve", "export"]

DEFAULT_DB = "sqlite:///motorseq.db"


def room_address(host: str) -> str:
    """Return the address students type: the machine's address on the room's network when serving on all."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent; this picks the outgoing interface
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _print(text: str) -> None:
    from rich.console import Console

    Console().print(text, markup=False, highlight=False, soft_wrap=True)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: the whole room's network).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    db: Annotated[
        str, typer.Option("--db", help="Database URL: sqlite:///FILE.db (default) or postgresql://user@host/name.")
    ] = DEFAULT_DB,
    protocol: Annotated[
        list[str] | None,
        typer.Option("--protocol", help="Protocol offered (bundled name or YAML file; repeatable); default: all."),
    ] = None,
    classroom: Annotated[
        bool, typer.Option("--class", help="Classroom mode: a join code and QR code for students, a teacher page.")
    ] = False,
    code: Annotated[
        str | None, typer.Option("--code", help="Classroom mode: reopen the class with this code (after a restart).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Classroom mode: seed of the trial lists.")] = None,
    model: Annotated[
        int,
        typer.Option("--model", min=0, help="Classroom mode: simulate N model participants (background, niced)."),
    ] = 0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Server processes (a large class: one per CPU core).")
    ] = 1,
    max_trials_per_block: Annotated[
        int | None, typer.Option("--max-trials-per-block", min=1, help="Shortened runs: at most N trials per block.")
    ] = None,
    max_blocks: Annotated[
        int | None, typer.Option("--max-blocks", min=1, help="Shortened runs: first N blocks.")
    ] = None,
    max_trial_seconds: Annotated[
        float | None, typer.Option("--max-trial-seconds", help="Shortened runs: tapping and rest at most S seconds.")
    ] = None,
) -> None:
    """Serve the protocols as browser tasks (and, with --class, a live classroom); data go to a database."""
    import uvicorn
    from motorseq.protocols import MotorseqError

    from .app import create_app, freeze_long_lived_objects
    from .classroom import create_class, find_class
    from .db import connect, shown_url
    from .service import ProtocolCatalog

    names = protocol or (["classroom"] if classroom else [])
    catalog = ProtocolCatalog(names, max_trials_per_block, max_blocks, max_trial_seconds)
    try:
        database = connect(db)
    except Exception as error:  # noqa: BLE001 - any driver error is one line for the user
        raise MotorseqError(f"--db {shown_url(db)}: cannot open the database: {str(error).splitlines()[0]}") from None
    class_code = None
    address = room_address(host)
    if classroom:
        found = find_class(database, code) if code else None
        if code and found is None:
            raise MotorseqError(f"--code {code}: no class with this code in {shown_url(db)}")
        if found is None:
            first = next(iter(catalog))
            found = create_class(database, first, seed)
        class_code = found.code
        join_url = f"http://{address}:{port}/c/{found.code}"
        _print(f"Class code: {found.code}")
        _print(f"Students open: {join_url}")
        teacher = f"http://{address}:{port}/teacher/{found.code}?token={found.teacher_token}"
        _print(f"Teacher page (keep it private): {teacher}")
        _print(f"After a restart: motorseq serve --class --code {found.code} --db {db}")
        _print_qr(join_url)
        if model:
            from .model_cache import start_model_curve
            from .service import protocol_of

            start_model_curve(protocol_of(found), model)  # type: ignore[arg-type]
    else:
        _print(f"Open http://{address}:{port}/ (data: {db})")
    if workers > 1:
        import json
        import os

        from .app import CONFIG_ENV

        settings = {"db": db, "protocols": names, "class_code": class_code, "max_blocks": max_blocks}
        settings |= {"max_trials_per_block": max_trials_per_block, "max_trial_seconds": max_trial_seconds}
        os.environ[CONFIG_ENV] = json.dumps(settings)
        database.engine.dispose()
        target = "motorseq.tasks.web.app:app_from_env"
        uvicorn.run(target, factory=True, host=host, port=port, workers=workers, log_level="warning")
        return
    app = create_app(database, catalog, class_code=class_code)
    freeze_long_lived_objects()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _print_qr(url: str) -> None:
    import io

    import qrcode

    code = qrcode.QRCode(border=1)
    code.add_data(url)
    text = io.StringIO()
    code.print_ascii(out=text)
    _print(text.getvalue())


def export(
    db: Annotated[str, typer.Option("--db", help="Database URL of motorseq serve.")],
    out: Annotated[Path, typer.Option("--out", help="BIDS dataset folder (existing runs are never overwritten).")],
    class_code: Annotated[str | None, typer.Option("--class", help="Only the runs of this class code.")] = None,
) -> None:
    """Write the browser runs of a database as a BIDS dataset (the same files a lab run writes)."""
    from motorseq.protocols import MotorseqError

    from .classroom import find_class
    from .db import open_existing, shown_url
    from .export import export_runs

    database = open_existing(db, "--db")
    class_id = None
    if class_code is not None:
        found = find_class(database, class_code)
        if found is None:
            raise MotorseqError(f"--class {class_code}: no class with this code in {shown_url(db)}")
        class_id = found.id
    written = export_runs(database, out, class_id)
    _print(f"{len(written)} run(s) written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``export`` to the ``motorseq`` command."""
    app.command("serve")(serve)
    app.command("export")(export)
