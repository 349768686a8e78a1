// The map: an offline style (districts as the base, an optional basemap from the config),
// one GeoJSON source per layer (the request points: a vector tile source), and popups. Every colour of the data comes from a method's
// legend as /api/v1/layers publishes it; this module only knows how each kind of feature is
// drawn (fill, outline or circle).

import * as maplibregl from "/vendor/maplibre-gl/maplibre-gl.mjs";

const EMPTY = { type: "FeatureCollection", features: [] };

/** The style: a plain background, plus a raster basemap when the config gives one. */
function style(basemap) {
  const sources = {};
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#eef1f4" } }];
  if (basemap && basemap.includes("{z}")) {
    sources.basemap = { type: "raster", tiles: [basemap], tileSize: 256, attribution: "Basemap: see config" };
    layers.push({ id: "basemap", type: "raster", source: "basemap", paint: { "raster-opacity": 0.8 } });
  }
  return { version: 8, sources, layers };
}

/** Creates the map with every source and layer (empty until data arrives). */
export function createMap(container, city, view) {
  const basemapIsStyle = city.basemap && !city.basemap.includes("{z}");
  const map = new maplibregl.Map({
    container,
    style: basemapIsStyle ? city.basemap : style(city.basemap),
    center: view ? [view.lon, view.lat] : [0, 0],
    zoom: view ? view.zoom : 1,
    attributionControl: { compact: true },
    preserveDrawingBuffer: true, // screenshots in tests and "save image" in browsers
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
  if (!view && city.extent) {
    const [w, s, e, n] = city.extent;
    map.fitBounds([[w, s], [e, n]], { padding: 20, duration: 0 });
  }
  return map;
}

/**
 * The map layers that draw each kind of feature of the analysis source, by the feature's
 * `kind` (hexagons have none, see `featureKind`). Request points have a source of their own.
 */
export const KIND_LAYERS = {
  hexagon: ["hex-fill"],
  cell: ["cells-fill"],
  location: ["locations-fill"],
  cluster: ["clusters-fill", "clusters-line"],
  hot_region: ["regions-line"],
  cold_region: ["regions-line"],
  repeat: ["repeats-circle"],
  near_repeat_pair: ["pairs-line"],
};

/** The kind of a feature: its `kind`, else "hexagon" for an H3 cell, "request" for a point. */
export function featureKind(p) {
  return p.kind ?? (p.h3 ? "hexagon" : p.service_request_id ? "request" : "");
}

const NONE = "rgba(0,0,0,0)";
/** Features whose legend gives them no colour. */
const UNCLASSED = "#888888";
const hidden = { visibility: "none" };

/** The layer of the request points' vector tiles (`/tiles/requests/{z}/{x}/{y}.mvt`). */
export const POINTS_SOURCE_LAYER = "requests";
/** The map layers that draw the request points: one circle per request, one per cluster. */
export const POINT_LAYERS = ["points-circle", "points-clusters"];

/**
 * Adds the sources and layers, bottom to top. Call once the style has loaded. `ramp` shades
 * the district choropleth; `points` is the legend of the request points (drawn in every view
 * from a zoom on) and `pointsTiles` the TileJSON URL of their vector tiles.
 */
export function addLayers(map, { ramp, points, pointsTiles }) {
  for (const id of ["base", "streets", "districts", "analysis"]) {
    map.addSource(id, { type: "geojson", data: EMPTY });
  }
  map.addSource("requests", { type: "vector", url: pointsTiles });
  map.addLayer({ id: "base-fill", type: "fill", source: "base", paint: { "fill-color": "#ffffff", "fill-opacity": 0.7 } });
  map.addLayer({ id: "base-line", type: "line", source: "base", paint: { "line-color": "#7b8794", "line-width": 1.5 } });
  map.addLayer({
    id: "streets-line", type: "line", source: "streets", minzoom: 12,
    paint: {
      "line-color": "#c3cbd3",
      "line-width": ["interpolate", ["linear"], ["zoom"], 12, 0.5, 16, 3, 18, 8],
    },
  });
  map.addLayer({
    id: "districts-fill", type: "fill", source: "districts",
    paint: { "fill-color": ramp?.length ? rampExpression(ramp, "per_km2", 1) : NONE, "fill-opacity": 0.45 },
  });
  map.addLayer({ id: "districts-line", type: "line", source: "districts", paint: { "line-color": "#52606d", "line-width": 1 } });
  map.addLayer({
    id: "hex-fill", type: "fill", source: "analysis", filter: ["all", ["has", "h3"], ["!", ["has", "kind"]]],
    layout: hidden,
    paint: { "fill-color": NONE, "fill-opacity": 0.75, "fill-outline-color": "rgba(0,0,0,0.15)" },
  });
  map.addLayer({
    id: "cells-fill", type: "fill", source: "analysis", filter: ["==", ["get", "kind"], "cell"],
    layout: hidden,
    // Cells that are not significant (bin 0) stay faint.
    paint: { "fill-color": NONE, "fill-opacity": ["case", ["==", ["get", "bin"], 0], 0.25, 0.8] },
  });
  map.addLayer({
    // Cells of a space-time analysis: one per location with a category.
    id: "locations-fill", type: "fill", source: "analysis", filter: ["==", ["get", "kind"], "location"],
    layout: hidden,
    paint: { "fill-color": NONE, "fill-opacity": 0.75, "fill-outline-color": "rgba(0,0,0,0.2)" },
  });
  map.addLayer({
    id: "clusters-fill", type: "fill", source: "analysis", filter: ["==", ["get", "kind"], "cluster"],
    layout: hidden,
    paint: { "fill-color": NONE, "fill-opacity": 0.35 },
  });
  map.addLayer({
    id: "clusters-line", type: "line", source: "analysis", filter: ["==", ["get", "kind"], "cluster"],
    layout: hidden,
    paint: { "line-color": NONE, "line-width": 1.5 },
  });
  map.addLayer({
    id: "regions-line", type: "line", source: "analysis",
    filter: ["in", ["get", "kind"], ["literal", ["hot_region", "cold_region"]]],
    layout: hidden,
    paint: { "line-color": NONE, "line-width": 2 },
  });
  map.addLayer({
    // Pairs of requests close in space and time (near repeats).
    id: "pairs-line", type: "line", source: "analysis", filter: ["==", ["get", "kind"], "near_repeat_pair"],
    layout: hidden,
    paint: { "line-color": NONE, "line-width": 2.5 },
  });
  map.addLayer({
    id: "repeats-circle", type: "circle", source: "analysis", filter: ["==", ["get", "kind"], "repeat"],
    layout: hidden,
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["get", "count"], 3, 5, 20, 14],
      "circle-color": NONE,
      "circle-stroke-color": "#fff", "circle-stroke-width": 1,
    },
  });
  // Where a tile would hold too many requests, the server groups those close together into
  // one cluster point with their count (see README, "Vector tiles").
  map.addLayer({
    id: "points-clusters", type: "circle", source: "requests", "source-layer": POINTS_SOURCE_LAYER,
    filter: ["has", "cluster"],
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["get", "count"], 2, 4, 20, 8, 200, 13, 2000, 18],
      "circle-color": clusterColor(points),
      "circle-opacity": 0.85,
      "circle-stroke-color": "#fff", "circle-stroke-width": 1,
    },
  });
  map.addLayer({
    id: "points-circle", type: "circle", source: "requests", "source-layer": POINTS_SOURCE_LAYER,
    filter: ["!", ["has", "cluster"]],
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 2.5, 17, 6],
      "circle-color": pointsColor(points),
      "circle-stroke-color": "#fff", "circle-stroke-width": 0.8,
    },
  });
}

/**
 * Request points: overdue, else open, else closed, in the colours of the points legend's
 * classes, which the server lists in that order.
 */
function pointsColor(legend) {
  const colors = (legend?.classes || []).map((c) => c.color);
  if (!colors.length) return UNCLASSED;
  const [overdue, open = overdue, closed = open] = colors;
  return ["case", ["get", "overdue"], overdue, ["==", ["get", "status"], "open"], open, closed];
}

/** Clusters of requests: the colour of their most pressing member (overdue, open, closed). */
function clusterColor(legend) {
  const colors = (legend?.classes || []).map((c) => c.color);
  if (!colors.length) return UNCLASSED;
  const [overdue, open = overdue, closed = open] = colors;
  return ["case", [">", ["get", "overdue_count"], 0], overdue, [">", ["get", "open"], 0], open, closed];
}

/** Points the vector source at another TileJSON (a new filter); nothing when it is the same. */
export function setTiles(map, source, url, reload = false) {
  const s = map.getSource(source);
  if (s && (reload || s.url !== url)) s.setUrl(url);
}

/** Draws the request points from `minzoom` on (0: at every zoom). */
export function showPointsFrom(map, minzoom) {
  for (const id of POINT_LAYERS) map.setLayerZoomRange(id, minzoom, 24);
}

/** A colour ramp (low to high colours) over `property` from 0 to `max`. */
export function rampExpression(ramp, property, max) {
  const top = Math.max(max, 1);
  const stops = ramp.length > 1 ? ramp.flatMap((color, i) => [(top * i) / (ramp.length - 1), color]) : [0, ramp[0], top, ramp[0]];
  return ["interpolate", ["linear"], ["coalesce", ["get", property], 0], ...stops];
}

/** A legend's classes that stand for a value of its property, lowest value first. */
function valuedClasses(legend) {
  return (legend?.classes || [])
    .filter((c) => c.value !== null && c.value !== undefined)
    .sort((a, b) => a.value - b.value);
}

/**
 * The colour a legend gives its layer's features: a ramp over the legend's property up to
 * `max`; a step by the property's value (a class holds its value and up to the next class's,
 * so the top class reads "or more"); else the one class's colour.
 */
export function legendColor(legend, max) {
  if (!legend) return null;
  if (legend.property && legend.ramp?.length) return rampExpression(legend.ramp, legend.property, max);
  const valued = valuedClasses(legend);
  if (legend.property && valued.length) {
    const [low, ...rest] = valued;
    return ["step", ["coalesce", ["get", legend.property], low.value], low.color, ...rest.flatMap((c) => [c.value, c.color])];
  }
  return legend.classes?.[0]?.color ?? null;
}

/** The legend class of a feature's properties (the class `legendColor` paints it with), or null. */
export function legendClass(legend, properties) {
  const value = properties?.[legend?.property];
  if (typeof value !== "number") return null;
  const valued = valuedClasses(legend);
  return valued.filter((c) => c.value <= value).at(-1) ?? valued[0] ?? null;
}

/** The largest value of `property` in a layer: the layer's `max_<property>`, else its features'. */
export function maxValue(data, property) {
  if (!data || !property) return 0;
  const published = data[`max_${property}`];
  if (typeof published === "number") return published;
  return Math.max(0, ...(data.features || []).map((f) => Number(f.properties[property]) || 0));
}

/** `color` (#rrggbb) darkened by `factor`, for outlines. */
function darker(color, factor = 0.6) {
  const m = /^#([0-9a-f]{6})$/i.exec(color || "");
  if (!m) return color;
  const n = parseInt(m[1], 16);
  const channel = (shift) => Math.round(((n >> shift) & 255) * factor).toString(16).padStart(2, "0");
  return `#${channel(16)}${channel(8)}${channel(0)}`;
}

/**
 * Draws a method's layer: shows the map layers of the kinds of feature `data` holds, hides
 * the others, and paints them with the method's `legend` (outlines a shade darker; hot and
 * cold regions in the colours of the legend's top and bottom classes).
 */
export function showMethod(map, legend, data) {
  const kinds = new Set((data?.features || []).map((f) => featureKind(f.properties)));
  const visible = new Set([...kinds].flatMap((k) => KIND_LAYERS[k] || []));
  const color = legendColor(legend, maxValue(data, legend?.property)) ?? UNCLASSED;
  const valued = valuedClasses(legend);
  const single = typeof color === "string" ? color : valued.at(-1)?.color ?? UNCLASSED;
  for (const id of new Set(Object.values(KIND_LAYERS).flat())) {
    map.setLayoutProperty(id, "visibility", visible.has(id) ? "visible" : "none");
    if (!visible.has(id)) continue;
    const type = map.getLayer(id).type;
    if (id === "regions-line" && legend?.property === "category_code") {
      // emerging hot spots: each region in its most urgent category's colour
      map.setPaintProperty(id, "line-color", color);
    } else if (id === "regions-line") {
      const [cold, hot] = [valued[0]?.color ?? single, valued.at(-1)?.color ?? single];
      map.setPaintProperty(id, "line-color", ["case", ["==", ["get", "kind"], "cold_region"], darker(cold, 0.5), darker(hot, 0.5)]);
    } else if (type === "line") {
      map.setPaintProperty(id, "line-color", darker(single, 0.75));
    } else {
      map.setPaintProperty(id, `${type}-color`, color);
    }
  }
}

/** Replaces the data of a source. */
export function setData(map, source, data) {
  map.getSource(source)?.setData(data || EMPTY);
}

/** Bounds of a GeoJSON geometry as [[w, s], [e, n]]. */
export function geometryBounds(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(visit);
  };
  visit(geometry.coordinates);
  return [[w, s], [e, n]];
}

export { maplibregl };
