// Popups: what a click on each layer tells.

import { fetchJson } from "./api.js";
import { legendClass, maplibregl } from "./map.js";

/** Escapes text for HTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function table(rows) {
  return `<table>${rows
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`)
    .join("")}</table>`;
}

const date = (s) => (s ? s.slice(0, 10) : "");
const fixed = (x, d = 2) => (typeof x === "number" ? x.toFixed(d) : x);

/**
 * HTML for a clicked feature of `layerId`, or null when the layer has no popup. `legend` is
 * the shown method's legend (a cell is titled by its class).
 */
export function popupHtml(layerId, p, typeName, legend) {
  switch (layerId) {
    case "points-circle":
      // A tile carries a few properties; `requestHtml` replaces this once the record is read.
      return `<div class="popup"><h4>${esc(typeName(p.service_code))}</h4>${table([
        ["Request", p.service_request_id],
        ["Status", p.overdue ? "open, overdue" : p.status],
        ["Requested", date(p.requested_datetime)],
      ])}<p class="hint" data-loading>Loading details…</p>${recordLink(p.service_request_id)}</div>`;
    case "points-clusters":
      return `<div class="popup"><h4>${esc(p.count)} requests here</h4>${table([
        ["Open", p.open],
        ["Overdue", p.overdue_count],
      ])}<p class="hint">Zoom in to see each request.</p></div>`;
    case "cells-fill":
      return `<div class="popup"><h4>${esc(legendClass(legend, p)?.label || "Cell")}</h4>${table([
        ["Requests", p.count],
        ["Gi* z", fixed(p.z)],
        ["p", typeof p.p === "number" ? p.p.toExponential(2) : p.p],
        ["Neighbours", p.neighbours],
        ["H3 cell", p.h3],
      ])}</div>`;
    case "locations-fill":
      return `<div class="popup"><h4>${esc(legendClass(legend, p)?.label || "Cell")}</h4>${stepChart(p)}${table([
        ["Requests", p.count],
        ["Hot steps", `${p.hot_steps} of ${list(p.counts).length}`],
        ["Cold steps", `${p.cold_steps} of ${list(p.counts).length}`],
        ["Trend", trendWords(p)],
        ["Gi* z now", fixed(p.final_z)],
        ["H3 cell", p.h3],
      ])}</div>`;
    case "pairs-line":
      return `<div class="popup"><h4>Two requests close in space and time</h4>${table([
        ["First", p.first],
        ["Second", p.second],
        ["Apart", `${fixed(p.distance_m, 0)} m, ${fixed(p.days_apart, 1)} days`],
      ])}${recordLink(p.second)}</div>`;
    case "hex-fill":
      return `<div class="popup"><h4>${esc(p.count)} requests</h4>${table([
        ["Open", p.open],
        ["Overdue", p.overdue],
        ["H3 cell", p.h3],
      ])}</div>`;
    case "clusters-fill":
    case "regions-line":
      return `<div class="popup"><h4>${esc(areaTitle(p))}</h4>${table([
        ["Priority", p.rank ? `#${p.rank}` : ""],
        ["Requests", p.count],
        ["Open", p.open],
        ["Overdue", p.overdue],
        ["Oldest open (days)", fixed(p.oldest_open_days, 0)],
        ["Why", p.priority_reason],
      ])}</div>`;
    case "repeats-circle":
      return `<div class="popup"><h4>${esc(p.address || "Repeat location")}</h4>${table([
        ["Requests", p.count],
        ["Types", typeMix(p.types, typeName)],
        ["Open", p.open],
        ["Overdue", p.overdue],
        ["First", date(p.first)],
        ["Last", date(p.last)],
      ])}</div>`;
    case "districts-fill":
      return `<div class="popup"><h4>${esc(p.name)}</h4>${table([
        ["Requests", p.count],
        ["Open", p.open],
        ["Overdue", p.overdue],
        ["Per km²", fixed(p.per_km2, 1)],
        ["Area (km²)", fixed(p.area_km2, 2)],
      ])}</div>`;
    default:
      return null;
  }
}

/** An array property (MapLibre hands nested values over as JSON text). */
function list(value) {
  if (Array.isArray(value)) return value;
  try {
    return JSON.parse(value ?? "[]");
  } catch {
    return [];
  }
}

/** "rising (τ 0.62)", "falling (τ −0.40)" or "no clear trend", from Mann–Kendall. */
export function trendWords(p) {
  const tau = Number(p.trend_tau);
  if (!(Number(p.trend_p) <= 0.05) || !Number.isFinite(tau) || tau === 0) return "no clear trend";
  return `${tau > 0 ? "rising" : "falling"} (τ ${tau.toFixed(2)})`;
}

/**
 * A small bar chart of a location's requests per step, oldest to newest: hot steps red,
 * cold steps blue, the others grey; each bar's tooltip gives its step's end, count and z.
 */
export function stepChart(p) {
  const counts = list(p.counts).map(Number);
  if (!counts.length) return "";
  const bins = list(p.bins), z = list(p.z), ends = list(p.step_ends);
  const width = 260, height = 48, gap = 1;
  const bar = width / counts.length;
  const max = Math.max(1, ...counts);
  const bars = counts
    .map((c, i) => {
      const h = Math.max(1, (c / max) * (height - 2));
      const kind = bins[i] > 0 ? "hot" : bins[i] < 0 ? "cold" : "plain";
      const tip = `${date(ends[i])}: ${c} requests, z ${fixed(Number(z[i]))}`;
      return `<rect x="${(i * bar).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${Math.max(1, bar - gap).toFixed(1)}" height="${h.toFixed(1)}" class="bar-${kind}"><title>${esc(tip)}</title></rect>`;
    })
    .join("");
  const label = `Requests per step, oldest to newest; hot steps red, cold steps blue (${counts.length} steps)`;
  return `<svg class="step-chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}</svg><p class="hint">${esc(label)}</p>`;
}

function recordLink(id) {
  return `<p><a href="/open311/v2/requests/${encodeURIComponent(id)}.json?extensions=true" target="_blank" rel="noopener">Full record</a></p>`;
}

/** HTML for a request's Open311 record (`GET /open311/v2/requests/{id}.json`), in plain words. */
export function requestHtml(r, overdue) {
  return `<div class="popup"><h4>${esc(r.service_name)}</h4>${table([
    ["Request", r.service_request_id],
    ["Status", overdue && r.status === "open" ? "open, overdue" : r.status],
    ["Requested", date(r.requested_datetime)],
    ["Due", date(r.expected_datetime)],
    ["Address", r.address],
    ["Description", r.description],
    ["Notes", r.status_notes],
    ["Agency", r.agency_responsible],
  ])}<div class="lifecycle" data-request-id="${esc(r.service_request_id)}"></div>${recordLink(r.service_request_id)}</div>`;
}

/** Fills a request point's popup with its whole record, then hands it to `onOpen`. */
async function requestDetails(popup, p, onOpen) {
  try {
    const [record] = await fetchJson(`/open311/v2/requests/${encodeURIComponent(p.service_request_id)}.json`);
    if (record && popup.isOpen()) {
      popup.setHTML(requestHtml(record, p.overdue));
      onOpen(popup.getElement());
    }
  } catch (error) {
    const note = popup.getElement()?.querySelector("[data-loading]");
    if (note) note.textContent = `Details unavailable: ${error.message}`;
  }
}

/** "Hot spot #2", "Cluster #1"... */
export function areaTitle(p) {
  const kind = p.kind === "cluster" ? "Cluster" : p.kind === "cold_region" ? "Cold spot" : "Hot spot";
  return p.rank ? `${kind} #${p.rank}` : kind;
}

/** "Graffiti 3, Vacant property 2" from `[{service_code, count}]` (or its JSON text, as
 * rendered features carry it). */
export function typeMix(types, typeName) {
  if (!types) return "";
  const list = typeof types === "string" ? JSON.parse(types) : types;
  return list.map((t) => `${typeName(t.service_code)} ${t.count}`).join(", ");
}

/**
 * Opens a popup for the topmost clicked feature of `layers`; `legend()` is the shown method's
 * legend; `onOpen(element)` may fill in what the popup loads later (a request's history).
 */
export function bindPopups(map, layers, typeName, legend, onOpen = () => {}) {
  map.on("click", (event) => {
    const visible = layers.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
    const [top] = map.queryRenderedFeatures(event.point, { layers: visible });
    if (!top) return;
    const html = popupHtml(top.layer.id, top.properties, typeName, legend());
    if (!html) return;
    const popup = new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(event.lngLat).setHTML(html).addTo(map);
    if (top.layer.id === "points-circle") requestDetails(popup, top.properties, onOpen);
    else onOpen(popup.getElement());
  });
  for (const id of layers) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
}
