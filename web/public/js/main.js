// Hotspot's map page: controls → state (in the URL) → layer fetches → map + ranked list.

import { districtsUrl, fetchJson, isAbort, layerUrl, pointsUrl, workListUrl } from "./api.js";
import { addLayers, BIN_COLORS, BIN_LABELS, createMap, geometryBounds, RAMP, rampExpression, setData, showMethod } from "./map.js";
import { areaTitle, bindPopups, esc, typeMix } from "./popups.js";
import { readState, writeState } from "./state.js";

const $ = (id) => document.getElementById(id);
/** Zoom from which request points are drawn over the analysis layers. */
const POINTS_ZOOM = 15;

const page = {
  state: readState(window.location.search),
  catalog: null,
  map: null,
  /** The features of the current analysis layer, as fetched. */
  data: null,
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
  $("controls").addEventListener("change", (event) => {
    if (event.target.id === "type-filter") return;
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

function renderLegend(maxCount) {
  const legend = $("legend");
  const method = page.state.method;
  let html = "";
  if (method === "gistar") {
    html = `<h3>Gi* hot and cold spots (FDR-corrected)</h3><ul>${["3", "2", "1", "0", "-1", "-2", "-3"]
      .map((b) => `<li><span class="swatch" style="background:${BIN_COLORS[b]}"></span>${BIN_LABELS[b]}</li>`)
      .join("")}</ul>`;
  } else if (method === "hexbins") {
    html = rampLegend("Requests per hexagon", maxCount);
  } else if (method === "dbscan") {
    html = `<h3>Clusters</h3><ul><li><span class="swatch" style="background:#d7302759;border-color:#a50026"></span>DBSCAN cluster (hull of its requests)</li></ul>`;
  } else if (method === "repeats") {
    html = `<h3>Repeat addresses</h3><ul><li><span class="swatch" style="background:#fdae61;border-radius:50%"></span>one type</li><li><span class="swatch" style="background:#a50026;border-radius:50%"></span>three or more types</li></ul><p class="hint">Circle size: number of requests.</p>`;
  }
  html += `<ul><li><span class="swatch" style="background:#b2182b;border-radius:50%"></span>overdue request</li>
    <li><span class="swatch" style="background:#ef8a62;border-radius:50%"></span>open request</li>
    <li><span class="swatch" style="background:#67a9cf;border-radius:50%"></span>closed request</li></ul>
    <p class="hint">Points show from zoom ${POINTS_ZOOM}${method === "points" ? " (always in Points view)" : ""}.</p>`;
  if (page.state.districts && page.districtMax !== undefined) {
    html += rampLegend("Requests per km² (districts)", page.districtMax);
  }
  legend.innerHTML = html;
}

function rampLegend(title, max) {
  return `<h3>${esc(title)}</h3><div class="ramp" style="background:linear-gradient(to right, ${RAMP.join(",")})"></div>
    <div class="ramp-labels"><span>0</span><span>${Math.round(max || 0).toLocaleString()}</span></div>`;
}

// ---- ranked list and details ------------------------------------------------------------

/** The ranked items of a layer: hot regions / clusters by priority, repeats, busiest cells, overdue points. */
function rankedItems(method, data) {
  const features = data?.features || [];
  const byRank = (a, b) => (a.properties.rank ?? 1e9) - (b.properties.rank ?? 1e9);
  switch (method) {
    case "gistar":
      return features.filter((f) => f.properties.kind === "hot_region").sort(byRank);
    case "dbscan":
      return features.filter((f) => f.properties.kind === "cluster").sort(byRank);
    case "repeats":
      return features.filter((f) => f.properties.kind === "repeat").sort(byRank);
    case "hexbins":
      return [...features].sort((a, b) => b.properties.overdue - a.properties.overdue || b.properties.count - a.properties.count).slice(0, 50);
    default:
      return features.filter((f) => f.properties.overdue).slice(0, 50);
  }
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
  const what = { gistar: "significant hot spots (95%+)", dbscan: "clusters", repeats: "repeat addresses", hexbins: "hexagons (most overdue, then busiest)", points: "overdue requests in view" }[page.state.method];
  $("ranked-summary").textContent = items.length
    ? `${items.length} ${what}, in priority order. Click one for details.`
    : page.data?.notice || `No ${what} for this selection.`;
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

async function refreshPoints() {
  const s = page.state;
  const map = page.map;
  if (s.method !== "points" && map.getZoom() < POINTS_ZOOM) {
    setData(map, "points", null);
    return;
  }
  try {
    const data = await load(pointsUrl(s, currentBbox()), "points", "Loading requests…");
    setData(map, "points", data);
    if (s.method === "points") {
      page.data = data;
      page.ranked = rankedItems("points", data);
      renderRanked();
    }
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
    map.setPaintProperty("districts-fill", "fill-color", rampExpression("per_km2", page.districtMax));
    setData(map, "districts", data);
  } catch (error) {
    if (!isAbort(error)) showError(`Districts: ${error.message}`);
  }
}

async function refreshAnalysis() {
  const s = page.state;
  const map = page.map;
  showMethod(map, s.method);
  if (s.method === "points") {
    setData(map, "analysis", null);
    setData(map, "regions", null);
    return;
  }
  const url = layerUrl(s);
  try {
    const data = await load(url, "analysis", "Computing hot spots…");
    page.data = data;
    page.layerUrl = url;
    if (s.method === "hexbins") {
      map.setPaintProperty("hex-fill", "fill-color", rampExpression("count", data.max_count || 1));
    }
    setData(map, "analysis", data);
    const regions = s.method === "gistar"
      ? { type: "FeatureCollection", features: data.features.filter((f) => f.properties.kind !== "cell") }
      : null;
    setData(map, "regions", regions);
    page.ranked = rankedItems(s.method, data);
    renderRanked();
    renderLegend(data.max_count);
    if (s.selected) select(s.selected, false);
    else $("details").hidden = true;
  } catch (error) {
    if (isAbort(error)) return;
    page.data = null;
    page.ranked = [];
    setData(map, "analysis", null);
    setData(map, "regions", null);
    renderRanked();
    $("details").hidden = true;
    showError(error.message);
  }
}

function updateExports() {
  const s = page.state;
  const worklist = $("export-worklist");
  const hotspotMethod = s.method === "gistar" || s.method === "dbscan";
  worklist.hidden = !hotspotMethod;
  worklist.href = workListUrl(s);
  worklist.setAttribute("download", `worklist-${s.method}.csv`);
  const layer = $("export-layer");
  layer.href = s.method === "points" ? pointsUrl(s, currentBbox()) : layerUrl(s);
  layer.setAttribute("download", `hotspot-${s.method}.geojson`);
}

/** Applies the state: URL, exports, then every layer in parallel. */
async function refresh() {
  showError("");
  writeState(page.state);
  updateExports();
  renderLegend(page.data?.max_count);
  const generation = ++page.generation;
  await Promise.all([refreshAnalysis(), refreshDistricts(), refreshPoints()]);
  if (generation === page.generation) {
    renderLegend(page.data?.max_count);
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
  buildTypeList();
  buildDistrictOptions();
  syncControls();
  page.map = createMap($("map"), city, page.state.view);
  await new Promise((resolve) => page.map.on("load", resolve));
  addLayers(page.map);
  bindPopups(page.map, ["points-circle", "repeats-circle", "clusters-fill", "regions-line", "gistar-cells", "hex-fill", "districts-fill"], typeName);
  page.map.on("moveend", () => {
    const c = page.map.getCenter();
    page.state.view = { zoom: page.map.getZoom(), lat: c.lat, lon: c.lng };
    writeState(page.state);
    refreshPoints();
    updateExports();
  });
  await Promise.all([baseLayer(), streetsLayer()]);
  await refresh();
}

page.ready = start();
