"""The ASGI app of ``motorseq serve`` (Starlette): pages, the run API and the class API.

Every body is read with a size cap (413 over :data:`~.schemas.MAX_BODY_BYTES`) and validated by
pydantic (422 naming the field); a refused request is a 4xx JSON ``{"error": ...}``, never a 500.
A page holds its run's secret token and can read and write only that run; the teacher's page
holds the class's token. Ids and codes are looked up in the database, never used as paths.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import classroom
from .db import Database, Run
from .schemas import MAX_BODY_BYTES, JoinBody, StartBody, TrialBody
from .service import (
    ProtocolCatalog,
    RunRefused,
    cached_run,
    page_config,
    prepare_trial,
    run_by_token,
    start_run,
    trial_list,
)

__all__ = ["app_from_env", "create_app", "freeze_long_lived_objects", "CONFIG_ENV"]

#: Environment variable through which ``serve --workers N`` hands its settings to each worker.
CONFIG_ENV = "MOTORSEQ_SERVE_CONFIG"

_STATIC = resources.files("motorseq.tasks.web") / "static"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    """Read a JSON body (at most MAX_BODY_BYTES) and validate it; RunRefused on any problem."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise RunRefused(f"request body over {MAX_BODY_BYTES} bytes", 413)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise RunRefused(f"request body over {MAX_BODY_BYTES} bytes", 413)
            chunks.append(chunk)
    except ClientDisconnect:
        raise RunRefused("the client went away", 400) from None
    raw = b"".join(chunks) or b"{}"
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise RunRefused(f"{where}: {first['msg']}", 422) from None


def _run_info(run: Run, stored: list[int]) -> dict[str, Any]:
    return {
        "participant": run.participant,
        "session": run.session,
        "protocol": run.protocol_name,
        "status": run.status,
        "stored": stored,
        "config": page_config(run),
    }


def create_app(
    db: Database,
    catalog: ProtocolCatalog,
    *,
    class_code: str | None = None,
) -> Starlette:
    """Build the app.

    Parameters
    ----------
    db : Database
        Where runs and trials are stored.
    catalog : ProtocolCatalog
        The protocols offered (by name).
    class_code : str, optional
        The class this server runs (``serve --class``); its page is then the start page.
    """
    live = classroom.LiveSummaries(db)

    async def guarded(handler, request: Request) -> Response:
        try:
            return await handler(request)
        except RunRefused as refused:
            return _error(refused.status, str(refused))

    def route(path: str, methods: list[str]):
        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                return await guarded(handler, request)

            return Route(path, endpoint, methods=methods)

        return wrap

    def token_of(request: Request) -> str:
        return request.headers.get("x-run-token", "")

    def page(name: str) -> HTMLResponse:
        return HTMLResponse((_STATIC / name).read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})

    async def index(request: Request) -> Response:
        if class_code is not None:
            return RedirectResponse(f"/c/{class_code}", status_code=303)
        options = "".join(f'<option value="{p.name}">{p.name} ({p.paradigm})</option>' for p in catalog)
        return HTMLResponse(page("index.html").body.decode().replace("<!--PROTOCOLS-->", options))

    async def task_page(request: Request) -> Response:
        return page("task.html")

    async def teacher_page(request: Request) -> Response:
        return page("teacher.html")

    @route("/api/runs", ["POST"])
    async def create_run(request: Request) -> Response:
        body = await _body(request, StartBody)
        protocol = catalog.get(body.protocol)
        run = await run_in_threadpool(
            start_run, db, protocol, body.participant, body.session, body.seed, body.environment
        )
        return JSONResponse({"token": run.token, **_run_info(run, [])}, status_code=201)

    @route("/api/runs/me", ["GET"])
    async def my_run(request: Request) -> Response:
        run = await run_in_threadpool(run_by_token, db, token_of(request))
        stored = await run_in_threadpool(db.trial_indices, run.id)
        return JSONResponse(_run_info(run, stored))

    @route("/api/runs/me/trials", ["POST"])
    async def post_trial(request: Request) -> Response:
        body = await _body(request, TrialBody)
        run = cached_run(db, token_of(request))
        if run is None:  # e.g. the first trial after a restart: the lookup and the trial list off the event loop
            run = await run_in_threadpool(run_by_token, db, token_of(request), False)
            await run_in_threadpool(trial_list, run)
        record, status, _row = prepare_trial(run, body)  # scoring: pure and short, on the event loop
        stored = await db.writer.write(record, status)  # group commit on the writer thread; after the commit
        done = body.trial_index == len(trial_list(run))
        payload = {"acknowledged": True, "trial_index": body.trial_index, "duplicate": not stored, "last": done}
        return JSONResponse(payload, status_code=201 if stored else 409)

    @route("/api/runs/me/curve", ["GET"])
    async def my_curve(request: Request) -> Response:
        run = await run_in_threadpool(run_by_token, db, token_of(request))
        return JSONResponse(await run_in_threadpool(classroom.own_curve, db, run))

    @route("/api/class/{code}/join", ["POST"])
    async def join(request: Request) -> Response:
        body = await _body(request, JoinBody)
        run = await run_in_threadpool(classroom.join, db, catalog, request.path_params["code"], body.environment)
        return JSONResponse({"token": run.token, **_run_info(run, [])}, status_code=201)

    def teacher_class(request: Request):
        code = request.path_params["code"]
        found = classroom.find_class(db, code)
        token = request.query_params.get("token", "") or request.headers.get("x-teacher-token", "")
        if found is None or not hmac.compare_digest(found.teacher_token.encode(), token.encode()[:128]):
            raise RunRefused("unknown class or wrong teacher token", 403)
        return found

    @route("/api/class/{code}/summary", ["GET"])
    async def summary(request: Request) -> Response:
        found = await run_in_threadpool(teacher_class, request)
        return JSONResponse(await run_in_threadpool(classroom.summary, db, found))

    @route("/api/class/{code}/events", ["GET"])
    async def events(request: Request) -> Response:
        found = await run_in_threadpool(teacher_class, request)

        async def stream():
            last = None
            while True:
                if await request.is_disconnected():
                    return
                data = await run_in_threadpool(live.get, found)  # shared by every open teacher page
                if data != last:
                    last = data
                    yield f"event: summary\ndata: {data}\n\n"
                else:
                    yield ": keep-alive\n\n"
                await asyncio.sleep(1.0)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @route("/api/class/{code}/report", ["GET"])
    async def report(request: Request) -> Response:
        found = await run_in_threadpool(teacher_class, request)
        html = await run_in_threadpool(classroom.report_html, db, found)
        return HTMLResponse(html)

    @route("/api/class/{code}/export.zip", ["GET"])
    async def export_zip(request: Request) -> Response:
        found = await run_in_threadpool(teacher_class, request)
        data = await run_in_threadpool(classroom.export_zip, db, found)
        headers = {"Content-Disposition": f'attachment; filename="class-{found.code}-bids.zip"'}
        return Response(data, media_type="application/zip", headers=headers)

    @route("/api/class/{code}/qr.svg", ["GET"])
    async def qr(request: Request) -> Response:
        found = await run_in_threadpool(teacher_class, request)
        join_url = str(request.base_url).rstrip("/") + f"/c/{found.code}"
        return Response(classroom.qr_svg(join_url), media_type="image/svg+xml")

    async def not_found(request: Request, exc: HTTPException) -> Response:
        return _error(exc.status_code, exc.detail if isinstance(exc.detail, str) else "error")

    routes = [
        Route("/", index),
        Route("/task", task_page),
        Route("/c/{code}", task_page),
        Route("/teacher/{code}", teacher_page),
        create_run,
        my_run,
        post_trial,
        my_curve,
        join,
        summary,
        events,
        report,
        export_zip,
        qr,
        Mount("/static", app=StaticFiles(directory=str(_STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.state.db = db
    app.state.class_code = class_code
    return app


def freeze_long_lived_objects() -> None:
    """Move everything alive now (imported modules, protocols, the app) out of the garbage collector's view.

    They live as long as the server; without this every full collection walks them all: measured
    under load (200 students, a busy 2-core machine) full collections took 100-540 ms each, and every
    request in flight waited; after ``gc.freeze()`` they took 27-84 ms.
    """
    import gc

    gc.collect()
    gc.freeze()


def app_from_env() -> Starlette:
    """Build the app from :data:`CONFIG_ENV` (JSON: db, protocols, shortening, class code): one per worker."""
    import os

    from .db import connect

    config = json.loads(os.environ[CONFIG_ENV])
    shortening = (config.get("max_trials_per_block"), config.get("max_blocks"), config.get("max_trial_seconds"))
    catalog = ProtocolCatalog(config["protocols"], *shortening)
    app = create_app(connect(config["db"]), catalog, class_code=config.get("class_code"))
    freeze_long_lived_objects()
    return app
