// The map: an offline style (districts as the base, an optional basemap from the config),
// one GeoJSON source per layer, and popups.

import * as maplibregl from "/vendor/maplibre-gl/maplibre-gl.mjs";

/** The usual 7-class Gi* palette, bin −3..3 (99/95/90% cold, not significant, 90/95/99% hot). */
export const BIN_COLORS = {
  "-3": "#4575b4",
  "-2": "#91bfdb",
  "-1": "#e0f3f8",
  "0": "#f7f7f7",
  "1": "#fee090",
  "2": "#fc8d59",
  "3": "#d73027",
};
export const BIN_LABELS = {
  "3": "Hot spot, 99% confidence",
  "2": "Hot spot, 95% confidence",
  "1": "Hot spot, 90% confidence",
  "0": "Not significant",
  "-1": "Cold spot, 90% confidence",
  "-2": "Cold spot, 95% confidence",
  "-3": "Cold spot, 99% confidence",
};
/** Sequential ramp for densities (hex bins, choropleths). */
export const RAMP = ["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"];

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

/** Adds the sources and layers, bottom to top. Call once the style has loaded. */
export function addLayers(map) {
  for (const id of ["base", "streets", "districts", "analysis", "regions", "points"]) {
    map.addSource(id, { type: "geojson", data: EMPTY });
  }
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
    paint: { "fill-color": rampExpression("per_km2", 1), "fill-opacity": 0.45 },
  });
  map.addLayer({ id: "districts-line", type: "line", source: "districts", paint: { "line-color": "#52606d", "line-width": 1 } });
  map.addLayer({
    id: "hex-fill", type: "fill", source: "analysis", filter: ["has", "h3"],
    layout: { visibility: "none" },
    paint: { "fill-color": rampExpression("count", 1), "fill-opacity": 0.75, "fill-outline-color": "rgba(0,0,0,0.15)" },
  });
  map.addLayer({
    id: "gistar-cells", type: "fill", source: "analysis", filter: ["==", ["get", "kind"], "cell"],
    layout: { visibility: "none" },
    paint: {
      "fill-color": ["match", ["to-string", ["get", "bin"]], ...Object.entries(BIN_COLORS).flat(), "#f7f7f7"],
      "fill-opacity": ["case", ["==", ["get", "bin"], 0], 0.25, 0.8],
    },
  });
  map.addLayer({
    id: "clusters-fill", type: "fill", source: "analysis", filter: ["==", ["get", "kind"], "cluster"],
    layout: { visibility: "none" },
    paint: { "fill-color": "#d73027", "fill-opacity": 0.35 },
  });
  map.addLayer({
    id: "clusters-line", type: "line", source: "analysis", filter: ["==", ["get", "kind"], "cluster"],
    layout: { visibility: "none" },
    paint: { "line-color": "#a50026", "line-width": 1.5 },
  });
  map.addLayer({
    id: "regions-line", type: "line", source: "regions",
    paint: {
      "line-color": ["case", ["==", ["get", "kind"], "cold_region"], "#313695", "#67001f"],
      "line-width": ["case", ["boolean", ["feature-state", "selected"], false], 4, 2],
    },
  });
  map.addLayer({
    id: "repeats-circle", type: "circle", source: "analysis", filter: ["==", ["get", "kind"], "repeat"],
    layout: { visibility: "none" },
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["get", "count"], 3, 5, 20, 14],
      "circle-color": ["interpolate", ["linear"], ["get", "distinct_types"], 1, "#fdae61", 3, "#a50026"],
      "circle-stroke-color": "#fff", "circle-stroke-width": 1,
    },
  });
  map.addLayer({
    id: "points-circle", type: "circle", source: "points",
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 2.5, 17, 6],
      "circle-color": ["case", ["get", "overdue"], "#b2182b", ["==", ["get", "status"], "open"], "#ef8a62", "#67a9cf"],
      "circle-stroke-color": "#fff", "circle-stroke-width": 0.8,
    },
  });
}

/** A colour ramp over `property` from 0 to `max`. */
export function rampExpression(property, max) {
  const top = Math.max(max, 1);
  const stops = RAMP.flatMap((color, i) => [(top * i) / (RAMP.length - 1), color]);
  return ["interpolate", ["linear"], ["coalesce", ["get", property], 0], ...stops];
}

/** Which analysis layers each method shows. */
export const METHOD_LAYERS = {
  gistar: ["gistar-cells"],
  dbscan: ["clusters-fill", "clusters-line"],
  hexbins: ["hex-fill"],
  points: [],
  repeats: ["repeats-circle"],
};

/** Shows the layers of `method` and hides the others. */
export function showMethod(map, method) {
  const visible = new Set(METHOD_LAYERS[method] || []);
  for (const id of Object.values(METHOD_LAYERS).flat()) {
    map.setLayoutProperty(id, "visibility", visible.has(id) ? "visible" : "none");
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
