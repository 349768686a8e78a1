//! The demo city kept going (`hotspot serve --demo-live`): on an accelerated clock, new
//! requests arrive where requests of their type usually arrive, crews close open requests
//! (overdue ones first), and now and then a streetlight circuit fails, bringing a burst of
//! "light out" reports around one corner. Pure and deterministic for a seed: the caller
//! stores what each step returns.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::Catalog;
use crate::model::{ServiceRequest, Status};

/// The service whose circuits fail.
pub const STREETLIGHT: &str = "streetlight";
/// Chance per simulated hour that a streetlight circuit fails.
const CIRCUIT_FAILURES_PER_HOUR: f64 = 0.08;
/// Reports a failed circuit brings, and the hours they come in.
const CIRCUIT_REPORTS: u32 = 12;
const CIRCUIT_HOURS: u32 = 3;
/// Radius (degrees, about 150 m) of the reports of one circuit.
const CIRCUIT_RADIUS_DEG: f64 = 0.0015;

/// Where and what a past request was: new requests arrive at such places.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub code: String,
    pub lon: f64,
    pub lat: f64,
    pub address: Option<String>,
    pub zipcode: Option<String>,
}

/// An open request a crew may close.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCase {
    pub id: String,
    /// SLA due time (unix seconds).
    pub expected: Option<i64>,
}

/// What happened in a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A new request (no id yet: the store numbers it).
    Open(Box<ServiceRequest>),
    /// A crew closed a request.
    Close {
        id: String,
        at: DateTime<Utc>,
        notes: String,
    },
}

/// A failing circuit: reports still to come around a point.
#[derive(Debug, Clone)]
struct Circuit {
    center: Place,
    remaining: u32,
}

/// The simulation.
#[derive(Debug)]
pub struct LiveDemo {
    rng: ChaCha8Rng,
    clock: DateTime<Utc>,
    places: Vec<Place>,
    /// Service code → (name, SLA days).
    services: HashMap<String, (String, Option<f64>)>,
    /// New requests per simulated hour (the past's average rate).
    per_hour: f64,
    circuit: Option<Circuit>,
}

impl LiveDemo {
    /// A simulation starting at `start`, drawing places (and so types and their mix) from
    /// `places`, which arrived over `history_days` days.
    pub fn new(
        catalog: &Catalog,
        places: Vec<Place>,
        history_days: f64,
        start: DateTime<Utc>,
        seed: u64,
    ) -> LiveDemo {
        let services = catalog
            .services()
            .iter()
            .map(|s| (s.code.clone(), (s.name.clone(), s.sla_days)))
            .collect();
        let per_hour = places.len() as f64 / (history_days.max(1.0) * 24.0);
        LiveDemo {
            rng: ChaCha8Rng::seed_from_u64(seed),
            clock: start,
            places,
            services,
            per_hour,
            circuit: None,
        }
    }

    /// The simulated time.
    pub fn clock(&self) -> DateTime<Utc> {
        self.clock
    }

    /// Advances the clock by `step` and returns what happened: new requests (about the
    /// past's rate), closures of `open` requests (about as many; overdue first) and the
    /// reports of a failing circuit.
    pub fn step(&mut self, step: Duration, open: &[OpenCase]) -> Vec<Action> {
        let hours = step.num_seconds() as f64 / 3_600.0;
        let start = self.clock;
        self.clock += step;
        let mut actions = Vec::new();
        if self.places.is_empty() {
            return actions;
        }
        for _ in 0..self.poisson(self.per_hour * hours) {
            let place = self.places[self.rng.random_range(0..self.places.len())].clone();
            let at = self.moment(start, step);
            actions.push(Action::Open(Box::new(self.request(&place, at, ""))));
        }
        self.circuit_reports(start, step, hours, &mut actions);
        self.closures(start, step, hours, open, &mut actions);
        actions
    }

    /// Starts a failure now and then; a failing circuit reports for a few hours.
    fn circuit_reports(
        &mut self,
        start: DateTime<Utc>,
        step: Duration,
        hours: f64,
        actions: &mut Vec<Action>,
    ) {
        if self.circuit.is_none()
            && self
                .rng
                .random_bool((CIRCUIT_FAILURES_PER_HOUR * hours).min(1.0))
        {
            let lights: Vec<&Place> = self
                .places
                .iter()
                .filter(|p| p.code == STREETLIGHT)
                .collect();
            if !lights.is_empty() {
                let center = lights[self.rng.random_range(0..lights.len())].clone();
                self.circuit = Some(Circuit {
                    center,
                    remaining: CIRCUIT_REPORTS,
                });
            }
        }
        let Some(mut circuit) = self.circuit.take() else {
            return;
        };
        let per_step = ((CIRCUIT_REPORTS as f64 / CIRCUIT_HOURS as f64) * hours).ceil() as u32;
        for _ in 0..per_step.min(circuit.remaining) {
            let mut place = circuit.center.clone();
            place.code = STREETLIGHT.to_string();
            place.lon += self
                .rng
                .random_range(-CIRCUIT_RADIUS_DEG..CIRCUIT_RADIUS_DEG);
            place.lat += self
                .rng
                .random_range(-CIRCUIT_RADIUS_DEG..CIRCUIT_RADIUS_DEG);
            let at = self.moment(start, step);
            actions.push(Action::Open(Box::new(self.request(
                &place,
                at,
                "Several lights out on this block (circuit)",
            ))));
            circuit.remaining -= 1;
        }
        if circuit.remaining > 0 {
            self.circuit = Some(circuit);
        }
    }

    /// Crews close about as many requests as arrive, overdue ones (oldest due) first.
    fn closures(
        &mut self,
        start: DateTime<Utc>,
        step: Duration,
        hours: f64,
        open: &[OpenCase],
        actions: &mut Vec<Action>,
    ) {
        let mut queue: Vec<&OpenCase> = open.iter().collect();
        queue.sort_by_key(|c| (c.expected.unwrap_or(i64::MAX), c.id.clone()));
        let n = self.poisson(self.per_hour * hours * 0.9) as usize;
        // mostly the most overdue, sometimes one picked at random (a quick fix)
        let mut chosen: Vec<&OpenCase> = Vec::new();
        for _ in 0..n.min(queue.len()) {
            let i = if self.rng.random_bool(0.7) {
                0
            } else {
                self.rng.random_range(0..queue.len())
            };
            chosen.push(queue.remove(i));
        }
        for case in chosen {
            let notes = if self.rng.random_bool(0.5) {
                "Crew completed the work"
            } else {
                "Inspected and resolved"
            };
            actions.push(Action::Close {
                id: case.id.clone(),
                at: self.moment(start, step),
                notes: notes.to_string(),
            });
        }
    }

    /// A new request at `place` requested `at`.
    fn request(&self, place: &Place, at: DateTime<Utc>, description: &str) -> ServiceRequest {
        let (name, sla) = self
            .services
            .get(&place.code)
            .cloned()
            .unwrap_or_else(|| (place.code.clone(), None));
        ServiceRequest {
            service_code: place.code.clone(),
            service_name: name,
            status: Status::Open,
            requested_datetime: Some(at),
            updated_datetime: Some(at),
            expected_datetime: sla.map(|d| at + Duration::seconds((d * 86_400.0) as i64)),
            address: place.address.clone(),
            zipcode: place.zipcode.clone(),
            lat: place.lat,
            lon: place.lon,
            description: (!description.is_empty()).then(|| description.to_string()),
            source: "demo-live".into(),
            ..Default::default()
        }
    }

    /// A whole second within the step.
    fn moment(&mut self, start: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
        let secs = step.num_seconds().max(1);
        start + Duration::seconds(self.rng.random_range(1..=secs))
    }

    /// A Poisson draw (Knuth's method; the means here are small).
    fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let limit = (-mean.min(50.0)).exp();
        let mut k = 0;
        let mut p = 1.0;
        loop {
            p *= self.rng.random::<f64>();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Vec<Place> {
        (0..1_000)
            .map(|i| Place {
                code: if i % 4 == 0 { STREETLIGHT } else { "pothole" }.to_string(),
                lon: -75.0 + (i % 37) as f64 * 0.001,
                lat: 40.0 + (i % 41) as f64 * 0.001,
                address: Some(format!("{i} MAIN ST")),
                zipcode: Some("19000".into()),
            })
            .collect()
    }

    fn catalog() -> Catalog {
        Catalog::load(&crate::config::bundled("fixtures/catalog.toml")).unwrap()
    }

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn runs_at_the_past_rate_on_its_clock_and_is_deterministic() {
        // 1,000 requests over 10 days: about 4.2 an hour
        let run = || {
            let mut demo = LiveDemo::new(&catalog(), places(), 10.0, start(), 7);
            let mut all = Vec::new();
            for _ in 0..48 {
                all.extend(demo.step(Duration::hours(1), &[]));
            }
            (all, demo.clock())
        };
        let (actions, clock) = run();
        assert_eq!(clock, start() + Duration::hours(48));
        assert_eq!(run().0, actions, "same seed, same city");
        let opened: Vec<&ServiceRequest> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Open(r) => Some(r.as_ref()),
                _ => None,
            })
            .collect();
        let background = opened.iter().filter(|r| r.description.is_none()).count();
        assert!((120..=290).contains(&background), "{background} in 48 h");
        for r in &opened {
            let t = r.requested_datetime.unwrap();
            assert!(t > start() && t <= clock);
            assert!(r.service_request_id.is_empty() && r.status == Status::Open);
            if r.service_code == "pothole" {
                assert!(r.expected_datetime.unwrap() > t, "SLA from the catalog");
            }
        }
    }

    #[test]
    fn a_failing_circuit_brings_a_burst_of_streetlight_reports_around_one_point() {
        let mut demo = LiveDemo::new(&catalog(), places(), 10.0, start(), 3);
        let mut bursts = Vec::new();
        for _ in 0..200 {
            for a in demo.step(Duration::hours(1), &[]) {
                if let Action::Open(r) = a {
                    if r.description.is_some() {
                        bursts.push(r);
                    }
                }
            }
        }
        assert!(
            bursts.len() >= CIRCUIT_REPORTS as usize,
            "{} circuit reports",
            bursts.len()
        );
        let first = &bursts[..CIRCUIT_REPORTS as usize];
        assert!(first.iter().all(|r| r.service_code == STREETLIGHT));
        let (lon, lat) = (first[0].lon, first[0].lat);
        assert!(first
            .iter()
            .all(|r| (r.lon - lon).abs() <= 2.0 * CIRCUIT_RADIUS_DEG
                && (r.lat - lat).abs() <= 2.0 * CIRCUIT_RADIUS_DEG));
    }

    #[test]
    fn crews_close_given_open_requests_overdue_first() {
        let mut demo = LiveDemo::new(&catalog(), places(), 10.0, start(), 11);
        let open: Vec<OpenCase> = (0..50)
            .map(|i| OpenCase {
                id: format!("r{i}"),
                expected: Some(1_700_000_000 + i * 1_000),
            })
            .collect();
        let closed: Vec<String> = demo
            .step(Duration::hours(6), &open)
            .into_iter()
            .filter_map(|a| match a {
                Action::Close { id, at, .. } => {
                    assert!(at > start());
                    Some(id)
                }
                _ => None,
            })
            .collect();
        assert!(!closed.is_empty() && closed.len() <= 50);
        assert!(
            closed.contains(&"r0".to_string()),
            "the most overdue first: {closed:?}"
        );
        let mut unique = closed.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), closed.len(), "each closed once");
    }
}
