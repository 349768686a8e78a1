//! A year of service requests: background noise spread like the address points, the
//! planted clusters, the repeat addresses, and realistic times and statuses.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::{self, DAYS};
use super::frame::{haversine_m, to_lon_lat, to_xy};
use super::planted::{PlantedHotspot, Spec, REPEATS, SPECS};
use super::profiles::{Profile, CLOSE_NOTES, DAY_HOURS, NIGHT_HOURS, PROFILES};
use crate::catalog::{Catalog, Service};
use crate::model::{ServiceRequest, Status};

/// A place a request can be reported at: an address point or a street corner.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub lon: f64,
    pub lat: f64,
    /// "1234 N 5TH ST" or "N 5TH ST & MARKET ST".
    pub address: String,
    pub zipcode: String,
}

/// The generated requests with their ground truth.
#[derive(Debug, Clone)]
pub struct Generated {
    pub requests: Vec<ServiceRequest>,
    pub planted: Vec<PlantedHotspot>,
    pub repeat_addresses: Vec<String>,
}

/// A request before its times are drawn.
struct Draft<'a> {
    profile: &'a Profile,
    service: &'a Service,
    site: &'a Site,
    day: u32,
}

/// Day-weight prefix sums of one profile: `pre[d + 1] - pre[d]` is day d's weight.
fn day_weights(p: &Profile) -> Vec<f64> {
    let mut pre = vec![0.0];
    for d in 0..DAYS {
        let w = p.season[calendar::season(d)] * calendar::weekday_factor(d);
        pre.push(pre[pre.len() - 1] + w);
    }
    pre
}

/// Draws an index from prefix sums, restricted to `first..=last`.
fn pick(pre: &[f64], first: usize, last: usize, rng: &mut ChaCha8Rng) -> usize {
    let u = rng.random_range(pre[first]..pre[last + 1]);
    (pre.partition_point(|&p| p <= u) - 1).clamp(first, last)
}

fn prefix(weights: &[f64]) -> Vec<f64> {
    let mut pre = vec![0.0];
    for w in weights {
        pre.push(pre[pre.len() - 1] + w);
    }
    pre
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The day range of a spec within the demo year.
fn spec_days(spec: &Spec) -> (usize, usize) {
    let (from, to) = spec.dates();
    let clamp = |d: i64| d.clamp(0, i64::from(DAYS) - 1) as usize;
    (clamp(calendar::day_of(from)), clamp(calendar::day_of(to)))
}

/// Sites of a cluster with their weights: inside the radius (and on the corridor street).
fn cluster_sites<'a>(spec: &Spec, sites: &'a [Site]) -> Vec<(&'a Site, f64)> {
    let [clon, clat] = to_lon_lat(spec.x, spec.y);
    sites
        .iter()
        .filter(|s| spec.along.is_none_or(|street| s.address.contains(street)))
        .filter_map(|s| {
            let d = haversine_m(clon, clat, s.lon, s.lat);
            (d <= spec.radius_m).then(|| (s, 1.0 - 0.6 * (d / spec.radius_m).powi(2)))
        })
        .collect()
}

struct Ctx<'a> {
    catalog: &'a Catalog,
    addresses: &'a [Site],
    corners: &'a [Site],
    weights: BTreeMap<&'static str, Vec<f64>>,
}

impl<'a> Ctx<'a> {
    fn service(&self, code: &str) -> Option<(&'static Profile, &'a Service)> {
        let profile = PROFILES.iter().find(|p| p.code == code)?;
        Some((profile, self.catalog.get(code)?))
    }

    /// Plants one cluster; a quarter of its requests repeat at a handful of sites.
    fn plant(
        &self,
        spec: &Spec,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<Draft<'a>>,
    ) -> Option<PlantedHotspot> {
        let (profile, service) = self.service(spec.code)?;
        let mut sites = cluster_sites(spec, self.addresses);
        if spec.along.is_some() && matches!(spec.code, "streetlight" | "pothole") {
            sites.extend(cluster_sites(spec, self.corners));
        }
        if sites.is_empty() {
            return None;
        }
        let pre = prefix(&sites.iter().map(|s| s.1).collect::<Vec<_>>());
        let hot: Vec<usize> = (0..6).map(|_| rng.random_range(0..sites.len())).collect();
        let (first, last) = spec_days(spec);
        let days = &self.weights[profile.code];
        for _ in 0..spec.count {
            let k = if rng.random_bool(0.25) {
                hot[rng.random_range(0..hot.len())]
            } else {
                pick(&pre, 0, sites.len() - 1, rng)
            };
            let day = pick(days, first, last, rng) as u32;
            out.push(Draft {
                profile,
                service,
                site: sites[k].0,
                day,
            });
        }
        let [lon, lat] = to_lon_lat(spec.x, spec.y);
        Some(PlantedHotspot {
            service_code: spec.code.to_string(),
            label: spec.label.to_string(),
            lon,
            lat,
            radius_m: spec.radius_m,
            active_start: calendar::day_start(first as u32),
            active_end: calendar::day_start(last as u32 + 1) - Duration::seconds(1),
            count: spec.count,
        })
    }

    /// Plants the repeat addresses; returns their address texts.
    fn repeats(&self, rng: &mut ChaCha8Rng, out: &mut Vec<Draft<'a>>) -> Vec<String> {
        let mut texts = Vec::new();
        for r in REPEATS {
            let nearest = self.addresses.iter().min_by(|a, b| {
                let (ax, ay) = to_xy(a.lon, a.lat);
                let (bx, by) = to_xy(b.lon, b.lat);
                (ax - r.x)
                    .hypot(ay - r.y)
                    .total_cmp(&(bx - r.x).hypot(by - r.y))
            });
            let Some(site) = nearest else { continue };
            for &(code, n) in r.requests {
                let Some((profile, service)) = self.service(code) else {
                    continue;
                };
                for _ in 0..n {
                    let day = pick(&self.weights[code], 0, DAYS as usize - 1, rng) as u32;
                    out.push(Draft {
                        profile,
                        service,
                        site,
                        day,
                    });
                }
            }
            texts.push(site.address.clone());
        }
        texts
    }

    /// Background requests of one service, spread like the address points.
    fn background(
        &self,
        profile: &'static Profile,
        service: &'a Service,
        n: usize,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<Draft<'a>>,
    ) {
        let days = &self.weights[profile.code];
        for _ in 0..n {
            let corner = !self.corners.is_empty() && rng.random_bool(profile.corner_share);
            let site = if corner {
                &self.corners[rng.random_range(0..self.corners.len())]
            } else {
                &self.addresses[rng.random_range(0..self.addresses.len())]
            };
            let day = pick(days, 0, DAYS as usize - 1, rng) as u32;
            out.push(Draft {
                profile,
                service,
                site,
                day,
            });
        }
    }
}

/// Draws the times and status of a draft and builds the request (id assigned later).
fn realize(d: &Draft, rng: &mut ChaCha8Rng, end: DateTime<Utc>) -> ServiceRequest {
    let hours = prefix(if d.profile.night {
        &NIGHT_HOURS
    } else {
        &DAY_HOURS
    });
    let hour = pick(&hours, 0, 23, rng) as i64;
    let second = rng.random_range(0..3600);
    let requested =
        (calendar::day_start(d.day) + Duration::hours(hour) + Duration::seconds(second)).min(end);
    let sla_days = d.service.sla_days.unwrap_or(14.0);
    let expected = requested + Duration::seconds((sla_days * 86_400.0) as i64);
    let ttc = sla_days * d.profile.close_median * (0.75 * normal(rng)).exp();
    let close = requested + Duration::seconds((ttc.max(0.04) * 86_400.0) as i64);
    let close = calendar::into_working_hours(close, rng.random_range(0..300));
    let stalled = rng.random_bool(d.profile.stall);
    let closed = (!stalled && close <= end).then_some(close);
    let updated = match closed {
        Some(c) => c,
        None => {
            let seen = requested + Duration::hours(rng.random_range(2..72));
            if seen < end {
                seen
            } else {
                requested
            }
        }
    };
    let description = d.profile.descriptions[rng.random_range(0..d.profile.descriptions.len())];
    let status_notes = match closed {
        Some(_) => Some(CLOSE_NOTES[rng.random_range(0..CLOSE_NOTES.len())].to_string()),
        None if updated > requested => Some("Assigned to crew.".to_string()),
        None => None,
    };
    ServiceRequest {
        service_request_id: String::new(),
        service_code: d.service.code.clone(),
        service_name: d.service.name.clone(),
        status: if closed.is_some() {
            Status::Closed
        } else {
            Status::Open
        },
        status_notes,
        requested_datetime: Some(requested),
        updated_datetime: Some(updated),
        expected_datetime: Some(expected),
        closed_datetime: closed,
        address: Some(d.site.address.clone()),
        zipcode: Some(d.site.zipcode.clone()),
        lat: d.site.lat,
        lon: d.site.lon,
        description: Some(description.to_string()),
        agency_responsible: d.service.agency.clone(),
        media_url: None,
        source: "demo".to_string(),
        districts: BTreeMap::new(),
        attributes: BTreeMap::new(),
        address_id: None,
    }
}

/// Ids `RV-<local year>-<6-digit sequence>` in order of request time.
fn assign_ids(requests: &mut [ServiceRequest]) {
    let mut seq: BTreeMap<String, u32> = BTreeMap::new();
    for r in requests {
        let year = r
            .requested_datetime
            .map(|t| t.with_timezone(&calendar::TZ).format("%Y").to_string())
            .unwrap_or_default();
        let n = seq.entry(year.clone()).or_insert(0);
        *n += 1;
        r.service_request_id = format!("RV-{year}-{n:06}");
    }
}

/// Generates the demo year from the address points and street corners, deterministic
/// from `seed`. Services missing from `catalog` are skipped.
pub fn generate(catalog: &Catalog, addresses: &[Site], corners: &[Site], seed: u64) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let weights = PROFILES.iter().map(|p| (p.code, day_weights(p))).collect();
    let ctx = Ctx {
        catalog,
        addresses,
        corners,
        weights,
    };
    let mut drafts = Vec::new();
    let planted: Vec<PlantedHotspot> = SPECS
        .iter()
        .filter_map(|s| ctx.plant(s, &mut rng, &mut drafts))
        .collect();
    let repeat_addresses = ctx.repeats(&mut rng, &mut drafts);
    for profile in PROFILES {
        let Some((_, service)) = ctx.service(profile.code) else {
            continue;
        };
        let taken = drafts
            .iter()
            .filter(|d| d.profile.code == profile.code)
            .count();
        let n = profile.volume.saturating_sub(taken);
        if !addresses.is_empty() {
            ctx.background(profile, service, n, &mut rng, &mut drafts);
        }
    }
    let end = calendar::end();
    let mut requests: Vec<ServiceRequest> =
        drafts.iter().map(|d| realize(d, &mut rng, end)).collect();
    requests.sort_by_key(|r| r.requested_datetime);
    assign_ids(&mut requests);
    Generated {
        requests,
        planted,
        repeat_addresses,
    }
}
