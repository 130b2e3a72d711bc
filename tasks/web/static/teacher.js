// motorseq teacher page: live class figures from server-sent events (no dependencies).
const $ = (id) => document.getElementById(id);
const code = location.pathname.split("/")[2];
const token = new URLSearchParams(location.search).get("token") || "";
const query = `?token=${encodeURIComponent(token)}`;
const base = `/api/class/${encodeURIComponent(code)}`;
export const view = { updates: 0, last: null, drawn: { curve: 0, model: 0, effects: 0 } };
window.teacher = view;

$("code").textContent = code;
$("join-url").textContent = `${location.origin}/c/${code}`;
$("qr").src = `${base}/qr.svg${query}`;
$("report").href = `${base}/report${query}`;
$("export").href = `${base}/export.zip${query}`;

function axes(g, w, h, lo, hi, label) {
  g.fillStyle = "#fff";
  g.fillRect(0, 0, w, h);
  g.fillStyle = "#000";
  g.font = "13px sans-serif";
  g.fillText(label, 50, 16);
  g.fillText(`${Math.round(hi)} ms`, 2, 34);
  g.fillText(`${Math.round(lo)} ms`, 2, h - 28);
}

function drawCurve(data) {
  const c = $("class-curve");
  const g = c.getContext("2d");
  const pts = data.curve.filter((p) => p.rt_ms !== null);
  const model = (data.model || []).filter((p) => p.rt_ms !== null);
  const all = [...pts, ...model].map((p) => p.rt_ms);
  const lo = all.length ? Math.min(...all) - 30 : 300;
  const hi = all.length ? Math.max(...all) + 30 : 600;
  axes(g, c.width, c.height, lo, hi, "block RT (mean of students' medians, ±SE); dashed: spiking model");
  const blocks = data.curve.map((p) => p.block);
  const x = (b) => 60 + ((blocks.indexOf(b) + 0.5) * (c.width - 80)) / Math.max(blocks.length, 1);
  const y = (v) => c.height - 30 - ((v - lo) / (hi - lo)) * (c.height - 60);
  const line = (points, dashed, colour) => {
    g.setLineDash(dashed ? [6, 4] : []);
    g.strokeStyle = colour;
    g.lineWidth = 2;
    g.beginPath();
    points.forEach((p, i) => (i ? g.lineTo(x(p.block), y(p.rt_ms)) : g.moveTo(x(p.block), y(p.rt_ms))));
    g.stroke();
    g.setLineDash([]);
  };
  line(model, true, "#7f8c8d");
  line(pts, false, "#2c3e50");
  for (const p of pts) {
    g.fillStyle = p.kind === "random" ? "#c0392b" : "#2c3e50";
    if (p.se_ms) g.fillRect(x(p.block) - 1, y(p.rt_ms + p.se_ms), 2, y(p.rt_ms - p.se_ms) - y(p.rt_ms + p.se_ms));
    g.beginPath();
    g.arc(x(p.block), y(p.rt_ms), 6, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = "#000";
    g.fillText(`${p.block}`, x(p.block) - 4, c.height - 10);
  }
  view.drawn.curve = pts.length;
  view.drawn.model = model.length;
}

function drawEffects(data) {
  const c = $("class-effects");
  const g = c.getContext("2d");
  const values = Object.values(data.effects);
  const e = data.effect;
  const span = Math.max(50, ...values.map(Math.abs), Math.abs(e.low_ms || 0), Math.abs(e.high_ms || 0)) * 1.1;
  const x = (v) => c.width / 2 + (v / span) * (c.width / 2 - 20);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = "#000";
  g.font = "13px sans-serif";
  g.fillText("each student's sequence effect: random minus sequence blocks (ms); bar: class mean and 95% CI", 10, 16);
  g.fillRect(x(0), 24, 1, c.height - 30);
  values.forEach((v, i) => {
    g.fillStyle = "rgba(44, 62, 80, 0.7)";
    g.beginPath();
    g.arc(x(v), 60 + ((i * 37) % 60), 5, 0, 2 * Math.PI);
    g.fill();
  });
  if (e.mean_ms !== null && e.low_ms !== null) {
    g.fillStyle = "#c0392b";
    g.fillRect(x(e.low_ms), 135, x(e.high_ms) - x(e.low_ms), 4);
    g.fillRect(x(e.mean_ms) - 2, 128, 4, 18);
  }
  view.drawn.effects = values.length;
}

function show(data) {
  view.updates += 1;
  view.last = data;
  $("joined").textContent = data.counts.joined;
  $("running").textContent = data.counts.running;
  $("finished").textContent = data.counts.finished;
  $("caption").textContent = data.caption;
  drawCurve(data);
  drawEffects(data);
}

const source = new EventSource(`${base}/events${query}`);
source.addEventListener("summary", (event) => show(JSON.parse(event.data)));
source.onerror = () => {
  $("caption").textContent = "Connection to the server lost; reconnecting…";
};
