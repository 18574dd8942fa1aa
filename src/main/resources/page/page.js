// Printery's live page: the deployment record and the dead letters, read from the management API. Views follow the
// server-sent event streams of /api/deployments (a snapshot, then changes); the browser's EventSource reconnects by
// itself with Last-Event-ID, so nothing is missed. Everything is built with textContent: record data is never HTML.
"use strict";

const STATUSES = ["RUNNING", "ROLLING_BACK", "SUCCESS", "FAILURE", "ROLLED_BACK", "CANCELLED"];
const main = document.getElementById("main");
const live = document.getElementById("live");
let stream = null;
let ticker = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "style") node.style.cssText = value; // through the CSSOM: the page's CSP refuses style attributes
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function status(value) {
  const text = value || "—";
  return el("span", {class: "status s-" + text}, text);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

function seconds(ms) {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + " s";
}

function table(headers, rows, empty) {
  if (!rows.length) return el("p", {class: "notice"}, empty);
  return el("div", {class: "table"}, el("table", {},
    el("thead", {}, el("tr", {}, headers.map(h => el("th", {class: h.wide ? "wide" : null}, h.label || h)))),
    el("tbody", {}, rows)));
}

function follow(url, handlers) {
  stop();
  live.textContent = "connecting…";
  stream = new EventSource(url);
  stream.onopen = () => { live.textContent = "live"; };
  stream.onerror = () => { live.textContent = "reconnecting…"; };
  for (const [event, handler] of Object.entries(handlers)) {
    stream.addEventListener(event, message => handler(JSON.parse(message.data)));
  }
}

function stop() {
  if (stream) stream.close();
  stream = null;
  if (ticker) clearInterval(ticker);
  ticker = null;
  live.textContent = "";
}

async function getJson(url, options) {
  const response = await fetch(url, Object.assign({headers: {"Accept": "application/json"}}, options));
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  return {status: response.status, body};
}

function navigate() {
  const hash = location.hash || "#/";
  document.getElementById("nav-deployments").toggleAttribute("aria-current", !hash.startsWith("#/dlq"));
  document.getElementById("nav-dlq").toggleAttribute("aria-current", hash.startsWith("#/dlq"));
  if (hash.startsWith("#/deployments/")) return deployment(decodeURIComponent(hash.slice("#/deployments/".length)));
  if (hash.startsWith("#/dlq/")) return deadLetter(decodeURIComponent(hash.slice("#/dlq/".length)));
  if (hash.startsWith("#/dlq")) return deadLetters();
  return deployments(new URLSearchParams(hash.split("?")[1] || ""));
}

// ---- The list ---------------------------------------------------------------------------------------------------

function deployments(query) {
  const environment = query.get("environment") || "";
  const wanted = query.get("status") || "";
  const pages = [];
  let rows = [];
  let next = null;
  const body = el("tbody", {id: "deployments"});
  const pager = el("div", {class: "pager"});
  const form = el("form", {class: "filters", onsubmit: e => {
    e.preventDefault();
    const params = new URLSearchParams();
    const data = new FormData(form);
    for (const key of ["environment", "status"]) if (data.get(key)) params.set(key, data.get(key));
    location.hash = "#/?" + params;
  }},
    el("label", {}, "Environment", el("input", {name: "environment", id: "filter-environment", value: environment})),
    el("label", {}, "Status", el("select", {name: "status", id: "filter-status"},
      el("option", {value: ""}, "any"),
      STATUSES.map(s => el("option", {value: s, selected: s === wanted}, s)))),
    el("button", {type: "submit"}, "Filter"));
  main.replaceChildren(el("h2", {}, "Deployments"), form,
    el("div", {class: "table"}, el("table", {},
      el("thead", {}, el("tr", {}, ["Started", "Deployment", "Version", "Environment", "Status", "Duration"]
        .map((h, i) => el("th", {class: i === 1 ? "wide" : null}, h)))), body)), pager);

  const filter = new URLSearchParams();
  if (environment) filter.set("environment", environment);
  if (wanted) filter.set("status", wanted);

  function render() {
    body.replaceChildren(...(rows.length ? rows.map(row) : [el("tr", {}, el("td", {colspan: 6}, "No deployments yet."))]));
    pager.replaceChildren(
      pages.length ? el("button", {id: "newer", onclick: () => page(pages.length > 1 ? pages[pages.length - 2] : null, -1)}, "← Newer") : null,
      next ? el("button", {id: "older", onclick: () => page(next, 1)}, "Older →") : null);
  }

  function row(d) {
    const link = "#/deployments/" + encodeURIComponent(d.id);
    return el("tr", {"data-id": d.id, "data-status": d.status},
      el("td", {}, el("a", {href: link}, when(d.started_at))),
      el("td", {class: "mono wide"}, el("a", {href: link}, d.id)),
      el("td", {}, d.version || "—"), el("td", {}, d.environment || "—"),
      el("td", {}, status(d.status)), el("td", {}, seconds(d.duration_ms)));
  }

  async function page(cursor, direction) {
    const params = new URLSearchParams(filter);
    if (cursor) params.set("cursor", cursor);
    const answer = await getJson("/api/deployments?" + params);
    if (answer.status !== 200) {
      pager.replaceChildren(el("p", {class: "error"}, (answer.body && answer.body.error) || "HTTP " + answer.status));
      return;
    }
    if (direction > 0) pages.push(cursor); else pages.pop();
    rows = answer.body.items;
    next = answer.body.next_cursor;
    render();
  }

  // On the first page, new deployments come in at the top; on older pages only the rows shown change.
  function change(d) {
    const at = rows.findIndex(r => r.id === d.id);
    const fits = !wanted || d.status === wanted;
    if (at >= 0) {
      if (fits) rows[at] = d; else rows.splice(at, 1);
    } else if (fits && !pages.length) {
      rows.push(d);
      rows.sort((a, b) => (b.started_at || "").localeCompare(a.started_at || "") || b.id.localeCompare(a.id));
    }
    render();
  }

  follow("/api/deployments/stream?" + filter, {
    snapshot: data => { if (!pages.length) { rows = data.items; next = data.next_cursor; } render(); },
    change
  });
  render();
}

// ---- One deployment ---------------------------------------------------------------------------------------------

function deployment(id) {
  let record = null;
  main.replaceChildren(el("h2", {}, "Deployment ", el("span", {class: "mono"}, id)), el("p", {}, "Loading…"));
  const draw = () => main.replaceChildren(...view(id, record));
  follow("/api/deployments/" + encodeURIComponent(id) + "/stream", {
    snapshot: data => { record = data; draw(); },
    change: data => { record = data; draw(); }
  });
  ticker = setInterval(() => { if (record && !record.ended_at) draw(); }, 1000);
}

function view(id, d) {
  const title = el("h2", {}, "Deployment ", el("span", {class: "mono"}, id));
  if (!d) return [title, el("p", {class: "notice", id: "waiting"}, "Waiting for the deployment's first event…")];
  const parts = [title, el("dl", {class: "summary"},
    item("Status", el("span", {id: "status"}, status(d.status))), item("Version", d.version),
    item("Environment", d.environment), item("Strategy", d.strategy), item("Actor", d.actor),
    item("Started", when(d.started_at)), item("Duration", seconds(d.duration_ms)),
    item("Correlation id", el("span", {class: "mono"}, d.correlation_id)))];
  if (d.failure) {
    parts.push(el("p", {class: "notice error", id: "failure"}, "Failed: " + d.failure.reason
      + (d.failure.failed_stage ? " (stage " + d.failure.failed_stage + ")" : "")
      + (d.failure.details ? ": " + d.failure.details : "")));
  }
  parts.push(el("h2", {}, "Timeline"), timeline(d));
  parts.push(el("h2", {}, "Checks"), checks(d));
  parts.push(el("h2", {}, "Events"), table(["Time", "Type", "Correlation id", {label: "Entry", wide: true}],
    (d.timeline || []).map(e => el("tr", {"data-type": e.type},
      el("td", {}, when(e.at)), el("td", {class: "mono"}, e.type), el("td", {class: "mono"}, e.correlation_id),
      el("td", {class: "mono wide"}, e.stream + " " + e.entry_id))), "No events yet."));
  parts.push(el("h2", {}, "Notifications"), table(["Time", "Channel", "Event", "Outcome", "Attempt", "Error"],
    (d.notifications || []).map(n => el("tr", {"data-outcome": n.outcome},
      el("td", {}, when(n.at)), el("td", {}, n.channel), el("td", {class: "mono"}, n.event_type),
      el("td", {}, status(n.outcome)), el("td", {}, n.attempt), el("td", {}, n.error || ""))),
    "No notifications sent yet."));
  return parts;
}

function item(label, value) {
  return el("div", {}, el("dt", {}, label), el("dd", {}, value === null || value === undefined ? "—" : value));
}

// Bars on one time axis from the deployment's start to its end (or now): validation, each stage, the rollback.
function timeline(d) {
  const t0 = Date.parse(d.started_at);
  const end = d.ended_at ? Date.parse(d.ended_at) : Date.now();
  const at = type => (d.timeline || []).find(e => e.type === type);
  const lanes = [];
  const validated = at("validation:completed");
  const validating = at("validation:started");
  if (validating || validated) {
    lanes.push({name: "validation", from: validating ? validating.at : d.started_at, to: validated && validated.at,
      status: d.validation ? d.validation.result : "RUNNING"});
  }
  for (const stage of d.stages || []) {
    lanes.push({name: stage.name, from: stage.started_at, to: stage.ended_at, status: stage.status || "RUNNING",
      note: stage.error});
  }
  if (d.rollback) {
    lanes.push({name: "rollback", from: d.rollback.started_at, to: d.rollback.ended_at, rollback: true,
      status: d.rollback.status || "ROLLING_BACK", note: d.rollback.reason});
  }
  if (!lanes.length) return el("p", {class: "notice"}, "Nothing has started yet.");
  const span = Math.max(end - t0, 1);
  return el("ol", {class: "timeline", id: "timeline"}, lanes.map(lane => {
    const from = lane.from ? Date.parse(lane.from) : t0;
    const to = lane.to ? Date.parse(lane.to) : end;
    const left = Math.max(0, (from - t0) / span * 100);
    const width = Math.max(0.5, (to - from) / span * 100);
    return el("li", {"data-stage": lane.name, "data-status": lane.status},
      el("span", {}, lane.name, " ", status(lane.status)),
      el("div", {class: "track", title: lane.note || ""},
        el("div", {class: "bar " + lane.status + (lane.rollback ? " rollback" : "") + (lane.to ? "" : " open"),
          style: "left:" + left.toFixed(2) + "%;width:" + Math.min(width, 100 - left).toFixed(2) + "%"})),
      el("span", {class: "when"}, "+" + seconds(from - t0) + " · " + seconds(to - from) + (lane.to ? "" : " so far")));
  }));
}

function checks(d) {
  const rows = [];
  for (const c of (d.validation && d.validation.checks) || []) {
    rows.push(el("tr", {}, el("td", {}, "validation"), el("td", {}, c.name), el("td", {}, c.service || ""),
      el("td", {}, status(c.result)), el("td", {}, c.message || "")));
  }
  for (const stage of d.stages || []) {
    for (const dep of (stage.dependencies && stage.dependencies.dependencies) || []) {
      rows.push(el("tr", {}, el("td", {}, stage.name + " dependencies"), el("td", {}, dep.dependency + " (" + dep.type + ")"),
        el("td", {}, dep.service), el("td", {}, status(dep.status)),
        el("td", {}, (dep.error || "") + " " + seconds(dep.response_time_ms))));
    }
    if (stage.health) {
      for (const s of stage.health.services || []) {
        rows.push(el("tr", {}, el("td", {}, stage.name + " health"), el("td", {}, "health"), el("td", {}, s.service),
          el("td", {}, status(s.status)), el("td", {}, stage.health.rollback_reason || "")));
      }
    }
  }
  return table(["Check", "Name", "Service", "Result", "Details"], rows, "No check results yet.");
}

// ---- Dead letters -----------------------------------------------------------------------------------------------

async function deadLetters() {
  stop();
  main.replaceChildren(el("h2", {}, "Dead letters"), el("p", {}, "Loading…"));
  const answer = await getJson("/api/dlq?limit=100");
  if (answer.status !== 200) {
    main.replaceChildren(el("h2", {}, "Dead letters"), el("p", {class: "error"}, (answer.body && answer.body.error) || "HTTP " + answer.status));
    return;
  }
  main.replaceChildren(el("h2", {}, "Dead letters"), el("button", {onclick: deadLetters}, "Refresh"),
    table(["Dead-lettered", "Id", "Worker", "Event", "Reason", "Replayed"], answer.body.map(d =>
      el("tr", {"data-id": d.id},
        el("td", {}, when(d.dead_lettered_at)), el("td", {class: "mono"}, el("a", {href: "#/dlq/" + encodeURIComponent(d.id)}, d.id)),
        el("td", {}, d.worker), el("td", {class: "mono"}, d.event_type || "—"),
        el("td", {}, d.exception_class + ": " + d.exception_message), el("td", {}, d.replay_count ? "×" + d.replay_count : "no"))),
      "The dead-letter queue is empty."));
}

async function deadLetter(id) {
  stop();
  const answer = await getJson("/api/dlq/" + encodeURIComponent(id));
  const title = el("h2", {}, "Dead letter ", el("span", {class: "mono"}, id));
  if (answer.status !== 200) {
    main.replaceChildren(title, el("p", {class: "error"}, (answer.body && answer.body.error) || "HTTP " + answer.status));
    return;
  }
  const d = answer.body;
  const outcome = el("p", {id: "replay-outcome", role: "status"});
  const replay = force => async () => {
    const result = await getJson("/api/dlq/" + encodeURIComponent(id) + "/replay" + (force ? "?force=true" : ""),
      {method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"}, body: "{}"});
    if (result.status === 200) outcome.replaceChildren("Replayed as entry " + result.body.entry_id + ".");
    else if (result.status === 409 && result.body && result.body.outcome === "already_replayed") {
      outcome.replaceChildren("Replayed before. ", el("button", {onclick: replay(true)}, "Replay again"));
    } else outcome.replaceChildren(el("span", {class: "error"}, (result.body && (result.body.error || result.body.outcome)) || "HTTP " + result.status));
  };
  const payload = d.payload_base64 || "";
  main.replaceChildren(title, el("dl", {class: "summary"},
    item("Worker", d.worker), item("Reason", d.exception_class + ": " + d.exception_message),
    item("Attempts", d.attempts), item("First failure", when(d.first_failure_at)), item("Last failure", when(d.last_failure_at)),
    item("Source", el("span", {class: "mono"}, d.source_stream + " " + d.source_entry_id)),
    item("Event", el("span", {class: "mono"}, (d.event_type || "—") + " " + (d.event_id || ""))),
    item("Deployment", d.deployment_id ? el("a", {href: "#/deployments/" + encodeURIComponent(d.deployment_id)}, d.deployment_id) : "—"),
    item("Payload", d.payload_size + " bytes"), item("Replayed", d.replay_count ? d.replay_count + "× (" + when(d.replayed_at) + ")" : "no")),
    el("h2", {}, "Payload (base64, start)"), el("p", {class: "mono"}, payload.slice(0, 240) + (payload.length > 240 ? "…" : "")),
    el("button", {id: "replay", onclick: replay(false)}, "Replay"), outcome);
}

window.addEventListener("hashchange", navigate);
navigate();
