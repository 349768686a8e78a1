//! `GET /api/v1/events`: committed requests and updates as Server-Sent Events.
//!
//! Each event's id is its change-feed position; a client that reconnects with
//! `Last-Event-ID` (browsers' `EventSource` does so by itself) first gets what it missed,
//! from the store's change feed, then the live stream. When too much was missed, or the
//! listener fell behind, it gets an `event: reset`: reload everything.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use super::{ApiError, ServerState};
use crate::events::{Broadcast, Event};

/// Most missed events replayed on a reconnect; beyond, the client is told to reload.
pub const MAX_REPLAY: usize = 1_000;
/// Comment lines sent on an idle stream, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What a listener's stream sends next.
enum Next {
    One(Event),
    Reset,
}

/// The event stream.
pub async fn events(
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let after = last_event_id(&headers)?;
    // listen first, so nothing committed while the missed events are read is lost
    let receiver = state.city.events.subscribe();
    let (missed, seen) = match after {
        Some(rev) => missed_since(&state, rev).await?,
        None => (Vec::new(), 0),
    };
    let live = live(receiver, seen);
    let stream = stream::iter(missed)
        .chain(live)
        .map(|next| Ok::<_, Infallible>(sse(next)));
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

/// `Last-Event-ID`: a change-feed position.
fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| ApiError::bad("Last-Event-ID", format!("{text:?} is not an event id")))
}

/// The events after `rev` and the newest position they reach; a reset when the feed no longer
/// reaches back that far or more than [`MAX_REPLAY`] were missed.
async fn missed_since(state: &ServerState, rev: i64) -> Result<(Vec<Next>, i64), ApiError> {
    let store = state.city.store.clone();
    let (oldest, changes) = tokio::task::spawn_blocking(move || {
        Ok::<_, crate::store::StoreError>((
            store.oldest_change()?,
            store.changes_since(rev, MAX_REPLAY + 1)?,
        ))
    })
    .await
    .map_err(ApiError::internal("reading missed events"))??;
    let newest = changes.last().map_or(rev, |c| c.rev);
    let gap = oldest.is_some_and(|o| o > rev + 1) || changes.len() > MAX_REPLAY;
    let missed = if gap {
        vec![Next::Reset]
    } else {
        changes.iter().map(|c| Next::One(Event::of(c))).collect()
    };
    Ok((missed, newest))
}

/// The live events after position `seen`.
fn live(receiver: Receiver<Broadcast>, seen: i64) -> impl Stream<Item = Next> {
    stream::unfold(
        (receiver, seen, VecDeque::<Next>::new()),
        |(mut receiver, mut seen, mut queued)| async move {
            loop {
                if let Some(next) = queued.pop_front() {
                    return Some((next, (receiver, seen, queued)));
                }
                match receiver.recv().await {
                    Ok(Broadcast::Events(events)) => {
                        let after = seen;
                        for e in events.iter().filter(|e| e.rev > after) {
                            queued.push_back(Next::One(e.clone()));
                        }
                        seen = events.last().map_or(seen, |e| e.rev.max(seen));
                    }
                    Ok(Broadcast::Reset) | Err(RecvError::Lagged(_)) => {
                        queued.push_back(Next::Reset)
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    )
}

fn sse(next: Next) -> SseEvent {
    match next {
        Next::One(e) => SseEvent::default()
            .id(e.rev.to_string())
            .json_data(&e)
            .unwrap_or_else(|_| SseEvent::default().event("reset").data("{}")),
        Next::Reset => SseEvent::default().event("reset").data("{}"),
    }
}
