// A request's lifecycle in its popup: when it was closed and its status history, read from
// the Open311 record (`extensions=true`). Staff mode: a crew member enters the write key once
// per browser session (kept in sessionStorage, never in the URL or on disk) and can then
// close a request that is still open, with a note, from its popup.

import { esc } from "./popups.js";

const KEY = "hotspot.staffKey";

/** The key of staff mode, or "" when it is off. */
export function staffKey() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

function setStaffKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage refused (private mode): staff mode stays off
  }
}

/**
 * Binds the staff-mode button and its dialog: entering a key turns staff mode on for this
 * session; the button then turns it off.
 */
export function bindStaffMode(button, dialog) {
  const form = dialog.querySelector("form");
  const input = dialog.querySelector("input");
  const show = () => {
    const on = Boolean(staffKey());
    button.textContent = on ? "Staff mode: on" : "Staff mode";
    button.setAttribute("aria-pressed", String(on));
    document.body.dataset.staff = on ? "on" : "off";
  };
  button.addEventListener("click", () => {
    if (staffKey()) {
      setStaffKey("");
      show();
      return;
    }
    input.value = "";
    dialog.showModal();
  });
  form.addEventListener("submit", (event) => {
    if (event.submitter?.value === "cancel") return;
    setStaffKey(input.value.trim());
    show();
  });
  show();
}

const when = (s) => (s ? s.replace("T", " ").slice(0, 16) : "time unknown");

/** HTML of a record's lifecycle: closed time and history, plus the staff form when allowed. */
export function lifecycleHtml(record, staff) {
  const closed = record.closed_datetime ? `<p class="closed-on">Closed ${esc(when(record.closed_datetime))}</p>` : "";
  const notes = (record.notes || [])
    .map((n) => `<li><strong>${esc(n.summary)}</strong> ${esc(when(n.datetime))}${n.description ? `: ${esc(n.description)}` : ""} <span class="muted">(${esc(n.source)})</span></li>`)
    .join("");
  const history = notes ? `<details class="history"><summary>History</summary><ol>${notes}</ol></details>` : "";
  const form = staff && record.status === "open"
    ? `<form class="staff-close"><label>Note for the record<textarea name="status_notes" rows="2" maxlength="4000"></textarea></label>
       <button type="submit">Mark closed</button><p class="staff-message" role="status" aria-live="polite"></p></form>`
    : "";
  return closed + history + form;
}

/**
 * Fills `element` (inside a request's popup) with the request's lifecycle, and handles the
 * staff form; `onChanged()` runs after a status change was stored.
 */
export async function fillLifecycle(element, id, onChanged) {
  const url = `/open311/v2/requests/${encodeURIComponent(id)}.json?extensions=true`;
  let record;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status}`);
    [record] = await response.json();
  } catch {
    element.textContent = "History unavailable.";
    return;
  }
  element.innerHTML = lifecycleHtml(record, Boolean(staffKey()));
  // the clicked feature may be older than the record: show the status as it is now
  const statusCell = [...(element.closest(".popup")?.querySelectorAll("td") || [])]
    .find((td) => td.textContent === "Status")?.nextElementSibling;
  if (statusCell && record.status === "closed") statusCell.textContent = "closed";
  const form = element.querySelector("form.staff-close");
  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    markClosed(form, id, () => {
      fillLifecycle(element, id, onChanged);
      onChanged();
    });
  });
}

async function markClosed(form, id, done) {
  const message = form.querySelector(".staff-message");
  const button = form.querySelector("button");
  button.disabled = true;
  message.textContent = "Saving…";
  const body = new URLSearchParams({ status: "closed" });
  const note = form.elements.status_notes.value.trim();
  if (note) body.set("status_notes", note);
  try {
    const response = await fetch(`/api/v1/requests/${encodeURIComponent(id)}/status`, {
      method: "POST",
      headers: { "X-Api-Key": staffKey(), "Content-Type": "application/x-www-form-urlencoded" },
      body,
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      message.textContent = "Closed.";
      done();
      return;
    }
    if (response.status === 403) setStaffKey("");
    message.textContent = answer.error || `Not saved (${response.status}).`;
  } catch (error) {
    message.textContent = `Not saved: ${error.message}`;
  }
  button.disabled = false;
}
