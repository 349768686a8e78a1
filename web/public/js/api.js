// Talking to the Hotspot server: layer URLs and JSON fetches that can be cancelled.

import { filterParams } from "./state.js";

/** The URL of the layer a method shows, with the state's filter. */
export function layerUrl(state, { bbox } = {}) {
  const q = filterParams(state);
  switch (state.method) {
    case "gistar":
    case "dbscan":
      q.set("method", state.method);
      return `/api/v1/hotspots.geojson?${q}`;
    case "hexbins":
      return `/api/v1/hexbins.geojson?${q}`;
    case "repeats":
      return `/api/v1/repeats.geojson?${q}`;
    case "points":
    default:
      return pointsUrl(state, bbox);
  }
}

/** Request points in a box (at most 10,000, newest first). */
export function pointsUrl(state, bbox) {
  const q = filterParams(state);
  if (bbox) q.set("bbox", bbox.map((x) => x.toFixed(6)).join(","));
  q.set("limit", "10000");
  return `/api/v1/requests.geojson?${q}`;
}

/** The work list (CSV) of the ranked hot spots, for Gi* and DBSCAN. */
export function workListUrl(state) {
  const q = filterParams(state);
  q.set("method", state.method === "dbscan" ? "dbscan" : "gistar");
  return `/api/v1/worklist.csv?${q}`;
}

/** A district layer with the state's filter applied to its statistics. */
export function districtsUrl(state, layer) {
  return `/api/v1/boundaries/${encodeURIComponent(layer)}.geojson?${filterParams(state)}`;
}

const inflight = new Map();

/**
 * Fetches JSON; a newer fetch under the same `slot` cancels the older one. Errors carry the
 * server's message (`{"error": ..., "parameter": ...}`).
 */
export async function fetchJson(url, slot) {
  if (slot) {
    inflight.get(slot)?.abort();
  }
  const controller = new AbortController();
  if (slot) inflight.set(slot, controller);
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = body?.error
        ? `${body.parameter ? body.parameter + ": " : ""}${body.error}`
        : `${response.status} ${response.statusText}`;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  } finally {
    if (slot && inflight.get(slot) === controller) inflight.delete(slot);
  }
}

/** True for the error a cancelled fetch throws. */
export function isAbort(error) {
  return error?.name === "AbortError";
}
