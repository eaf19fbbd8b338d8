// mailpipe's console: polls queue-manager's API (the page's own origin and login) every few
// seconds and draws what it says. Every text that came from mail or a peer (reasons, keys,
// replies) goes into the page as text, never as markup.
"use strict";

const EVERY_MS = 5000;
const COLOURS = { received: "#1f77b4", delivered: "#2ca02c", relayed: "#17becf", deferred: "#ff7f0e", bounced: "#d62728" };
let chart = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = c instanceof Node ? document.createElement("td") : el("td", c);
    if (c instanceof Node) td.appendChild(c);
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableId, rows, empty) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = row([empty]);
    tr.firstChild.colSpan = 6;
    tr.className = "empty";
    body.appendChild(tr);
  }
  rows.forEach(r => body.appendChild(r));
}

// Absolute from the origin: a page opened as http://user:password@host/console has those
// credentials in its own URL, and a URL relative to it would carry them, which fetch refuses.
// The browser sends the login it has for the origin either way.
function url(path) {
  return location.origin + path;
}

async function api(path, method) {
  const r = await fetch(url(path), { method: method || "GET", credentials: "same-origin", headers: { Accept: "application/json" } });
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = text; }
  if (!r.ok) throw new Error((body && body.error) || text || r.status);
  return body;
}

function button(label, onClick) {
  const b = el("button", label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await onClick(); } catch (e) { alert(label + ": " + e.message); }
    refresh();
  });
  return b;
}

function stageBox(s) {
  const box = el("div", null, "stage");
  box.dataset.stage = s.stage;
  box.appendChild(el("div", s.stage, "name"));
  box.appendChild(el("div", s.members + " replica" + (s.members === 1 ? "" : "s"), "replicas"));
  box.appendChild(el("div", "lag " + s.lag, "lag"));
  box.appendChild(el("div", s.perSecond.toFixed(1) + " /s", "rate"));
  if (s.members === 0 && s.lag > 0) box.classList.add("stopped");
  else if (s.lag > 0) box.classList.add("lagging");
  return box;
}

function drawPipeline(figures) {
  const byName = Object.fromEntries(figures.stages.map(s => [s.stage, s]));
  const p = document.getElementById("pipeline");
  p.replaceChildren();
  const flow = [el("div", "smtp-ingress", "stage")];
  const scan = byName["content-filter"];
  if (scan && (scan.members > 0 || scan.lag > 0)) {
    flow.push(el("span", "→ mail.scan →", "arrow topic"), stageBox(scan));
  }
  flow.push(el("span", "→ mail.inbound →", "arrow topic"), stageBox(byName["routing-service"]),
      el("span", "→ mail.delivery →", "arrow topic"), stageBox(byName["delivery-service"]),
      el("span", "| mail.relay →", "arrow topic"), stageBox(byName["relay-service"]),
      el("span", "| mail.notices →", "arrow topic"), stageBox(byName["routing-notices"]));
  const tiers = figures.retryTiers.reduce((n, t) => n + t.waiting, 0);
  const qm = el("div", null, "stage");
  qm.dataset.stage = "queue-manager";
  qm.appendChild(el("div", "queue-manager", "name"));
  qm.appendChild(el("div", figures.retryMembers + " replica" + (figures.retryMembers === 1 ? "" : "s"), "replicas"));
  qm.appendChild(el("div", tiers + " deferred", "lag"));
  flow.push(el("span", "| mail.retry.* →", "arrow topic"), qm);
  flow.forEach(n => p.appendChild(n));
}

function drawChart(minutes) {
  const data = [minutes.start];
  minutes.types.forEach((t, i) => data.push(minutes.counts.map(c => c[i])));
  if (chart) {
    chart.setData(data);
    return;
  }
  const series = [{}].concat(minutes.types.map(t => ({ label: t === "received" ? "accepted" : t, stroke: COLOURS[t], width: 2 })));
  chart = new uPlot({ width: Math.min(1100, window.innerWidth - 60), height: 260, series: series,
    axes: [{}, { label: "per minute" }] }, data, document.getElementById("chart"));
}

async function refreshFigures() {
  const f = await api("/api/console");
  drawPipeline(f);
  drawChart(f.minutes);
  document.getElementById("retry-members").textContent = "(queue-manager: " + f.retryMembers + ")";
  fill("tiers", f.retryTiers.map(t => row([t.topic, t.waiting])), "");
  const updated = document.getElementById("updated");
  updated.textContent = "updated " + new Date().toLocaleTimeString();
  updated.classList.remove("stale");
}

async function refreshLists() {
  const queue = await api("/api/queue");
  fill("deferred", queue.slice(0, 200).map(w => row([w.id, w.destination, w.attempt, w.due || "",
    el("span", w.lastReason || "", "reason"),
    (() => {
      const cell = el("span");
      cell.appendChild(button("flush " + w.destination, () => api("/api/queue/flush/" + encodeURIComponent(w.destination), "POST")));
      cell.appendChild(button("drop", () => api("/api/queue/" + encodeURIComponent(w.id), "DELETE")));
      return cell;
    })()])), "nothing deferred");
  const dead = await api("/api/dead-letters");
  fill("dead", (dead || []).slice(0, 200).map(d => row([d.id, d.stage, d.key || "", el("span", d.reason || "", "reason"),
    d.replayed ? el("span", "replayed") : button("replay", () => api("/api/dead-letters/replay/" + encodeURIComponent("#" + d.id), "POST"))])),
    "no dead letters");
  const held = await api("/api/destinations");
  fill("held", held.map(a => row([a.destination, a.action + (a.factor ? " ×" + a.factor : ""), a.by || "operator", a.until,
    el("span", a.reason || "", "reason"),
    button("resume", () => api("/api/destinations/" + encodeURIComponent(a.destination), "DELETE"))])), "none held");
}

async function refresh() {
  try {
    await refreshFigures();
    await refreshLists();
  } catch (e) {
    const updated = document.getElementById("updated");
    updated.textContent = "not answering: " + e.message;
    updated.classList.add("stale");
  }
}

document.getElementById("trace-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const id = document.getElementById("trace-id").value.trim();
  const out = document.getElementById("trace");
  if (!id) return;
  const r = await fetch(url("/api/trace/" + encodeURIComponent(id)), { credentials: "same-origin", headers: { Accept: "text/plain" } });
  out.textContent = await r.text();
});

refresh();
setInterval(refresh, EVERY_MS);
