"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load benchmark.

httpx with one pool of 200 connections spends most of its time choosing a connection (a scan of
the pool per request) and in per-request bookkeeping: profiled with py-spy, the load generator
used a whole core for ~90 requests a second and the server sat idle. One connection per student,
written and read directly, costs tens of microseconds a request, so the benchmark measures the server.
The interface is the part of ``httpx.AsyncClient`` that ``http_student`` uses (``post``, ``get``).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from typing import Any
from urllib.parse import urlsplit


class RawResponse:
    """Status and body of one response."""

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.content = body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class RawClient:
    """One keep-alive connection to ``base_url``; reconnects after an error (the caller retries)."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, json: Any = None, headers: dict | None = None) -> RawResponse:
        body = b"" if json is None else jsonlib.dumps(json).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if json is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        try:
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            return await asyncio.wait_for(self._read(), self.timeout)
        except BaseException:
            await self.aclose()
            raise

    async def _read(self) -> RawResponse:
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length, close = 0, False
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self._reader.readexactly(length)
        if close:
            await self.aclose()
        return RawResponse(int(status_line.split(" ", 2)[1]), body)

    async def post(self, path: str, json: Any = None, headers: dict | None = None) -> RawResponse:
        return await self.request("POST", path, json, headers)

    async def get(self, path: str, headers: dict | None = None) -> RawResponse:
        return await self.request("GET", path, None, headers)

    async def aclose(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
