//! Column synonym tables and per-format header profiles.
//!
//! Every source column (CSV header or JSON/GeoJSON property) is matched by its
//! *normalised* name: lower case, every run of other characters than ASCII letters and
//! digits replaced by one `_`, leading/trailing `_` dropped. "X Coordinate (State Plane)"
//! becomes `x_coordinate_state_plane`, "Type of Service Request" `type_of_service_request`.

use super::Format;

/// What a column means for a [`RawRequest`](crate::model::RawRequest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Id,
    ServiceCode,
    ServiceName,
    Status,
    StatusNotes,
    Requested,
    Updated,
    Expected,
    Closed,
    Address,
    Zip,
    Lat,
    Lon,
    X,
    Y,
    Description,
    Agency,
    MediaUrl,
}

const ROLE_COUNT: usize = 18;

/// Synonyms per role, best first: when several are present the first listed wins.
const SYNONYMS: [(Role, &[&str]); ROLE_COUNT] = [
    (
        Role::Id,
        &[
            "service_request_id",
            "unique_key",
            "sr_number",
            "service_request_number",
            "request_id",
            "case_id",
            "id",
        ],
    ),
    (Role::ServiceCode, &["service_code", "sr_short_code"]),
    (
        Role::ServiceName,
        &[
            "service_name",
            "complaint_type",
            "problem_formerly_complaint_type",
            "sr_type",
            "type_of_service_request",
            "request_type",
            "service_type",
            "legend",
            "type",
            "category",
            "subject",
        ],
    ),
    (Role::Status, &["status", "sr_status", "request_status"]),
    (
        Role::StatusNotes,
        &["status_notes", "resolution_description"],
    ),
    (
        Role::Requested,
        &[
            "requested_datetime",
            "created_date",
            "creation_date",
            "created_datetime",
            "requested_date",
            "requested",
            "created_at",
            "created",
            "start_time",
            "start_date",
            "open_date",
            "opened",
            "date_created",
        ],
    ),
    (
        Role::Updated,
        &[
            "updated_datetime",
            "last_modified_date",
            "resolution_action_updated_date",
            "updated_at",
            "updated_date",
            "last_updated",
            "updated",
        ],
    ),
    (
        Role::Expected,
        &["expected_datetime", "due_date", "expected_date", "sla_due"],
    ),
    (
        Role::Closed,
        &[
            "closed_datetime",
            "closed_date",
            "completion_date",
            "close_time",
            "close_date",
            "closed_at",
            "completed_date",
            "closed",
        ],
    ),
    (
        Role::Address,
        &[
            "address",
            "incident_address",
            "street_address",
            "location_address",
            "full_address",
        ],
    ),
    (
        Role::Zip,
        &[
            "zipcode",
            "zip_code",
            "zip",
            "incident_zip",
            "postal_code",
            "postcode",
        ],
    ),
    (Role::Lat, &["lat", "latitude"]),
    (Role::Lon, &["lon", "long", "lng", "longitude"]),
    (
        Role::X,
        &[
            "x_coordinate_state_plane",
            "x_coordinate",
            "xcoord",
            "x_coord",
            "easting",
            "x",
        ],
    ),
    (
        Role::Y,
        &[
            "y_coordinate_state_plane",
            "y_coordinate",
            "ycoord",
            "y_coord",
            "northing",
            "y",
        ],
    ),
    (
        Role::Description,
        &[
            "description",
            "descriptor",
            "problem_detail_formerly_descriptor",
            "details",
            "comments",
        ],
    ),
    (
        Role::Agency,
        &[
            "agency_responsible",
            "agency",
            "owner_department",
            "department",
            "agency_name",
        ],
    ),
    (Role::MediaUrl, &["media_url", "photo_url", "image_url"]),
];

/// Normalises a column name for matching (see the module documentation).
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim_start_matches('\u{feff}').chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The EPSG code a column name carries (`x_m_epsg26971` → `EPSG:26971`), for X/Y columns.
fn epsg_in_name(norm: &str) -> Option<(Role, String)> {
    let role = match norm.as_bytes().first()? {
        b'x' => Role::X,
        b'y' => Role::Y,
        _ => return None,
    };
    let at = norm.find("epsg")?;
    let digits: String = norm[at + 4..]
        .trim_start_matches('_')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then(|| (role, format!("EPSG:{digits}")))
}

/// Which source column fills which role, resolved once per header.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    slots: [Option<usize>; ROLE_COUNT],
    names: Vec<String>,
    /// CRS named by the X/Y column names themselves.
    pub xy_crs: Option<String>,
    /// X/Y are plain `X`/`Y` columns: values that look like degrees are lon/lat.
    pub xy_may_be_degrees: bool,
}

impl ColumnMap {
    /// Builds the map for a header (names as written in the source).
    pub fn new<S: AsRef<str>>(names: &[S]) -> ColumnMap {
        let names: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
        let norm: Vec<String> = names.iter().map(|n| normalize(n)).collect();
        let mut slots = [None; ROLE_COUNT];
        for (slot, (_, synonyms)) in slots.iter_mut().zip(SYNONYMS.iter()) {
            *slot = synonyms
                .iter()
                .find_map(|syn| norm.iter().position(|n| n == syn));
        }
        let mut map = ColumnMap {
            slots,
            names,
            xy_crs: None,
            xy_may_be_degrees: false,
        };
        map.apply_epsg_names(&norm);
        map.xy_may_be_degrees = map.xy_crs.is_none()
            && map.get(Role::X).is_some_and(|i| norm[i] == "x")
            && map.get(Role::Y).is_some_and(|i| norm[i] == "y");
        map
    }

    /// X/Y columns named with their EPSG code win over other X/Y columns.
    fn apply_epsg_names(&mut self, norm: &[String]) {
        let found: Vec<(usize, Role, String)> = norm
            .iter()
            .enumerate()
            .filter_map(|(i, n)| epsg_in_name(n).map(|(role, crs)| (i, role, crs)))
            .collect();
        let x = found.iter().find(|(_, r, _)| *r == Role::X);
        let y = found.iter().find(|(_, r, _)| *r == Role::Y);
        if let (Some((xi, _, xc)), Some((yi, _, yc))) = (x, y) {
            if xc == yc {
                self.slots[Role::X as usize] = Some(*xi);
                self.slots[Role::Y as usize] = Some(*yi);
                self.xy_crs = Some(xc.clone());
            }
        }
    }

    /// Index of the column playing `role`.
    pub fn get(&self, role: Role) -> Option<usize> {
        self.slots[role as usize]
    }

    /// The source's own name of the column playing `role` (for error reports).
    pub fn name(&self, role: Role) -> &str {
        self.get(role)
            .and_then(|i| self.names.get(i))
            .map_or("?", String::as_str)
    }

    /// The source's name of column `i`.
    pub fn column_name(&self, i: usize) -> &str {
        self.names.get(i).map_or("row", String::as_str)
    }

    /// Number of columns in the header.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True for an empty header.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// True when rows can be located at all: lat/lon, X/Y or an address.
    pub fn can_locate(&self) -> bool {
        let has = |r| self.get(r).is_some();
        (has(Role::Lat) && has(Role::Lon)) || (has(Role::X) && has(Role::Y)) || has(Role::Address)
    }
}

/// Columns only Philadelphia exports have: `public_cases_fc` (Carto) and the Parks & Rec
/// system extract.
const PHILLY_MARKERS: &[&str] = &[
    "cartodb_id",
    "the_geom",
    "the_geom_webmercator",
    "park_district",
    "parent_case_id",
    "large_crew",
];

/// NYC 311 Service Requests, classic and newer naming.
const NYC_HINTS: &[&str] = &[
    "unique_key",
    "complaint_type",
    "problem_formerly_complaint_type",
    "problem_detail_formerly_descriptor",
    "descriptor",
    "incident_zip",
    "incident_address",
    "x_coordinate_state_plane",
    "y_coordinate_state_plane",
    "community_board",
    "bbl",
    "open_data_channel_type",
    "resolution_action_updated_date",
    "park_facility_name",
];

/// Chicago 311: current portal and older per-type datasets.
const CHICAGO_HINTS: &[&str] = &[
    "sr_number",
    "sr_type",
    "sr_short_code",
    "owner_department",
    "created_department",
    "legacy_sr_number",
    "service_request_number",
    "type_of_service_request",
    "creation_date",
    "completion_date",
    "community_area",
    "what_type_of_surface_is_the_graffiti_on",
    "where_is_the_graffiti_located",
];

/// Open311 GeoReport v2 request fields.
const OPEN311_HINTS: &[&str] = &[
    "service_request_id",
    "service_code",
    "service_name",
    "requested_datetime",
    "expected_datetime",
    "status_notes",
    "agency_responsible",
    "service_notice",
    "address_id",
    "media_url",
    "long",
];

/// Picks the city format a set of column names belongs to, or `None` when no profile fits.
///
/// Rules, in order: any Philadelphia marker column → Philly (public_cases_fc also carries
/// `objectid` next to `service_request_id`); two or more NYC columns → Nyc; two or more
/// Chicago columns → Chicago; two or more Open311 fields → Open311.
pub fn profile_format<S: AsRef<str>>(names: &[S]) -> Option<Format> {
    let norm: Vec<String> = names.iter().map(|n| normalize(n.as_ref())).collect();
    let has = |k: &str| norm.iter().any(|n| n == k);
    let score = |hints: &[&str]| hints.iter().filter(|h| has(h)).count();
    if PHILLY_MARKERS.iter().any(|m| has(m)) || (has("objectid") && has("service_request_id")) {
        Some(Format::Philly)
    } else if score(NYC_HINTS) >= 2 {
        Some(Format::Nyc)
    } else if score(CHICAGO_HINTS) >= 2 {
        Some(Format::Chicago)
    } else if score(OPEN311_HINTS) >= 2 {
        Some(Format::Open311)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(
            normalize("X Coordinate (State Plane)"),
            "x_coordinate_state_plane"
        );
        assert_eq!(normalize("\u{feff}Unique Key"), "unique_key");
        assert_eq!(
            normalize("What Type of Surface is the Graffiti on?"),
            "what_type_of_surface_is_the_graffiti_on"
        );
        assert_eq!(normalize("  SR_NUMBER "), "sr_number");
    }

    #[test]
    fn maps_nyc_classic() {
        let m = ColumnMap::new(&[
            "Unique Key",
            "Created Date",
            "Complaint Type",
            "Descriptor",
            "X Coordinate (State Plane)",
            "Y Coordinate (State Plane)",
            "Latitude",
            "Longitude",
        ]);
        assert_eq!(m.get(Role::Id), Some(0));
        assert_eq!(m.get(Role::ServiceName), Some(2));
        assert_eq!(m.get(Role::ServiceCode), None);
        assert_eq!(m.get(Role::X), Some(4));
        assert_eq!(m.get(Role::Lon), Some(7));
        assert_eq!(m.name(Role::Lat), "Latitude");
        assert!(!m.xy_may_be_degrees);
        assert_eq!(m.xy_crs, None);
    }

    #[test]
    fn epsg_in_column_names() {
        let m = ColumnMap::new(&["x_m_epsg26971", "y_m_epsg26971", "lon", "lat"]);
        assert_eq!(m.get(Role::X), Some(0));
        assert_eq!(m.get(Role::Y), Some(1));
        assert_eq!(m.xy_crs.as_deref(), Some("EPSG:26971"));
        let m = ColumnMap::new(&["X", "Y", "T"]);
        assert!(m.xy_may_be_degrees);
        assert!(m.can_locate());
        assert!(!ColumnMap::new(&["a", "b"]).can_locate());
    }

    #[test]
    fn synonym_priority() {
        // Parks & Rec: request_id wins over case_id; type is the service name.
        let m = ColumnMap::new(&["case_id", "request_id", "type", "start_time"]);
        assert_eq!(m.get(Role::Id), Some(1));
        assert_eq!(m.get(Role::ServiceName), Some(2));
        assert_eq!(m.get(Role::Requested), Some(3));
    }

    #[test]
    fn profiles() {
        assert_eq!(
            profile_format(&[
                "unique_key",
                "created_date",
                "problem_formerly_complaint_type"
            ]),
            Some(Format::Nyc)
        );
        assert_eq!(
            profile_format(&["SR_NUMBER", "SR_TYPE", "STATUS", "LATITUDE"]),
            Some(Format::Chicago)
        );
        assert_eq!(
            profile_format(&["Creation Date", "Status", "Service Request Number"]),
            Some(Format::Chicago)
        );
        assert_eq!(
            profile_format(&["cartodb_id", "service_request_id", "lat", "lon"]),
            Some(Format::Philly)
        );
        assert_eq!(
            profile_format(&["service_request_id", "service_code", "lat", "long"]),
            Some(Format::Open311)
        );
        assert_eq!(profile_format(&["X", "Y", "T"]), None);
    }
}
