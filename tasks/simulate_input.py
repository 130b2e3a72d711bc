"""An automated participant that presses real keys through the X server (XTEST).

:class:`SimulatedParticipant` runs a separate process that holds its own X connection and
injects key events with the XTEST extension (python-xlib), so the task receives them exactly as
it receives a person's: X server → psychtoolbox keyboard queue → task. The task tells it when
each stimulus flipped and what the correct answer is; it answers after a response time drawn
from an ex-Gaussian distribution (seeded), presses a wrong key at the given error rate, and logs
the moment it sent every key event (psychtoolbox ``GetSecs`` clock), so tests and the timing
benchmark can compare the RT the task measured with the RT that was injected.

The specification given to ``--simulate-responses`` is a comma-separated list of
``name=value`` (times in ms, or with an ``s`` suffix)::

    mu=380,sigma=50,tau=80,error=0.05,hold=80,ipi=220,seed=3

See :data:`SPEC_FIELDS` for every field. ``default`` (or an empty string) uses the defaults.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import select
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, fields

import numpy as np

from .errors import SimulationSpecError, TaskError

__all__ = ["ResponseModel", "SPEC_FIELDS", "parse_simulation_spec", "SimulatedParticipant", "InjectedPress"]

#: Fields of the ``--simulate-responses`` specification: name → (ResponseModel attribute, kind, meaning).
SPEC_FIELDS: dict[str, tuple[str, str, str]] = {
    "mu": ("mu", "time", "mean of the Gaussian part of the ex-Gaussian RT"),
    "sigma": ("sigma", "time", "SD of the Gaussian part of the RT"),
    "tau": ("tau", "time", "mean of the exponential part of the RT"),
    "min": ("min_rt", "time", "shortest RT"),
    "error": ("error", "probability", "probability that a press hits a wrong key"),
    "hold": ("hold", "time", "how long each key is held down"),
    "ipi": ("ipi", "time", "mean interval between presses within a sequence (DSP, tapping)"),
    "ipi_sd": ("ipi_sd", "time", "SD of that interval"),
    "learn": ("learn", "time", "RT benefit on predictable trials (sequence trials, ASRT high-frequency triplets)"),
    "pause": ("pause", "time", "time before pressing the key that continues an instruction or break screen"),
    "escape_at": ("escape_at", "count", "press Escape (and confirm) at this stimulus, counted from 1; 0: never"),
    "seed": ("seed", "count", "seed of the random draws"),
}


@dataclass(frozen=True)
class ResponseModel:
    """How the automated participant responds (times in seconds)."""

    mu: float = 0.38
    sigma: float = 0.05
    tau: float = 0.08
    min_rt: float = 0.15
    error: float = 0.05
    hold: float = 0.08
    ipi: float = 0.22
    ipi_sd: float = 0.03
    learn: float = 0.0
    pause: float = 0.6
    escape_at: int = 0
    seed: int = 1

    def describe(self) -> dict[str, float | int]:
        """Return the parameters as a dict (for the sidecar)."""
        return asdict(self)


@dataclass(frozen=True)
class InjectedPress:
    """One key press the automated participant sent (times: psychtoolbox ``GetSecs`` clock, s)."""

    key: str
    down: float
    up: float
    onset: float
    stimulus: int
    kind: str


def _parse_value(name: str, kind: str, text: str, spec: str) -> float | int:
    text = text.strip().lower()
    try:
        if kind == "time":
            if text.endswith("ms"):
                return float(text[:-2]) / 1000
            if text.endswith("s"):
                return float(text[:-1])
            return float(text) / 1000
        if kind == "probability":
            value = float(text)
            if not 0 <= value < 1:
                raise ValueError
            return value
        value = int(text)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        allowed = {
            "time": "a time in ms (e.g. 80 or 80ms or 0.08s)",
            "probability": "a number in [0, 1)",
            "count": "a whole number >= 0",
        }[kind]
        raise SimulationSpecError(f"--simulate-responses {spec!r}: field '{name}': {text!r} is not {allowed}") from None


def parse_simulation_spec(spec: str | None) -> ResponseModel:
    """Parse a ``--simulate-responses`` specification.

    Parameters
    ----------
    spec : str or None
        ``"name=value,..."`` (see :data:`SPEC_FIELDS`); ``None``, ``""`` or ``"default"`` give the defaults.

    Returns
    -------
    ResponseModel

    Raises
    ------
    SimulationSpecError
        Naming the field at fault.
    """
    values: dict[str, float | int] = {}
    text = (spec or "").strip()
    if text and text != "default":
        for item in text.split(","):
            name, sep, value = item.partition("=")
            name = name.strip().lower()
            if not sep or name not in SPEC_FIELDS:
                raise SimulationSpecError(
                    f"--simulate-responses {spec!r}: {item.strip()!r} is not name=value with a name from "
                    f"{', '.join(SPEC_FIELDS)}"
                )
            attribute, kind, _ = SPEC_FIELDS[name]
            values[attribute] = _parse_value(name, kind, value, spec)
    model = ResponseModel(**values)
    if model.hold >= model.ipi and model.ipi > 0:
        raise SimulationSpecError(f"--simulate-responses {spec!r}: field 'hold' must be shorter than 'ipi'")
    return model


# ----------------------------------------------------------------------------------------------
# the injector process
# ----------------------------------------------------------------------------------------------


def keycode_table() -> dict[str, int]:
    """PsychoPy key name → X keycode, from PsychoPy's own Linux table, so names round-trip exactly."""
    from psychopy.hardware.keyboard import keyNamesLinux  # psychtoolbox keycode = X keycode + 1

    return {name: code - 1 for code, name in keyNamesLinux.items()}


class _Injector:
    """Runs in the child process: schedules and sends key events."""

    def __init__(self, conn: _JsonLines, model: ResponseModel, codes: dict[str, int]) -> None:
        import psychtoolbox as ptb
        from Xlib import X, display
        from Xlib.ext import xtest

        self.conn = conn
        self.model = model
        self.rng = np.random.default_rng(np.random.SeedSequence([model.seed, 0x5EED]))
        self.display = display.Display()
        if not self.display.query_extension("XTEST").present:
            raise TaskError("the X server has no XTEST extension: simulated responses need it")
        self.X, self.xtest, self.now = X, xtest, ptb.GetSecs
        self.codes = codes
        self.pending: list[tuple[float, int, str, str, dict]] = []
        self.counter = itertools.count()
        self.down: dict[str, dict] = {}
        self.log: list[dict] = []
        self.n_stimuli = 0
        self.escape_pending = False

    # -- drawing response times ------------------------------------------------------------
    def _rt(self, predictable: bool = False) -> float:
        m = self.model
        rt = self.rng.normal(m.mu, m.sigma) + (self.rng.exponential(m.tau) if m.tau > 0 else 0.0)
        if predictable:
            rt -= m.learn
        return max(m.min_rt, float(rt))

    def _ipi(self) -> float:
        m = self.model
        return max(m.hold + 0.02, float(self.rng.normal(m.ipi, m.ipi_sd)))

    def _maybe_wrong(self, key: str, keys: list[str]) -> str:
        others = [k for k in keys if k != key]
        if others and self.rng.random() < self.model.error:
            return str(others[int(self.rng.integers(len(others)))])
        return key

    # -- scheduling ------------------------------------------------------------------------
    def _schedule(self, t: float, action: str, key: str, info: dict) -> None:
        heapq.heappush(self.pending, (t, next(self.counter), action, key, info))

    def _press(self, t: float, key: str, hold: float, info: dict) -> float:
        self._schedule(t, "down", key, info)
        self._schedule(t + hold, "up", key, info)
        return t + hold

    def handle(self, msg: dict) -> bool:
        kind = msg["kind"]
        if kind == "stop":
            return False
        if kind == "cancel":
            self.pending = [p for p in self.pending if p[2] == "up"]
            heapq.heapify(self.pending)
            return True
        onset = msg.get("onset", self.now())
        m = self.model
        if kind in ("serial", "sequence", "tapping", "script", "sct"):
            self.n_stimuli += 1
            if m.escape_at and self.n_stimuli == m.escape_at:
                self.escape_pending = True
                self._press(
                    onset + m.pause, "escape", m.hold, {"onset": onset, "stimulus": self.n_stimuli, "kind": "escape"}
                )
                return True
        info = {"onset": onset, "stimulus": self.n_stimuli, "kind": kind}
        if kind == "script":  # explicit presses: [(delay_s, key, hold_s), ...]
            for delay, key, hold in msg["presses"]:
                self._press(onset + delay, key, hold, info)
        elif kind == "prompt":
            self._press(onset + m.pause * (0.8 + 0.4 * self.rng.random()), msg["key"], m.hold, info)
        elif kind == "confirm":
            key = msg["yes"] if self.escape_pending else msg["no"]
            self._press(onset + m.pause, key, m.hold, info)
        elif kind == "serial":
            t = onset + self._rt(msg.get("predictable", False))
            key = self._maybe_wrong(msg["key"], msg["keys"])
            if msg.get("deadline") is not None and t > msg["deadline"]:
                return True
            up = self._press(t, key, m.hold, info)
            if key != msg["key"] and msg["rule"] == "until-correct":
                self._press(max(up + 0.02, t + self._rt()), msg["key"], m.hold, info)
        elif kind == "sequence":
            t = onset + self._rt()
            for target in msg["sequence"]:
                key = self._maybe_wrong(target, msg["keys"])
                up = self._press(t, key, m.hold, info)
                if key != target and msg["rule"] == "until-correct":
                    t = max(up + 0.02, t + self._ipi())
                    up = self._press(t, target, m.hold, info)
                t = max(up + 0.02, t + self._ipi())
        elif kind == "tapping":
            t = onset + self._rt()
            for target in itertools.cycle(msg["sequence"]):
                if t + m.hold + 0.15 >= msg["until"]:  # the last tap ends well inside the tapping period
                    break
                up = self._press(t, self._maybe_wrong(target, msg["keys"]), m.hold, info)
                t = max(up + 0.02, t + self._ipi())
        elif kind == "sct":  # taps ~30 ms ahead of each beat, then keeps the tempo with clock noise
            t = onset
            for k, target in zip(range(msg["n_taps"]), itertools.cycle(msg["sequence"]), strict=False):
                beat = onset + k * msg["ioi"]
                if k == 0:  # the first beat cannot be anticipated: a reaction to it
                    t = onset + self._rt()
                elif k < msg["sync_beats"]:
                    t = beat - 0.03 + self.rng.normal(0, 0.012)
                else:
                    t = t + msg["ioi"] + self.rng.normal(0, 0.015)
                self._press(t, self._maybe_wrong(target, msg["keys"]), m.hold, info)
        else:
            raise TaskError(f"simulated participant: unknown message kind {kind!r}")
        return True

    # -- sending ---------------------------------------------------------------------------
    def _send(self, action: str, key: str, info: dict) -> None:
        code = self.codes.get(key)
        if code is None:
            raise TaskError(f"simulated participant: no X keycode for key {key!r}")
        if action == "down" and key in self.down:  # a key cannot go down twice: release it first
            self._send("up", key, self.down[key])
        if action == "up" and key not in self.down:
            return
        event = self.X.KeyPress if action == "down" else self.X.KeyRelease
        t = self.now()
        self.xtest.fake_input(self.display, event, code)
        self.display.sync()
        if action == "down":
            self.down[key] = {
                "key": key,
                "down": t,
                "onset": info["onset"],
                "stimulus": info["stimulus"],
                "kind": info["kind"],
            }
        else:
            record = self.down.pop(key)
            record["up"] = t
            self.log.append(record)

    def release_all(self) -> None:
        for key in list(self.down):
            self._send("up", key, self.down[key])

    def run(self) -> None:
        self.conn.send("ready")
        running = True
        try:
            while running or self.pending:
                if self.pending:
                    timeout = max(0.0, self.pending[0][0] - self.now() - 0.002)
                else:
                    timeout = None
                if running and self.conn.poll(timeout):
                    running = self.handle(self.conn.recv())
                    if not running:  # stop: finish only the releases
                        self.pending = [p for p in self.pending if p[2] == "up"]
                        heapq.heapify(self.pending)
                    continue
                if not self.pending:
                    continue
                t, _, action, key, info = self.pending[0]
                wait = t - self.now()
                if wait > 0:
                    time.sleep(wait)
                heapq.heappop(self.pending)
                self._send(action, key, info)
        except EOFError:  # the task process ended: never leave a key held down
            self.release_all()
            return
        self.release_all()
        self.conn.send(self.log)


class _JsonLines:
    """Newline-delimited JSON over two pipe file descriptors (poll / recv / send, like a Connection)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read_fd = read_fd
        self._write = os.fdopen(write_fd, "wb", buffering=0)
        self._buffer = b""
        self._eof = False

    def poll(self, timeout: float | None) -> bool:
        """Return True when a message (or the end of the stream) is ready; wait at most ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if self._eof:
                return True
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if not ready:
                return False
            chunk = os.read(self._read_fd, 65536)
            if not chunk:
                self._eof = True
                return True
            self._buffer += chunk
        return True

    def recv(self):
        """Return the next message; raise ``EOFError`` when the other side has gone."""
        self.poll(None)
        if b"\n" not in self._buffer:
            raise EOFError
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def send(self, message) -> None:
        """Send one message."""
        self._write.write(json.dumps(message).encode() + b"\n")

    def close(self) -> None:
        """Close both ends."""
        self._write.close()
        os.close(self._read_fd)


def _serve(read_fd: int, write_fd: int) -> None:
    """Entry point of the injector process: read its settings, then serve messages."""
    channel = _JsonLines(read_fd, write_fd)
    try:  # like a keyboard's firmware, the injector should not wait for the CPU (needs CAP_SYS_NICE)
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(os.sched_get_priority_min(os.SCHED_RR)))
    except (AttributeError, PermissionError, OSError):
        pass
    settings = channel.recv()
    _Injector(channel, ResponseModel(**settings["model"]), settings["codes"]).run()


class SimulatedParticipant:
    """Start an XTEST key-injecting process and tell it about each stimulus.

    Parameters
    ----------
    model : ResponseModel
        Response-time distribution, error rate and seed.

    Notes
    -----
    The injector is a separate Python process (running :func:`_serve`), so
    it never competes with the task for the interpreter lock. Times sent to it (``onset``,
    ``deadline``, ``until``) are in the psychtoolbox ``GetSecs`` clock, shared by every process.
    """

    def __init__(self, model: ResponseModel) -> None:
        self.model = model
        self._process: subprocess.Popen | None = None
        self._channel: _JsonLines | None = None
        self.log: list[InjectedPress] = []

    def start(self, timeout: float = 30.0) -> SimulatedParticipant:
        """Start the injector process and wait until it is connected to the X server."""
        if not os.environ.get("DISPLAY"):
            raise TaskError("--simulate-responses needs an X display (DISPLAY is not set): run under xvfb-run -a")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from motorseq.tasks.simulate_input import _serve; _serve({to_child_r}, {from_child_w})",
            ],
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._channel = _JsonLines(from_child_r, to_child_w)
        self._channel.send({"model": asdict(self.model), "codes": keycode_table()})
        if not self._channel.poll(timeout):
            self._process.kill()
            raise TaskError("the simulated participant did not connect to the X server in time")
        try:
            ready = self._channel.recv()
        except EOFError:
            raise TaskError("the simulated participant could not start (is XTEST available on DISPLAY?)") from None
        if ready != "ready":
            raise TaskError(f"the simulated participant did not start: {ready!r}")
        return self

    def send(self, **message) -> None:
        """Send one message (``kind`` plus its fields) to the injector."""
        if self._channel is not None:
            self._channel.send(message)

    def stop(self, timeout: float = 10.0) -> list[InjectedPress]:
        """Stop injecting (pending releases are still sent) and return every press it made."""
        if self._channel is None:
            return self.log
        try:
            self._channel.send({"kind": "stop"})
            if self._channel.poll(timeout):
                records = self._channel.recv()
                self.log = [InjectedPress(**{f.name: r[f.name] for f in fields(InjectedPress)}) for r in records]
        except (EOFError, BrokenPipeError, OSError, ValueError):
            pass
        finally:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._channel.close()
            self._channel = None
        return self.log

    def __enter__(self) -> SimulatedParticipant:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
