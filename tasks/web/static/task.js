// motorseq browser task: runs one protocol's trial list in the page (an ES module, no dependencies).
//
// Timing: every stimulus is drawn inside a requestAnimationFrame callback and its onset is that
// callback's timestamp; every key press is kept with the KeyboardEvent's own timeStamp (keydown
// and keyup). Both are on the page's performance.now() clock, so RT = key time - onset does not
// depend on when the script ran. The page does no work while a trial waits for a key (no fetch,
// no layout), and trials are sent only in the interval after the response.
//
// Reliability: a finished trial goes to a buffer in localStorage first, then to the server; it
// leaves the buffer only when the server acknowledged it (201 stored, 409 stored before). After a
// reload or a lost connection the buffer is sent again, and the run continues at the next trial.

const $ = (id) => document.getElementById(id);
const canvas = $("stage");
const ctx = canvas.getContext("2d");
const text = $("text");

export const state = { phase: "loading", expect: null, wait: 0, trialIndex: 0, sent: 0, acked: 0, onsets: [], error: null };
window.motorseq = state;

// ---------------------------------------------------------------- keys
const presses = []; // every press since the last trial was sent: {key, down_ms, up_ms}
const open = new Map();
const keyName = (e) => (e.key === " " ? "space" : e.key.length === 1 ? e.key.toLowerCase() : e.key.toLowerCase());
let onKey = null;
window.addEventListener("keydown", (e) => {
  if (e.repeat) return;
  const press = { key: keyName(e).slice(0, 24), down_ms: e.timeStamp, up_ms: null };
  presses.push(press);
  open.set(press.key, press);
  if (e.key === " " || e.key.startsWith("Arrow")) e.preventDefault();
  if (onKey) onKey(press);
});
window.addEventListener("keyup", (e) => {
  const press = open.get(keyName(e));
  if (press) {
    press.up_ms = e.timeStamp;
    open.delete(press.key);
  }
});
function expectKey(key) {
  // what the page waits for (read by automated tests and benchmarks); `wait` counts the waits
  state.expect = key;
  state.wait += 1;
}
// Display frames during a trial: every requestAnimationFrame timestamp the page sees from the
// trial's start to its send; an interval of k nominal frames means k - 1 frames were dropped.
const frameLog = { active: false, last: null, intervals: 0, dropped: 0, sum_ms: 0, sum_sq_ms: 0 };
function startFrames() {
  Object.assign(frameLog, { active: true, last: null, intervals: 0, dropped: 0, sum_ms: 0, sum_sq_ms: 0 });
}
function takeFrames() {
  frameLog.active = false;
  const { intervals, dropped, sum_ms, sum_sq_ms } = frameLog;
  return { intervals, dropped, sum_ms, sum_sq_ms };
}
const nextFrame = () =>
  new Promise((resolve) =>
    requestAnimationFrame((now) => {
      if (frameLog.active) {
        if (frameLog.last !== null) {
          const gap = now - frameLog.last;
          frameLog.intervals += 1;
          frameLog.sum_ms += gap;
          frameLog.sum_sq_ms += gap * gap;
          if (state.frameMs) frameLog.dropped += Math.max(0, Math.round(gap / state.frameMs) - 1);
        }
        frameLog.last = now;
      }
      resolve(now);
    }),
  );
const waitKey = (wanted) =>
  new Promise((resolve) => {
    expectKey(wanted);
    onKey = (press) => {
      if (press.key === wanted) {
        onKey = null;
        state.expect = null;
        resolve(press);
      }
    };
  });

// ---------------------------------------------------------------- server and buffer
const classCode = location.pathname.startsWith("/c/") ? location.pathname.split("/")[2] : null;
const params = new URLSearchParams(location.search);
const storeKey = classCode
  ? `motorseq:class:${classCode}`
  : `motorseq:run:${params.get("protocol")}:${params.get("participant")}:${params.get("session") || "1"}`;
const load = (name, fallback) => JSON.parse(localStorage.getItem(`${storeKey}:${name}`) || JSON.stringify(fallback));
const save = (name, value) => localStorage.setItem(`${storeKey}:${name}`, JSON.stringify(value));
let token = load("token", null);

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers["X-Run-Token"] = token;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, keepalive: true });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

let flushing = null;
async function flush() {
  if (flushing) return flushing;
  flushing = (async () => {
    for (const trial of load("pending", [])) {
      try {
        const { status } = await api("POST", "/api/runs/me/trials", trial);
        if (status === 201 || status === 409 || (status >= 400 && status < 500 && status !== 401)) {
          // acknowledged (a 4xx other than 401 will never be accepted: dropped, with a console note)
          if (status !== 201 && status !== 409) console.warn("trial refused", trial.trial_index, status);
          save("pending", load("pending", []).filter((t) => t.trial_index !== trial.trial_index));
          state.acked += 1;
        } else break;
      } catch (err) {
        break; // offline: try again later
      }
    }
  })();
  try {
    await flushing;
  } finally {
    flushing = null;
  }
}
setInterval(flush, 2000);

function queueTrial(trial) {
  const pending = load("pending", []);
  pending.push(trial);
  save("pending", pending);
  state.sent += 1;
  flush();
}

function environment() {
  return {
    user_agent: navigator.userAgent.slice(0, 400),
    refresh_hz: state.refreshHz || null,
    screen_width: screen.width,
    screen_height: screen.height,
    device_pixel_ratio: window.devicePixelRatio,
  };
}

async function startOrContinue() {
  if (token) {
    const { status, data } = await api("GET", "/api/runs/me");
    if (status === 200) return data;
    token = null;
    save("token", null);
    save("pending", []);
  }
  const body = { environment: environment() };
  const { status, data } = classCode
    ? await api("POST", `/api/class/${encodeURIComponent(classCode)}/join`, body)
    : await api("POST", "/api/runs", {
        ...body,
        protocol: params.get("protocol"),
        participant: params.get("participant"),
        session: params.get("session") || "1",
      });
  if (status !== 201) throw new Error(data.error || `the server answered ${status}`);
  token = data.token;
  save("token", token);
  return data;
}

// ---------------------------------------------------------------- drawing
let cfg = null;
function resize() {
  canvas.width = window.innerWidth;
  canvas.height = window.innerHeight;
}
window.addEventListener("resize", resize);
resize();

function boxes() {
  const n = cfg.keys.length;
  const h = canvas.height;
  const size = cfg.display.stimulus_size * h;
  const step = cfg.display.spacing * h;
  const x0 = canvas.width / 2 - (step * (n - 1)) / 2;
  return Array.from({ length: n }, (_, i) => ({ x: x0 + i * step - size / 2, y: h / 2 - size / 2, size }));
}

function draw(target = 0, label = null) {
  const d = cfg.display;
  ctx.fillStyle = d.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 3;
  boxes().forEach((b, i) => {
    ctx.strokeStyle = d.placeholder;
    ctx.strokeRect(b.x, b.y, b.size, b.size);
    if (i + 1 === target) {
      ctx.fillStyle = d.target;
      ctx.fillRect(b.x + 4, b.y + 4, b.size - 8, b.size - 8);
    }
  });
  if (label) {
    ctx.fillStyle = d.text;
    ctx.font = `${Math.round(canvas.height * 0.06)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(label, canvas.width / 2, canvas.height / 2 - canvas.height * 0.15);
  }
}

function showText(body, heading = "") {
  ctx.fillStyle = cfg ? cfg.display.background : "#808080";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  text.replaceChildren();
  if (heading) {
    const h = document.createElement("h1");
    h.textContent = heading;
    text.append(h);
  }
  for (const paragraph of String(body).split(/\n\s*\n/)) {
    if (!paragraph.trim()) continue;
    const p = document.createElement("p");
    p.textContent = paragraph.replace(/\s*\n\s*/g, " ");
    text.append(p);
  }
  text.hidden = false;
}

const fill = (t, values) => t.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
async function screenThenSpace(body, heading = "", prompt = "") {
  showText(prompt ? `${body}\n\n${prompt}` : body, heading);
  state.phase = "screen";
  await waitKey("space");
  text.hidden = true;
  presses.length = 0; // the space press is not a response
}

// ---------------------------------------------------------------- trials
async function untilFrame(time) {
  // the frame whose timestamp is within half a frame of `time`
  for (;;) {
    const now = await nextFrame();
    if (now >= time - (state.frameMs || 16.7) / 2) return now;
  }
}

async function serialTrial(trial) {
  const keys = cfg.keys;
  const timeout = cfg.timeout_ms;
  const start = presses.length;
  let end = null;
  let onset = null;
  onKey = (press) => {
    if (onset === null || end !== null || !keys.includes(press.key)) return;
    if (press.key === trial.correct_key || cfg.rule === "first-press") end = press.down_ms;
  };
  onset = await nextFrame();
  draw(Number(trial.target));
  state.onsets.push(onset);
  state.phase = "trial";
  expectKey(trial.correct_key);
  while (end === null) {
    const now = await nextFrame();
    if (timeout && now - onset >= timeout) end = onset + timeout;
  }
  onKey = null;
  state.expect = null;
  draw(0);
  return { onset, end, rest: cfg.rsi_ms, first: presses.slice(start).find((p) => keys.includes(p.key) && p.down_ms >= onset) };
}

async function dspTrial(trial) {
  const keys = cfg.keys;
  const wanted = trial.correct_key.split("-");
  const positions = trial.target.split("-").map(Number);
  const allAtOnce = cfg.dsp && cfg.dsp.stimulus === "all-at-once";
  let done = 0;
  let last = null;
  let onset = null;
  onKey = (press) => {
    if (onset === null || done >= wanted.length || !keys.includes(press.key)) return;
    if (press.key === wanted[done] || cfg.rule === "first-press") {
      done += 1;
      last = press.down_ms;
    }
  };
  const label = () => (allAtOnce ? wanted.map((k, i) => (i < done ? "·" : k.toUpperCase())).join(" ") : null);
  onset = await nextFrame();
  last = onset;
  draw(allAtOnce ? 0 : positions[0], label());
  state.onsets.push(onset);
  state.phase = "trial";
  let shown = 0;
  expectKey(wanted[0]);
  while (done < wanted.length) {
    if (wanted[done] !== state.expect || done !== shown) expectKey(wanted[done]);
    const now = await nextFrame();
    if (done !== shown) {
      shown = done;
      draw(allAtOnce || done >= positions.length ? 0 : positions[done], label());
    }
    if (cfg.timeout_ms && now - last >= cfg.timeout_ms) break;
  }
  onKey = null;
  state.expect = null;
  draw(0);
  const rest = (cfg.dsp ? cfg.dsp.inter_sequence_ms || 0 : 0) + cfg.rsi_ms;
  return { onset, end: done === wanted.length ? last : last + cfg.timeout_ms, rest };
}

async function fttTrial(trial) {
  const tapMs = cfg.ftt.tap_s * 1000;
  const wanted = trial.correct_key.split("-");
  const labelText = trial.target.split("-").join(" ");
  const onset = await nextFrame();
  draw(0, labelText);
  state.onsets.push(onset);
  state.phase = "trial";
  expectKey(wanted[0]);
  let j = 0;
  onKey = (press) => {
    j = press.key === wanted[j] ? (j + 1) % wanted.length : press.key === wanted[0] ? 1 : 0;
    expectKey(wanted[j]);
  };
  let now = onset;
  while (now - onset < tapMs) now = await nextFrame();
  onKey = null;
  state.expect = null;
  ctx.fillStyle = cfg.display.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  showText(cfg.texts.rest);
  return { onset, end: onset + tapMs, rest: cfg.ftt.rest_s * 1000, hideText: true };
}

const TRIALS = { srt: serialTrial, asrt: serialTrial, dsp: dspTrial, ftt: fttTrial };

// ---------------------------------------------------------------- the run
async function measureRefresh() {
  let last = await nextFrame();
  const gaps = [];
  for (let i = 0; i < 30; i++) {
    const now = await nextFrame();
    gaps.push(now - last);
    last = now;
  }
  gaps.sort((a, b) => a - b);
  state.frameMs = gaps[15];
  state.refreshHz = Math.round(1000 / state.frameMs);
}

function blockSummary(rows) {
  const correct = rows.filter((r) => r.correct);
  const rts = correct.map((r) => r.rt).filter((x) => x !== null);
  const mean = rts.length ? rts.reduce((a, b) => a + b, 0) / rts.length : null;
  return { mean, accuracy: rows.length ? correct.length / rows.length : 0 };
}

async function ownCurve() {
  const { status, data } = await api("GET", "/api/runs/me/curve");
  if (status !== 200 || !data.curve) return;
  const pts = data.curve.filter((c) => c.rt_ms !== null);
  if (pts.length < 2) return;
  const figure = $("curve");
  const g = figure.getContext("2d");
  const lo = Math.min(...pts.map((p) => p.rt_ms)) - 20;
  const hi = Math.max(...pts.map((p) => p.rt_ms)) + 20;
  const x = (i) => 40 + (i * (figure.width - 60)) / (pts.length - 1);
  const y = (v) => figure.height - 30 - ((v - lo) / (hi - lo)) * (figure.height - 60);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, figure.width, figure.height);
  g.strokeStyle = "#2c3e50";
  g.lineWidth = 2;
  g.beginPath();
  pts.forEach((p, i) => (i ? g.lineTo(x(i), y(p.rt_ms)) : g.moveTo(x(i), y(p.rt_ms))));
  g.stroke();
  pts.forEach((p, i) => {
    g.fillStyle = p.kind === "random" ? "#c0392b" : "#2c3e50";
    g.beginPath();
    g.arc(x(i), y(p.rt_ms), 5, 0, 2 * Math.PI);
    g.fill();
  });
  g.fillStyle = "#000";
  g.font = "14px sans-serif";
  g.fillText("your reaction time per block (red: random block)", 40, 18);
  figure.hidden = false;
  state.curveDrawn = pts.length;
  if (data.effect_ms !== null && data.effect_ms !== undefined) {
    const p = document.createElement("p");
    const ms = Math.round(data.effect_ms);
    p.textContent =
      ms > 0
        ? `Random positions slowed you by ${ms} ms: that is what you learned of the hidden sequence.`
        : `Random positions did not slow you (${ms} ms): no sign of sequence learning this time.`;
    text.append(p);
  }
}

async function main() {
  const info = await startOrContinue();
  cfg = info.config;
  await measureRefresh();
  const segment = load("segment", 0) + 1;
  save("segment", segment);
  await flush();
  const done = new Set([...info.stored, ...load("pending", []).map((t) => t.trial_index)]);
  let next = done.size ? Math.max(...done) + 1 : 1;
  const trials = cfg.trials;
  const n = trials.length;
  const values = { n_blocks: cfg.n_blocks, block: trials[Math.min(next, n) - 1].block, trial: trials[Math.min(next, n) - 1].trial };
  if (next > n) {
    state.phase = "finished";
    showText(fill(cfg.texts.end, values), cfg.texts.end_title);
    await ownCurve();
    return;
  }
  if (next === 1) await screenThenSpace(fill(cfg.texts.welcome, values), cfg.texts.welcome_title);
  else await screenThenSpace(fill(cfg.texts.welcome_back, values), cfg.texts.welcome_back_title, cfg.texts.continue_prompt);
  const runTrial = TRIALS[cfg.paradigm];
  let rows = [];
  while (next <= n) {
    const trial = trials[next - 1];
    if (trial.trial === 1 && next > 1) {
      await screenThenSpace(fill(cfg.texts.block, { ...values, block: trial.block }));
    }
    draw(0);
    startFrames();
    const result = await runTrial(trial);
    state.trialIndex = next;
    // the interval after the response: send the trial when its keys are up or the next stimulus is due
    const due = result.end + result.rest;
    for (let now = performance.now(); now < due - (state.frameMs || 16.7); now = await nextFrame()) {
      if (presses.every((p) => p.up_ms !== null)) break;
    }
    const kept = presses.splice(0, presses.length);
    const body = {
      trial_index: next,
      segment,
      onset_ms: result.onset,
      end_ms: Math.max(result.end, result.onset),
      presses: kept.slice(0, 600),
      frame_ms: state.frameMs,
      frames: takeFrames(),
    };
    queueTrial(body);
    if (cfg.paradigm === "srt" || cfg.paradigm === "asrt") {
      const first = result.first;
      rows.push({ correct: first && first.key === trial.correct_key ? 1 : 0, rt: first ? first.down_ms - result.onset : null });
    }
    await untilFrame(due);
    if (result.hideText) text.hidden = true;
    next += 1;
    const last = next > n || trials[next - 1].block !== trial.block;
    if (last && next <= n) {
      const s = blockSummary(rows);
      rows = [];
      const kind = trial.block_kind === "practice" ? cfg.texts.practice_complete : fill(cfg.texts.block_complete, { ...values, block: trial.block });
      let body2 = fill(cfg.texts.blocks_done, { done: trial.block, n_blocks: cfg.n_blocks });
      if (cfg.feedback.after_block && s.mean !== null && cfg.paradigm !== "ftt") {
        body2 += `\n\n${cfg.texts.mean_rt}: ${Math.round(s.mean)} ms\n\n${cfg.texts.accuracy}: ${Math.round(s.accuracy * 100)} %`;
      }
      await screenThenSpace(`${body2}\n\n${cfg.texts.break}`, kind);
    }
  }
  state.phase = "sending";
  while (load("pending", []).length) {
    await flush();
    if (load("pending", []).length) await new Promise((r) => setTimeout(r, 500));
  }
  state.phase = "finished";
  showText(fill(cfg.texts.end, values), cfg.texts.end_title);
  await ownCurve();
}

main().catch((err) => {
  state.phase = "error";
  state.error = String(err.message || err);
  text.hidden = false;
  text.textContent = `Cannot start: ${state.error}`;
});
