// The view's state (what is shown), kept in the page URL so a view can be shared. The
// defaults, the methods and the limits come from the server's catalog (`/api/v1/layers`).

/** The id of the method `name` names (an id or an alias, any case), or null. */
export function methodId(name, methods) {
  const wanted = String(name ?? "").trim().toLowerCase();
  if (!wanted) return null;
  return methods.find((m) => m.id === wanted || (m.aliases || []).includes(wanted))?.id ?? null;
}

/** Reads the state from a URL's query string, falling back to the catalog's defaults. */
export function readState(search, catalog) {
  const { defaults, limits, methods } = catalog;
  const q = new URLSearchParams(search);
  const list = (v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []);
  const days = q.get("days");
  const wholeDays = /^\d+$/.test(days ?? "") && Number(days) >= 1 && Number(days) <= limits.days;
  const map = (q.get("map") || "").split("/").map(Number);
  return {
    types: list(q.get("type")),
    days: wholeDays ? String(Number(days)) : q.get("start") || q.get("end") ? "custom" : String(defaults.days),
    start: q.get("start") || "",
    end: q.get("end") || "",
    status: q.get("status") === "open" ? "open" : defaults.status,
    method: methodId(q.get("method"), methods) ?? methodId(defaults.method, methods) ?? methods[0].id,
    districts: q.get("districts") || "",
    selected: q.get("selected") || "",
    view: map.length === 3 && map.every(Number.isFinite) ? { zoom: map[0], lat: map[1], lon: map[2] } : null,
  };
}

/** Writes the state into the page URL without adding a history entry. */
export function writeState(state, location = window.location, history = window.history) {
  const q = new URLSearchParams();
  if (state.types.length) q.set("type", state.types.join(","));
  if (state.days === "custom") {
    if (state.start) q.set("start", state.start);
    if (state.end) q.set("end", state.end);
  } else {
    q.set("days", state.days);
  }
  if (state.status === "open") q.set("status", "open");
  q.set("method", state.method);
  if (state.districts) q.set("districts", state.districts);
  if (state.selected) q.set("selected", state.selected);
  if (state.view) {
    const v = state.view;
    q.set("map", `${v.zoom.toFixed(2)}/${v.lat.toFixed(5)}/${v.lon.toFixed(5)}`);
  }
  const url = `${location.pathname}?${q.toString().replaceAll("%2C", ",").replaceAll("%2F", "/")}`;
  history.replaceState(null, "", url);
}

/**
 * The filter query every layer takes (type, window, status), as URLSearchParams. A custom
 * window without dates sends no window at all: the server applies its default.
 */
export function filterParams(state) {
  const q = new URLSearchParams();
  if (state.types.length) q.set("type", state.types.join(","));
  if (state.days === "custom") {
    if (state.start) q.set("start", state.start);
    if (state.end) q.set("end", state.end);
  } else {
    q.set("days", state.days);
  }
  if (state.status === "open") q.set("status", "open");
  return q;
}
