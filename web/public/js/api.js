// Talking to the Hotspot server: layer URLs and JSON fetches that can be cancelled.

import { filterParams } from "./state.js";

/**
 * The URL of a method's layer: `method` is its row of the catalog's `methods` (the layer under
 * /api/v1/ and the fixed query it needs), with the state's filter. A paged layer (one with a
 * `limit` parameter: the request points) asks for the box in view and the largest page
 * allowed: the parameter's maximum, else `limit` (the catalog's `limits.points`).
 */
export function layerUrl(method, state, { bbox, limit } = {}) {
  const q = filterParams(state);
  for (const [name, value] of Object.entries(method.query || {})) q.set(name, String(value));
  const paging = (method.parameters || []).find((p) => p.name === "limit");
  if (paging) {
    if (bbox) q.set("bbox", bbox.map((x) => x.toFixed(6)).join(","));
    const most = paging.max ?? limit;
    if (most !== undefined) q.set("limit", String(most));
  }
  return `/api/v1/${method.layer}?${q}`;
}

/**
 * The TileJSON of the request points' vector tiles with the state's filter: absolute, as a
 * map source's `url` is fetched by MapLibre's worker.
 */
export function pointsTilesUrl(state, base = window.location.href) {
  return new URL(`/tiles/requests.json?${filterParams(state)}`, base).href;
}

/** The work list (CSV) of a method's ranked hot spots (for methods with `work_list`). */
export function workListUrl(method, state) {
  const q = filterParams(state);
  q.set("method", method.id);
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
