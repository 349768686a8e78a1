// Browser tests of the map page, driven by playwright-core in Debian's Chromium.
//
//   node web/tests/browser.mjs BASE_URL SCREENSHOT_DIR [API_KEY]
//
// Run by tests/browser.rs against a demo-city server. Exits non-zero with a message on the
// first failed check; saves screenshots of the main views into SCREENSHOT_DIR.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, shots = "target/screenshots", apiKey = "demo-key-riverton-311"] = process.argv.slice(2);
if (!base) {
  console.error("usage: node browser.mjs BASE_URL [SCREENSHOT_DIR] [API_KEY]");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const checks = [];
function check(ok, what, detail = "") {
  checks.push(what);
  if (!ok) throw new Error(`FAILED: ${what}${detail ? `\n  ${detail}` : ""}`);
  console.log(`ok - ${what}`);
}

const profile = mkdtempSync(join(tmpdir(), "hotspot-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1366, height: 820 },
  args: [
    "--no-sandbox", "--enable-unsafe-swiftshader", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

const errors = [];
/** Every URL the page asked for. */
const requested = [];
let page;
try {
  page = context.pages()[0] || (await context.newPage());
  // Offline: anything not served by Hotspot itself (a basemap host, say) is blocked.
  const origin = new URL(base).origin;
  await page.route("**/*", (route) =>
    route.request().url().startsWith(origin) || route.request().url().startsWith("data:")
      ? route.continue()
      : route.abort());
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("request", (request) => requested.push(request.url()));

  await run(page, origin);
  console.log(`# ${checks.length} checks passed`);
} catch (error) {
  if (page) await page.screenshot({ path: join(shots, "failure.png") }).catch(() => {});
  console.error(error.message || error);
  if (errors.length) console.error(`console errors:\n  ${errors.join("\n  ")}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

/** Waits until the page finished drawing after its latest refresh. */
async function settled(page, after = 0) {
  await page.waitForFunction((n) => Number(document.body.dataset.refreshed || 0) > n && window.hotspot.pending === 0, after, { timeout: 60_000 });
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.hotspot.map;
    if (map.loaded() && !map.isMoving()) map.once("idle", resolve); else map.once("idle", resolve);
    map.triggerRepaint();
  }));
}

function refreshed(page) {
  return page.evaluate(() => Number(document.body.dataset.refreshed || 0));
}

function rendered(page, layer) {
  return page.evaluate((id) => window.hotspot.map.queryRenderedFeatures({ layers: [id] }).length, layer);
}

/**
 * The drawn colour (#rrggbb) of each rendered feature of `layer` with the value of its
 * `property`, as [value, colour] pairs.
 */
function renderedColors(page, layer, property) {
  return page.evaluate(({ layer, property }) => {
    const hex = (x) => Math.round(x * 255).toString(16).padStart(2, "0");
    return window.hotspot.map.queryRenderedFeatures({ layers: [layer] }).map((f) => {
      const paint = f.layer.paint[`${f.layer.type}-color`];
      return [f.properties[property], `#${hex(paint.r)}${hex(paint.g)}${hex(paint.b)}`];
    });
  }, { layer, property });
}

/** The class of a legend a value belongs to: the one of the highest value not above it. */
function legendClass(legend, value) {
  const classes = legend.classes.filter((c) => c.value !== null).sort((a, b) => a.value - b.value);
  return classes.filter((c) => c.value <= value).at(-1) ?? classes[0];
}

/** The shown legend of a method: its title and [label, swatch colour] of each class. */
function shownLegend(page, method) {
  return page.evaluate((id) => {
    const box = document.querySelector(`#legend [data-method="${id}"]`);
    if (!box) return null;
    const hex = (rgb) => `#${rgb.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, "0")).join("")}`;
    return {
      title: box.querySelector("h3")?.textContent,
      classes: [...box.querySelectorAll("li")].map((li) => [li.textContent.trim(), hex(getComputedStyle(li.querySelector(".swatch")).backgroundColor)]),
      note: box.querySelector("p.hint")?.textContent,
    };
  }, method);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Texts of the method table the page must not carry itself: labels and wording of several
 * words, legend colours, the points limit and the default window (single words such as
 * "Points" are too common to look for).
 */
function hardCoded(catalog) {
  const root = new URL("../public/", import.meta.url);
  const files = ["index.html", ...readdirSync(new URL("js/", root)).map((f) => `js/${f}`)];
  const words = new Set(catalog.methods.flatMap((m) => [m.label, m.ranks, m.legend.title, m.legend.note, ...m.legend.classes.map((c) => c.label)])
    .filter((w) => w && /\s/.test(w)));
  const colors = new Set(catalog.methods.flatMap((m) => [...m.legend.classes.map((c) => c.color), ...m.legend.ramp]).map((c) => c.toLowerCase()));
  const found = [];
  for (const file of files) {
    const text = readFileSync(new URL(file, root), "utf8");
    for (const w of words) if (text.includes(w)) found.push(`${file}: ${w}`);
    for (const c of colors) if (text.toLowerCase().includes(c)) found.push(`${file}: ${c}`);
    for (const id of catalog.methods.map((m) => m.id)) if (text.includes(`"${id}"`)) found.push(`${file}: "${id}"`);
    if (new RegExp(`\\b${catalog.limits.points}\\b|${Number(catalog.limits.points).toLocaleString("en")}`).test(text)) found.push(`${file}: ${catalog.limits.points}`);
    if (new RegExp(`["'\`]${catalog.defaults.days}["'\`]|\\b${catalog.defaults.days} days`).test(text)) found.push(`${file}: ${catalog.defaults.days} days`);
  }
  return found;
}

async function run(page, origin) {
  // 0. The method table the page is built from.
  const catalog = await (await fetch(`${origin}/api/v1/layers`)).json();
  const method = Object.fromEntries(catalog.methods.map((m) => [m.id, m]));
  const leftovers = hardCoded(catalog);
  check(leftovers.length === 0, "web/public hard-codes no method label, legend, method id, points limit or default window",
    leftovers.join("\n  "));

  // 1. The page loads with no console errors and draws the default view.
  await page.goto(`${origin}/?method=gistar&type=streetlight&days=365`);
  await settled(page);
  check(errors.length === 0, "page loads without console errors", errors.join("; "));
  check(await page.locator("#type-list input[type=checkbox]").count() >= 10, "request types are listed");
  await page.screenshot({ path: join(shots, "gistar.png") });

  // 1b. Menu, legend, colours, wording and work list come from the method table.
  const options = await page.evaluate(() => [...document.querySelectorAll("#method option")].map((o) => [o.value, o.textContent]));
  check(same(options, catalog.methods.map((m) => [m.id, m.label])),
    `the method menu lists the ${options.length} published methods (ids and labels) in order`, JSON.stringify(options));
  const gistar = method.gistar;
  const giLegend = await shownLegend(page, "gistar");
  check(gistar.legend.classes.length === 7 && same(giLegend?.title, gistar.legend.title)
    && same(giLegend.classes, gistar.legend.classes.map((c) => [c.label, c.color.toLowerCase()])),
    "the Gi* legend shows the 7 published classes (labels and colours) under the published title", JSON.stringify(giLegend));
  const cellColors = await renderedColors(page, "cells-fill", gistar.legend.property);
  const offColor = cellColors.filter(([bin, color]) => color !== legendClass(gistar.legend, bin).color.toLowerCase());
  check(cellColors.length > 0 && offColor.length === 0, "Gi* cells are painted in the published colour of their bin",
    JSON.stringify(offColor.slice(0, 5)));
  const summary = await page.locator("#ranked-summary").textContent();
  check(summary.includes(` ${gistar.ranks}, in priority order`), "the ranked list is worded with the method's `ranks`", summary);
  check(await page.locator("#export-worklist").isVisible() === gistar.work_list, "the work list shows for a method with a work list");

  // 2. Gi* hot spots of street lights are drawn (request points only from zoom 15 over them).
  check(await page.evaluate(() => window.hotspot.map.getZoom()) < 15 && await rendered(page, "points-circle") === 0,
    "over the hot spots, request points wait for zoom 15");
  const cells = await rendered(page, "cells-fill");
  check(cells > 0, "choosing a type draws Gi* cells", `rendered ${cells}`);
  const hot = await page.evaluate(() => window.hotspot.map.queryRenderedFeatures({ layers: ["cells-fill"] })
    .filter((f) => f.properties.bin >= 2).length);
  check(hot > 0, "significant hot cells are drawn", `hot rendered ${hot}`);

  // 3. Clicking the first ranked hot spot shows its details, with the API's numbers.
  const first = page.locator("#ranked-list li button").first();
  await first.waitFor();
  await first.click();
  await page.locator("#details").waitFor({ state: "visible" });
  const shown = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll("#details-stats dd")].map((dd) => [dd.dataset.field, dd.textContent])));
  const apiUrl = await page.evaluate(() => window.hotspot.layerUrl);
  const api = await page.evaluate(async (url) => (await fetch(url)).json(), apiUrl);
  const top = api.features.filter((f) => f.properties.kind === "hot_region").sort((a, b) => a.properties.rank - b.properties.rank)[0];
  check(top !== undefined, "the API has a ranked hot region");
  check(shown.Requests === String(top.properties.count) && shown.Open === String(top.properties.open)
    && shown.Overdue === String(top.properties.overdue),
    "details of the first hot spot match the API", `shown ${JSON.stringify(shown)} api ${JSON.stringify(top.properties)}`);
  check((await page.locator("#details-addresses li").count()) > 0, "details list top addresses");
  await page.waitForTimeout(1500); // the fly-to animation
  await page.screenshot({ path: join(shots, "hotspot-details.png") });
  check(new URL(page.url()).searchParams.get("selected") !== null, "the URL keeps the selection");

  // 4. Changing the time window changes the layer.
  const beforeUrl = apiUrl;
  const beforeCount = api.features.filter((f) => f.properties.kind === "cell").reduce((n, f) => n + f.properties.count, 0);
  let n = await refreshed(page);
  await page.locator("label:has(input[name=days][value='30'])").click();
  await settled(page, n);
  const afterUrl = await page.evaluate(() => window.hotspot.layerUrl);
  const afterCount = await page.evaluate(() => (window.hotspot.data?.features || [])
    .filter((f) => f.properties.kind === "cell").reduce((n, f) => n + f.properties.count, 0));
  check(afterUrl !== beforeUrl && afterUrl.includes("days=30"), "the window change refetches the layer", afterUrl);
  check(afterCount < beforeCount, "a 30-day window holds fewer requests than 365 days", `${afterCount} vs ${beforeCount}`);

  // 5. Other views over the whole city: clusters, hex density with a district choropleth,
  // repeats.
  await page.locator("#fit-city").click();
  await page.waitForTimeout(1200);
  n = await refreshed(page);
  await page.locator("label:has(input[name=days][value='365'])").click();
  await settled(page, n);
  n = await refreshed(page);
  await page.selectOption("#method", "dbscan");
  await settled(page, n);
  check(await rendered(page, "clusters-fill") > 0, "DBSCAN clusters are drawn");
  await page.screenshot({ path: join(shots, "clusters.png") });

  n = await refreshed(page);
  await page.selectOption("#method", "hexbins");
  await settled(page, n);
  n = await refreshed(page);
  await page.selectOption("#districts", "council_districts");
  await settled(page, n);
  check(await rendered(page, "hex-fill") > 0, "hex density is drawn");
  check(await rendered(page, "districts-fill") > 0, "the district choropleth is drawn");
  check(await page.locator("#export-worklist").isHidden() === !method.hexbins.work_list, "the work list hides for a method without one");
  const ramp = await page.evaluate(() => document.querySelector('#legend [data-method="hexbins"] .ramp')?.style.background || "");
  check(method.hexbins.legend.ramp.length > 0 && (ramp.match(/rgb\(/g) || []).length === method.hexbins.legend.ramp.length,
    "the hex density legend shows the published ramp", ramp);
  await page.screenshot({ path: join(shots, "hexbins-districts.png") });

  n = await refreshed(page);
  await page.selectOption("#method", "repeats");
  await settled(page, n);
  check(await rendered(page, "repeats-circle") > 0, "repeat addresses are drawn");
  const repeats = method.repeats.legend;
  const repLegend = await shownLegend(page, "repeats");
  check(same(repLegend?.classes, repeats.classes.map((c) => [c.label, c.color.toLowerCase()])) && repLegend.note === repeats.note,
    "the repeats legend shows the published classes and note", JSON.stringify(repLegend));
  const repColors = await renderedColors(page, "repeats-circle", repeats.property);
  const repOff = repColors.filter(([n, color]) => color !== legendClass(repeats, n).color.toLowerCase());
  check(repColors.length > 0 && repOff.length === 0, "repeat addresses are painted in the published colour of their class",
    JSON.stringify(repOff.slice(0, 5)));
  await page.screenshot({ path: join(shots, "repeats.png") });

  // 5b. Emerging hot spots: categorized cells in the published colours, a popup with the
  // cell's requests per step as a chart.
  n = await refreshed(page);
  await page.selectOption("#method", "emerging");
  await settled(page, n);
  check(await rendered(page, "locations-fill") > 0, "emerging hot-spot cells are drawn");
  const emerging = method.emerging.legend;
  const emColors = await renderedColors(page, "locations-fill", emerging.property);
  const emOff = emColors.filter(([n, color]) => color !== legendClass(emerging, n).color.toLowerCase());
  check(emColors.length > 0 && emOff.length === 0, "emerging cells are painted in the colour of their category",
    JSON.stringify(emOff.slice(0, 5)));
  const cellPoint = await page.evaluate(() => {
    const map = window.hotspot.map;
    const [f] = map.queryRenderedFeatures({ layers: ["locations-fill"] });
    const ring = f.geometry.type === "MultiPolygon" ? f.geometry.coordinates[0][0] : f.geometry.coordinates[0];
    const lon = ring.slice(0, -1).reduce((a, c) => a + c[0], 0) / (ring.length - 1);
    const lat = ring.slice(0, -1).reduce((a, c) => a + c[1], 0) / (ring.length - 1);
    const p = map.project([lon, lat]);
    const box = map.getCanvas().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  });
  await page.mouse.click(cellPoint.x, cellPoint.y);
  await page.waitForTimeout(500);
  const emPopup = await page.evaluate(() => {
    const popup = document.querySelector(".maplibregl-popup");
    return { title: popup?.querySelector("h4")?.textContent ?? "", bars: popup?.querySelectorAll(".step-chart rect").length ?? 0 };
  });
  check(emerging.classes.some((c) => c.label === emPopup.title) && emPopup.bars >= 10,
    "an emerging cell's popup names its category and charts its requests per step", JSON.stringify(emPopup));
  await page.screenshot({ path: join(shots, "emerging.png") });
  await page.evaluate(() => document.querySelector(".maplibregl-popup-close-button")?.click());

  // 5c. Near repeats: the Knox heat table and its reading in words.
  n = await refreshed(page);
  await page.selectOption("#method", "nearrepeat");
  await settled(page, n);
  const knoxShown = await page.evaluate(() => ({
    cells: document.querySelectorAll("#knox-table td").length,
    caption: document.querySelector("#knox-table caption")?.textContent ?? "",
    summary: document.querySelector("#ranked-summary").textContent,
    knox: window.hotspot.data?.knox ?? null,
  }));
  check(knoxShown.knox && knoxShown.cells === knoxShown.knox.cells.length && knoxShown.summary === knoxShown.knox.reading,
    "the near-repeat view shows the Knox table as a heat table and its reading in words",
    JSON.stringify({ cells: knoxShown.cells, summary: knoxShown.summary }));
  if (knoxShown.knox?.strongest) check(await rendered(page, "pairs-line") > 0, "the pairs of the strongest band are drawn");
  await page.screenshot({ path: join(shots, "nearrepeat.png") });

  // 6. A request posted through Open311 appears after a refresh.
  const extent = await page.evaluate(() => window.hotspot.catalog.city.extent);
  const lon = (extent[0] + extent[2]) / 2 + 0.0021;
  const lat = (extent[1] + extent[3]) / 2 - 0.0017;
  const posted = await page.evaluate(async ({ lat, lon, apiKey }) => {
    const body = new URLSearchParams({ api_key: apiKey, service_code: "graffiti", lat: String(lat), long: String(lon), description: "browser test tag" });
    const response = await fetch("/open311/v2/requests.json", { method: "POST", body });
    return { status: response.status, body: await response.json() };
  }, { lat, lon, apiKey });
  check(posted.status === 201, "Open311 POST accepted", JSON.stringify(posted));
  const id = posted.body[0].service_request_id;
  await page.goto(`${origin}/?method=points&type=graffiti&days=30&map=17/${lat}/${lon}`);
  await settled(page);
  const found = await page.evaluate((id) => window.hotspot.map.queryRenderedFeatures({ layers: ["points-circle"] })
    .filter((f) => f.properties.service_request_id === id)
    .map((f) => ({ source: f.source, sourceLayer: f.sourceLayer, geometry: f.geometry })), id);
  check(found.length > 0, "the posted request is drawn after refresh", id);
  check(found.every((f) => f.source === "requests" && f.sourceLayer === "requests"),
    "request points are drawn from the vector tiles' requests layer", JSON.stringify(found[0]));
  const tileUrls = requested.map((u) => new URL(u)).filter((u) => u.pathname.startsWith("/tiles/"));
  check(tileUrls.some((u) => u.pathname === "/tiles/requests.json" && u.searchParams.get("type") === "graffiti")
    && tileUrls.some((u) => /^\/tiles\/requests\/17\/\d+\/\d+\.mvt$/.test(u.pathname) && u.searchParams.get("days") === "30"),
    "the points come from /tiles/requests.json and its zoom-17 tiles, with the view's filter",
    tileUrls.slice(-3).map(String).join(" "));
  await page.screenshot({ path: join(shots, "points.png") });

  // 6b. Clicking a point reads the request's whole record: the popup says it in plain words.
  const at = await page.evaluate(({ lon, lat }) => window.hotspot.map.project([lon, lat]), { lon, lat });
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + at.x, box.y + at.y);
  const popup = page.locator(".maplibregl-popup-content");
  await popup.filter({ hasText: "browser test tag" }).waitFor({ timeout: 10_000 });
  const popupText = await popup.textContent();
  const graffiti = catalog.types.find((t) => t.code === "graffiti").name;
  check(popupText.includes(graffiti) && popupText.includes(id) && /Due/.test(popupText) && /open/.test(popupText),
    "a point's popup shows the type's name, id, status, due date and description from its record", popupText);
  await page.screenshot({ path: join(shots, "point-popup.png") });

  // 6c. Live: a request posted elsewhere while the page is open is drawn without a reload.
  const liveAt = { lat: lat - 0.0005, lon: lon + 0.0004 };
  const livePosted = await page.evaluate(async ({ lat, lon, apiKey }) => {
    const body = new URLSearchParams({ api_key: apiKey, service_code: "graffiti", lat: String(lat), long: String(lon), description: "live test tag" });
    const response = await fetch("/open311/v2/requests.json", { method: "POST", body });
    return (await response.json())[0].service_request_id;
  }, { ...liveAt, apiKey });
  const liveStart = Date.now();
  const appeared = await page.waitForFunction((id) => window.hotspot.map.queryRenderedFeatures({ layers: ["points-circle"] })
    .some((f) => f.properties.service_request_id === id), livePosted, { timeout: 5_000 }).then(() => true, () => false);
  check(appeared, "a request posted elsewhere appears on the open map without a reload (event stream)",
    `${Date.now() - liveStart} ms`);

  // 6d. Staff mode: with the write key, a request's popup marks it closed with a note.
  await page.click("#staff-mode");
  await page.fill("#staff-dialog input", apiKey);
  await page.click("#staff-dialog button[value=ok]");
  check(await page.evaluate(() => document.body.dataset.staff) === "on", "staff mode turns on with the write key");
  await page.evaluate(() => document.querySelectorAll(".maplibregl-popup-close-button").forEach((b) => b.click()));
  const pixel = await page.evaluate(({ lat, lon }) => window.hotspot.map.project([lon, lat]), liveAt);
  await page.mouse.click(box.x + pixel.x, box.y + pixel.y);
  const form = await page.waitForSelector(".staff-close button", { timeout: 5_000 }).then(() => true, () => false);
  check(form, "an open request's popup offers Mark closed in staff mode");
  if (form) {
    await page.fill(".staff-close textarea", "Painted over");
    await page.click(".staff-close button");
    await page.waitForSelector(".popup .closed-on", { timeout: 5_000 }).catch(() => {});
    await page.screenshot({ path: join(shots, "staff-closed.png") });
  }
  const record = await page.evaluate(async (id) =>
    (await (await fetch(`/open311/v2/requests/${id}.json?extensions=true`)).json())[0], livePosted);
  const last = record.notes?.at(-1) || {};
  check(record.status === "closed" && last.description === "Painted over" && last.source === "staff"
    && await page.locator(".popup .closed-on").count() === 1,
    "Mark closed stores the status and the note, and the popup shows when it was closed", JSON.stringify(record.notes));

  // 6e. The points view draws every request at every zoom: over the whole city, crowded tiles
  // carry clusters whose counts stand for every request.
  await page.goto(`${origin}/?method=points&days=365`);
  await settled(page);
  const drawn = await page.evaluate(() => {
    const map = window.hotspot.map;
    const features = map.queryRenderedFeatures({ layers: ["points-circle", "points-clusters"] });
    return { zoom: map.getZoom(), points: features.filter((f) => !f.properties.cluster).length,
      clusters: features.filter((f) => f.properties.cluster).length };
  });
  check(drawn.zoom < 14 && drawn.points + drawn.clusters > 0 && drawn.clusters > 0,
    "the points view draws requests and clusters from tiles over the whole city", JSON.stringify(drawn));
  await page.screenshot({ path: join(shots, "points-city.png") });
  const most = method.points.parameters.find((p) => p.name === "limit")?.max ?? catalog.limits.points;
  const pointsAsked = requested.filter((u) => new URL(u).pathname === `/api/v1/${method.points.layer}`);
  check(pointsAsked.length > 0 && pointsAsked.every((u) => Number(new URL(u).searchParams.get("limit")) === most),
    `the points view asks for limit=${most}, the published maximum`, pointsAsked.slice(-2).join(" "));

  // 6e. A sparse selection says in words why it shows no hot spot and what has power.
  await page.goto(`${origin}/?method=gistar&type=streetlight&status=open&start=2026-10-02&end=2026-10-31`);
  await settled(page);
  const sparse = await page.evaluate(() => document.querySelector("#ranked-summary").textContent);
  check(sparse.startsWith("No hot spot stands out") && sparse.includes("What has power here"),
    "an empty Gi* layer explains itself in words", sparse);

  // 7. Without a query the page shows the published defaults; a method's alias names it.
  await page.goto(`${origin}/`);
  await settled(page);
  const shownDefaults = await page.evaluate(() => ({
    days: document.querySelector("input[name=days]:checked")?.value,
    status: document.querySelector("input[name=status]:checked")?.value,
    method: document.querySelector("#method").value,
    url: window.hotspot.layerUrl,
  }));
  const d = catalog.defaults;
  check(shownDefaults.days === String(d.days) && new URL(shownDefaults.url, origin).searchParams.get("days") === String(d.days),
    `the default time window is the published ${d.days} days`, JSON.stringify(shownDefaults));
  check(shownDefaults.method === d.method && shownDefaults.status === d.status, "the default method and status are the published ones",
    JSON.stringify(shownDefaults));
  const aliased = catalog.methods.find((m) => m.id !== d.method && m.aliases.length);
  await page.goto(`${origin}/?method=${encodeURIComponent(aliased.aliases[0].toUpperCase())}&days=30`);
  await settled(page);
  check(await page.locator("#method").inputValue() === aliased.id && new URL(page.url()).searchParams.get("method") === aliased.id,
    `a URL's method alias (${aliased.aliases[0]}) selects its method (${aliased.id})`, page.url());

  // 8. A tablet-sized screen still shows the map and the controls.
  await page.setViewportSize({ width: 820, height: 1100 });
  await page.goto(`${origin}/?method=gistar&type=streetlight&days=365`);
  await settled(page);
  check(await page.locator("#method").isVisible(), "controls are visible on a tablet");
  await page.screenshot({ path: join(shots, "tablet.png") });
  check(errors.length === 0, "no console errors in the whole session", errors.join("; "));
}
