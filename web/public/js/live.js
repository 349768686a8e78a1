// Live updates: the server's event stream (GET /api/v1/events, Server-Sent Events). When
// requests arrive or change (here, from a crew, an import or a sync), the map refreshes the
// layers it shows: once soon after the event, and once more when the server's layer cache
// (which may lag a change by up to a second) has surely caught up. A `reset` event (the
// server missed changes, or this page fell behind) refreshes everything the same way.

const SOON_MS = 200;
const SETTLED_MS = 1_100;

/**
 * Listens to the event stream and calls `onChange(event)` (the last event, or null after a
 * reset) at most twice per burst of events. Returns the EventSource (null when the browser
 * has none). The browser reconnects by itself and resumes with `Last-Event-ID`.
 */
export function followEvents(onChange) {
  if (!window.EventSource) return null;
  const source = new EventSource("/api/v1/events");
  let last = null;
  let soon = null;
  let settled = null;
  const schedule = (event) => {
    last = event;
    document.body.dataset.events = String(Number(document.body.dataset.events || 0) + 1);
    if (!soon) soon = setTimeout(() => { soon = null; onChange(last); }, SOON_MS);
    clearTimeout(settled);
    settled = setTimeout(() => { settled = null; onChange(last); }, SETTLED_MS);
  };
  source.onmessage = (message) => {
    try {
      schedule(JSON.parse(message.data));
    } catch {
      // not an event of ours: ignore
    }
  };
  source.addEventListener("reset", () => schedule(null));
  source.onopen = () => { document.body.dataset.live = "open"; };
  source.onerror = () => { document.body.dataset.live = "reconnecting"; };
  return source;
}
