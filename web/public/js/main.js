// Hotspot's map page: controls → state (in the URL) → layer fetches → map + ranked list.

// Everything about a method (its menu entry, layer, legend, limits, ranked-list words, work
// list) comes from its row of the catalog's `methods` (`GET /api/v1/layers`).

import { districtsUrl, fetchJson, isAbort, layerUrl, pointsTilesUrl, workListUrl } from "./api.js";
import {
  addLayers, createMap, geometryBounds, maxValue, POINT_LAYERS, rampExpression, setData, setTiles, showMethod, showPointsFrom,
} from "./map.js";
import { followEvents } from "./live.js";
import { bindStaffMode, fillLifecycle } from "./staff.js";
import { areaTitle, bindPopups, esc, typeMix } from "./popups.js";
import { readState, writeState } from "./state.js";

const $ = (id) => document.getElementById(id);
/** Zoom from which request points are drawn over the analysis layers (in the points view: every zoom). */
const POINTS_ZOOM = 15;
/** The layer of request points: its method is the points view, drawn in every view from POINTS_ZOOM. */
const REQUESTS_LAYER = "requests.geojson";
/** The most items a view (a method with no ranked analysis) lists. */
const VIEW_ITEMS = 50;

const page = {
  /** What is shown (see state.js); read from the URL once the catalog is loaded. */
  state: null,
  /** `GET /api/v1/layers`: the city, types, boundaries, defaults, limits and methods. */
  catalog: null,
  map: null,
  /** The features of the current analysis layer, as fetched, and the id of their method. */
  data: null,
  dataMethod: null,
  /** The ranked items of the list (features), in order. */
  ranked: [],
  pending: 0,
  /** Resolves when the first view is drawn (used by the browser tests). */
  ready: null,
  generation: 0,
};
window.hotspot = page;

function typeName(code) {
  return page.catalog?.types.find((t) => t.code === code)?.name || code;
}

/** The catalog's row of a method (by default the one shown). */
function methodRow(id = page.state?.method) {
  return page.catalog?.methods.find((m) => m.id === id);
}

/** The row of the points view (the method whose layer is the request points), if any. */
function pointsRow() {
  return page.catalog?.methods.find((m) => m.layer === REQUESTS_LAYER);
}

function isPointsView() {
  const points = pointsRow();
  return points !== undefined && methodRow() === points;
}

/** The sequential ramp a method's legend publishes (for a density), for the district choropleth. */
function densityRamp() {
  return page.catalog?.methods.find((m) => m.legend?.ramp?.length)?.legend.ramp || [];
}

// ---- loading and errors ----------------------------------------------------------------

function busy(delta, text) {
  page.pending = Math.max(0, page.pending + delta);
  $("loading").hidden = page.pending === 0;
  if (text) $("loading-text").textContent = text;
}

function showError(message) {
  $("error").hidden = !message;
  $("error").textContent = message || "";
}

async function load(url, slot, text) {
  busy(1, text);
  try {
    return await fetchJson(url, slot);
  } finally {
    busy(-1);
  }
}

// ---- controls ---------------------------------------------------------------------------

function buildTypeList() {
  const groups = new Map();
  for (const t of page.catalog.types) {
    if (!groups.has(t.group)) groups.set(t.group, []);
    groups.get(t.group).push(t);
  }
  const list = $("type-list");
  list.innerHTML = "";
  for (const [group, types] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const section = document.createElement("div");
    section.className = "type-group";
    section.innerHTML = `<h3>${esc(group || "Other")}</h3>`;
    for (const t of types.sort((a, b) => a.name.localeCompare(b.name))) {
      const label = document.createElement("label");
      label.dataset.search = `${t.name} ${t.code} ${group}`.toLowerCase();
      label.innerHTML = `<input type="checkbox" name="type" value="${esc(t.code)}"> <span>${esc(t.name)}</span>
        <span class="count" title="requests in the data">${t.count.toLocaleString()}</span>`;
      label.querySelector("input").checked = page.state.types.includes(t.code);
      section.append(label);
    }
    list.append(section);
  }
}

function buildDistrictOptions() {
  const select = $("districts");
  for (const layer of page.catalog.boundaries) {
    const option = new Option(layer.name, layer.id);
    select.append(option);
  }
  if (!page.catalog.boundaries.some((l) => l.id === page.state.districts)) page.state.districts = "";
  select.value = page.state.districts;
}

function buildMethodOptions() {
  const select = $("method");
  select.innerHTML = "";
  for (const m of page.catalog.methods) {
    const option = new Option(m.label, m.id);
    option.title = m.description || "";
    select.append(option);
  }
}

/**
 * Makes sure the time window `days` has a button of its own (the server's default window, or
 * a shared link's), among the presets in order; presets beyond the server's limit go.
 */
function dayPreset(days) {
  const inputs = () => [...document.querySelectorAll("input[name=days]")];
  for (const input of inputs()) {
    if (input.value !== "custom" && Number(input.value) > page.catalog.limits.days) input.closest("label").remove();
  }
  if (days === "custom" || inputs().some((i) => i.value === days)) return;
  const label = document.createElement("label");
  label.innerHTML = `<input type="radio" name="days" value="${esc(days)}"> ${esc(days)} days`;
  const next = inputs().find((i) => i.value === "custom" || Number(i.value) > Number(days));
  next.closest("label").before(label);
}

function syncControls() {
  const s = page.state;
  document.querySelector(`input[name=days][value="${s.days}"]`).checked = true;
  $("custom-range").hidden = s.days !== "custom";
  $("start").value = s.start;
  $("end").value = s.end;
  document.querySelector(`input[name=status][value="${s.status}"]`).checked = true;
  $("method").value = s.method;
}

function readControls() {
  const s = page.state;
  s.types = [...document.querySelectorAll("input[name=type]:checked")].map((i) => i.value);
  s.days = document.querySelector("input[name=days]:checked").value;
  s.start = $("start").value;
  s.end = $("end").value;
  s.status = document.querySelector("input[name=status]:checked").value;
  s.method = $("method").value;
  s.districts = $("districts").value;
}

function bindControls() {
  bindStaffMode($("staff-mode"), $("staff-dialog"));
  $("controls").addEventListener("change", (event) => {
    if (event.target.id === "type-filter" || !page.state) return;
    readControls();
    page.state.selected = "";
    $("custom-range").hidden = page.state.days !== "custom";
    refresh();
  });
  $("controls").addEventListener("submit", (e) => e.preventDefault());
  $("type-filter").addEventListener("input", (event) => {
    const needle = event.target.value.trim().toLowerCase();
    for (const label of document.querySelectorAll("#type-list label")) {
      label.hidden = needle !== "" && !label.dataset.search.includes(needle);
    }
  });
  $("fit-city").addEventListener("click", () => {
    const extent = page.catalog?.city.extent;
    if (extent && page.map) page.map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: 20 });
  });
  $("toggle-panel").addEventListener("click", () => {
    const hidden = document.body.classList.toggle("panel-hidden");
    $("toggle-panel").setAttribute("aria-expanded", String(!hidden));
    page.map?.resize();
  });
}

// ---- legend -----------------------------------------------------------------------------

/** The legend of the shown method, of the request points drawn over it, and of the districts. */
function renderLegend() {
  const method = methodRow();
  const points = pointsRow();
  if (!method) return;
  const data = page.dataMethod === method.id ? page.data : null;
  const round = method === points || (data?.features || []).some((f) => f.geometry?.type === "Point");
  let html = `<div data-method="${esc(method.id)}">${legendHtml(method.legend, {
    max: maxValue(data, method.legend?.property),
    round,
  })}</div>`;
  if (points && points !== method) {
    html += `<div data-method="${esc(points.id)}">${legendHtml(points.legend, { round: true })}
      <p class="hint">Shown from zoom ${POINTS_ZOOM}.</p></div>`;
  }
  if (page.state.districts && page.districtMax !== undefined) {
    html += `<div data-districts>${rampLegend("Requests per km² (districts)", densityRamp(), page.districtMax)}</div>`;
  }
  $("legend").innerHTML = html;
}

/** A method's legend as published: title, classes (swatch and words), ramp up to `max`, note. */
function legendHtml(legend, { max = 0, round = false } = {}) {
  if (!legend) return "";
  const shape = round ? ";border-radius:50%" : "";
  let html = legend.classes?.length || !legend.ramp?.length ? `<h3>${esc(legend.title)}</h3>` : "";
  if (legend.classes?.length) {
    html += `<ul>${legend.classes
      .map((c) => `<li><span class="swatch" style="background:${esc(c.color)}${shape}"></span>${esc(c.label)}</li>`)
      .join("")}</ul>`;
  }
  if (legend.ramp?.length) html += rampLegend(legend.title, legend.ramp, max);
  if (legend.note) html += `<p class="hint">${esc(legend.note)}</p>`;
  return html;
}

function rampLegend(title, ramp, max) {
  return `<h3>${esc(title)}</h3><div class="ramp" style="background:linear-gradient(to right, ${ramp.map(esc).join(",")})"></div>
    <div class="ramp-labels"><span>0</span><span>${Math.round(max || 0).toLocaleString()}</span></div>`;
}

// ---- ranked list and details ------------------------------------------------------------

/**
 * The ranked items of a method's layer. An analysis ranks its features itself (`rank`, 1
 * first; unranked ones, such as cells and cold spots, stay off the list). A view lists its
 * most overdue, then busiest features (for request points: the overdue ones), up to
 * VIEW_ITEMS, in the layer's order otherwise.
 */
function rankedItems(method, data) {
  const features = data?.features || [];
  if (method.analysis) {
    return features
      .filter((f) => typeof f.properties.rank === "number")
      .sort((a, b) => a.properties.rank - b.properties.rank);
  }
  const score = (f) => [Number(f.properties.overdue) || 0, Number(f.properties.count) || 0];
  return features
    .filter((f) => score(f).some((x) => x > 0))
    .sort((a, b) => score(b)[0] - score(a)[0] || score(b)[1] - score(a)[1])
    .slice(0, VIEW_ITEMS);
}

function itemId(f, i) {
  const p = f.properties;
  return String(p.id ?? p.h3 ?? p.service_request_id ?? i);
}

function itemTitle(f, i) {
  const p = f.properties;
  if (p.kind === "repeat") return p.address || "Repeat location";
  if (p.h3) return `Hexagon ${i + 1}`;
  if (p.service_request_id) return `${p.service_name}: ${p.address || p.service_request_id}`;
  return areaTitle(p);
}

function itemMeta(p) {
  const parts = [];
  const total = p.count;
  if (total !== undefined) parts.push(`${total} requests`);
  if (p.open !== undefined) parts.push(`${p.open} open`);
  if (p.overdue) parts.push(`<span class="badge">${p.overdue} overdue</span>`);
  if (p.requested_datetime) parts.push(`requested ${p.requested_datetime.slice(0, 10)}`);
  return parts.join(" · ");
}

function renderRanked() {
  const list = $("ranked-list");
  const items = page.ranked;
  list.innerHTML = "";
  items.forEach((f, i) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.id = itemId(f, i);
    button.innerHTML = `<span class="rank">${i + 1}</span><span class="title">${esc(itemTitle(f, i))}</span>
      <span class="meta">${itemMeta(f.properties)}</span>`;
    button.setAttribute("aria-label", `${i + 1}: ${itemTitle(f, i)}`);
    button.addEventListener("click", () => select(button.dataset.id, true));
    li.append(button);
    list.append(li);
  });
  const what = methodRow()?.ranks || "items";
  $("ranked-summary").textContent = items.length
    ? `${items.length} ${what}, in priority order. Click one for details.`
    : page.data?.notice || page.data?.explanation || page.data?.knox?.reading || `No ${what} for this selection.`;
  renderKnox(page.data?.knox);
}

/**
 * The Knox table as a heat table: rows distance bands, columns time bands, each cell its
 * ratio of observed to expected pairs, shaded by how far above chance it is; significant
 * cells (p ≤ 0.05) in bold.
 */
function renderKnox(knox) {
  const box = $("knox-table");
  box.hidden = !knox;
  if (!knox) {
    box.innerHTML = "";
    return;
  }
  const cell = (d, t) => knox.cells.find((c) => c.distance_band === d && c.time_band === t);
  const shade = (ratio) => {
    const strength = Math.max(0, Math.min(1, ((ratio ?? 1) - 1) / 2));
    return `rgba(123, 50, 148, ${(0.08 + 0.6 * strength).toFixed(2)})`;
  };
  const rows = knox.distance_bands.map((d) => `<tr><th scope="row">${esc(d)} m</th>${knox.time_bands.map((t) => {
    const c = cell(d, t);
    const ratio = c?.knox_ratio;
    const text = ratio == null ? "–" : `${ratio.toFixed(1)}×`;
    const title = `${d} m, ${t} days: ${c?.observed ?? 0} pairs, ${c?.expected?.toFixed(1) ?? "–"} expected, p ${c?.p ?? "–"}`;
    const strong = c && c.p <= 0.05 && ratio > 1 ? ' class="significant"' : "";
    return `<td${strong} style="background:${shade(ratio)}" title="${esc(title)}">${esc(text)}</td>`;
  }).join("")}</tr>`).join("");
  box.innerHTML = `<table class="knox"><caption>Pairs of requests against chance, by distance and days apart</caption>
    <thead><tr><th scope="col">Distance</th>${knox.time_bands.map((t) => `<th scope="col">${esc(t)} d</th>`).join("")}</tr></thead>
    <tbody>${rows}</tbody></table>`;
}

function select(id, fly) {
  page.state.selected = id;
  writeState(page.state);
  const index = page.ranked.findIndex((f, i) => itemId(f, i) === id);
  for (const b of document.querySelectorAll("#ranked-list button")) {
    b.setAttribute("aria-current", String(b.dataset.id === id));
  }
  if (index < 0) {
    $("details").hidden = true;
    return;
  }
  const feature = page.ranked[index];
  renderDetails(feature, index);
  if (fly && feature.geometry) {
    if (feature.geometry.type === "Point") {
      page.map.flyTo({ center: feature.geometry.coordinates, zoom: Math.max(page.map.getZoom(), 16) });
    } else {
      page.map.fitBounds(geometryBounds(feature.geometry), { padding: 60, maxZoom: 16 });
    }
  }
}

function renderDetails(feature, index) {
  const p = feature.properties;
  $("details").hidden = false;
  $("details-title").textContent = `${index + 1}. ${itemTitle(feature, index)}`;
  const rows = [
    ["Requests", p.count],
    ["Open", p.open],
    ["Overdue", p.overdue],
    ["Closed late", p.late],
    ["Oldest open (days)", p.oldest_open_days !== undefined && p.oldest_open_days !== null ? Math.round(p.oldest_open_days) : undefined],
    ["Median days to close", p.median_days_to_close !== undefined && p.median_days_to_close !== null ? p.median_days_to_close.toFixed(1) : undefined],
    ["Max |z|", p.max_abs_z !== undefined ? p.max_abs_z.toFixed(2) : undefined],
    ["Types", p.types && p.types.length ? typeMix(p.types, typeName) : undefined],
    ["Why this rank", p.priority_reason],
  ].filter(([, v]) => v !== undefined && v !== null && v !== "");
  $("details-stats").innerHTML = rows
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd data-field="${esc(k)}">${esc(v)}</dd>`)
    .join("");
  const addresses = p.top_addresses || [];
  $("details-addresses").innerHTML = addresses.length
    ? addresses.map((a) => `<li>${esc(a.address)} <span class="hint">(${a.count})</span></li>`).join("")
    : `<li class="hint">No addresses recorded.</li>`;
}

// ---- refreshing the layers --------------------------------------------------------------

function currentBbox() {
  const b = page.map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}

/**
 * The request points are vector tiles with the state's filter (the server's TileJSON), drawn
 * at every zoom in the points view and from POINTS_ZOOM over the other views. The points view
 * also fills the ranked list, from a page of the points' GeoJSON layer of the box in view.
 */
/** Points from tiles (reloaded even at the same URL when `live`: the data changed). */
async function refreshPoints({ live = false } = {}) {
  const s = page.state;
  const map = page.map;
  const points = pointsRow();
  setTiles(map, "requests", pointsTilesUrl(s), live);
  showPointsFrom(map, isPointsView() ? 0 : POINTS_ZOOM);
  if (!points || !isPointsView()) return;
  try {
    const url = layerUrl(points, s, { bbox: currentBbox(), limit: page.catalog.limits.points });
    const data = await load(url, "requests", "Loading requests…");
    page.data = data;
    page.dataMethod = points.id;
    page.ranked = rankedItems(points, data);
    renderRanked();
  } catch (error) {
    if (!isAbort(error)) showError(`Requests: ${error.message}`);
  }
}

async function refreshDistricts() {
  const s = page.state;
  const map = page.map;
  if (!s.districts) {
    setData(map, "districts", null);
    page.districtMax = undefined;
    return;
  }
  try {
    const data = await load(districtsUrl(s, s.districts), "districts", "Loading districts…");
    page.districtMax = data.max_per_km2 || 0;
    const ramp = densityRamp();
    if (ramp.length) map.setPaintProperty("districts-fill", "fill-color", rampExpression(ramp, "per_km2", page.districtMax));
    setData(map, "districts", data);
  } catch (error) {
    if (!isAbort(error)) showError(`Districts: ${error.message}`);
  }
}

async function refreshAnalysis() {
  const s = page.state;
  const map = page.map;
  const method = methodRow();
  if (isPointsView()) {
    setData(map, "analysis", null);
    showMethod(map, method.legend, null);
    return;
  }
  // Another method's features are not drawn under this method's legend while it loads.
  if (page.dataMethod !== method.id) showMethod(map, method.legend, null);
  const url = layerUrl(method, s);
  try {
    const data = await load(url, "analysis", "Computing hot spots…");
    page.data = data;
    page.dataMethod = method.id;
    page.layerUrl = url;
    setData(map, "analysis", data);
    showMethod(map, method.legend, data);
    page.ranked = rankedItems(method, data);
    renderRanked();
    renderLegend();
    if (s.selected) select(s.selected, false);
    else $("details").hidden = true;
  } catch (error) {
    if (isAbort(error)) return;
    page.data = null;
    page.dataMethod = null;
    page.ranked = [];
    setData(map, "analysis", null);
    showMethod(map, method.legend, null);
    renderRanked();
    $("details").hidden = true;
    showError(error.message);
  }
}

function updateExports() {
  const s = page.state;
  const method = methodRow();
  const worklist = $("export-worklist");
  worklist.hidden = !method.work_list;
  worklist.href = method.work_list ? workListUrl(method, s) : "#";
  worklist.setAttribute("download", `worklist-${method.id}.csv`);
  const layer = $("export-layer");
  layer.href = layerUrl(method, s, { bbox: currentBbox(), limit: page.catalog.limits.points });
  layer.setAttribute("download", `hotspot-${method.id}.geojson`);
}

/** Applies the state: URL, exports, then every layer in parallel (`live`: the data changed). */
async function refresh({ live = false } = {}) {
  showError("");
  writeState(page.state);
  updateExports();
  renderLegend();
  const generation = ++page.generation;
  await Promise.all([refreshAnalysis(), refreshDistricts(), refreshPoints({ live })]);
  if (generation === page.generation) {
    renderLegend();
    page.lastRefresh = { generation, url: page.layerUrl, at: Date.now() };
    document.body.dataset.refreshed = String(generation);
  }
}

// ---- start ------------------------------------------------------------------------------

async function streetsLayer() {
  if (!page.catalog.city.streets) return;
  try {
    setData(page.map, "streets", await fetchJson("/api/v1/streets.geojson"));
  } catch (error) {
    showError(`Streets: ${error.message}`);
  }
}

async function baseLayer() {
  const limits = page.catalog.boundaries.find((l) => /city|limit|boundary/.test(l.id)) || page.catalog.boundaries[0];
  if (!limits) return;
  try {
    setData(page.map, "base", await fetchJson(`${limits.url}?days=all`));
  } catch (error) {
    showError(`Base layer: ${error.message}`);
  }
}

async function start() {
  bindControls();
  try {
    page.catalog = await load("/api/v1/layers", null, "Loading city…");
  } catch (error) {
    showError(`Could not load the city: ${error.message}`);
    return;
  }
  const city = page.catalog.city;
  $("city-name").textContent = city.name;
  document.title = `${city.name}: 311 hot spots`;
  if (page.catalog.as_of) $("as-of").textContent = `Data up to ${page.catalog.as_of.slice(0, 10)} · ${page.catalog.total.toLocaleString()} requests`;
  page.state = readState(window.location.search, page.catalog);
  buildMethodOptions();
  dayPreset(String(page.catalog.defaults.days));
  dayPreset(page.state.days);
  buildTypeList();
  buildDistrictOptions();
  syncControls();
  page.map = createMap($("map"), city, page.state.view);
  await new Promise((resolve) => page.map.on("load", resolve));
  addLayers(page.map, { ramp: densityRamp(), points: pointsRow()?.legend, pointsTiles: pointsTilesUrl(page.state) });
  bindPopups(page.map, [...POINT_LAYERS, "repeats-circle", "clusters-fill", "regions-line", "cells-fill", "locations-fill", "pairs-line", "hex-fill", "districts-fill"],
    typeName, () => methodRow()?.legend, (element) => {
      const slot = element.querySelector(".lifecycle[data-request-id]");
      if (slot) fillLifecycle(slot, slot.dataset.requestId, () => refresh({ live: true }));
    });
  page.map.on("moveend", () => {
    const c = page.map.getCenter();
    page.state.view = { zoom: page.map.getZoom(), lat: c.lat, lon: c.lng };
    writeState(page.state);
    refreshPoints();
    updateExports();
  });
  await Promise.all([baseLayer(), streetsLayer()]);
  await refresh();
  followEvents(() => refresh({ live: true }));
}

page.ready = start();
