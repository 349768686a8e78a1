//! Inline samples of every format and naming variant, and bad rows.

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::America::{Chicago, New_York};

use super::*;
use crate::model::{RawRequest, RowError, SourceLocation, Status};

fn opts(tz: Tz) -> ReadOptions {
    ReadOptions::new(tz)
}

/// Detects (as `name`), reads everything and splits good rows from errors.
fn read_all(name: &str, text: &[u8], tz: Tz) -> (Format, Vec<RawRequest>, Vec<RowError>) {
    let reader = read_bytes(name, text.to_vec(), Format::Auto, &opts(tz)).expect("open");
    let format = reader.format();
    let (ok, errs): (Vec<_>, Vec<_>) = reader.partition(Result::is_ok);
    let ok = ok.into_iter().map(Result::unwrap).collect();
    let errs = errs.into_iter().map(Result::unwrap_err).collect();
    (format, ok, errs)
}

fn utc(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

fn lonlat(lon: f64, lat: f64) -> Option<SourceLocation> {
    Some(SourceLocation::LonLat { lon, lat })
}

#[test]
fn format_names() {
    for (s, f) in [
        ("auto", Format::Auto),
        ("philly", Format::Philly),
        ("NYC", Format::Nyc),
        ("chicago", Format::Chicago),
        ("open311", Format::Open311),
        ("geojson", Format::GeoJson),
        (" csv ", Format::Csv),
    ] {
        assert_eq!(s.parse::<Format>().unwrap(), f);
        assert_eq!(f.name().parse::<Format>().unwrap(), f);
    }
    let err = "excel".parse::<Format>().unwrap_err();
    assert!(err.to_string().contains("\"excel\""), "{err}");
    assert!(err.to_string().contains("open311"), "{err}");
    assert_eq!(Format::Nyc.default_crs(), Some("EPSG:2263"));
    assert_eq!(Format::Philly.default_crs(), Some("EPSG:2272"));
    assert_eq!(Format::Chicago.default_crs(), Some("EPSG:3435"));
    assert_eq!(Format::Csv.default_crs(), None);
}

#[test]
fn detection() {
    let d = |name: &str, head: &str| Format::detect(Path::new(name), head.as_bytes());
    assert_eq!(d("a.csv", NYC_CLASSIC).unwrap(), Format::Nyc);
    assert_eq!(d("a.csv", NYC_NEW).unwrap(), Format::Nyc);
    assert_eq!(d("a.csv", CHICAGO_PORTAL).unwrap(), Format::Chicago);
    assert_eq!(d("a.csv", CHICAGO_OLD).unwrap(), Format::Chicago);
    assert_eq!(d("a.csv", PARKS_REC).unwrap(), Format::Philly);
    assert_eq!(d("x", PHILLY_JSON).unwrap(), Format::Philly);
    assert_eq!(d("x.json", OPEN311).unwrap(), Format::Open311);
    assert_eq!(d("x.geojson", CHICAGO_GEOJSON).unwrap(), Format::Chicago);
    assert_eq!(d("x.geojson", GEOJSON_FEET).unwrap(), Format::GeoJson);
    assert_eq!(d("x.txt", GENERIC).unwrap(), Format::Csv);
    assert_eq!(d("x.csv", "X,Y,T\n-75.2,39.9,0.0\n").unwrap(), Format::Csv);
    // Open311 field names in a CSV are read by the generic CSV reader.
    let open311_csv = "service_request_id,service_code,lat,long\n1,a,40,-75\n";
    assert_eq!(d("x.csv", open311_csv).unwrap(), Format::Csv);
    // A truncated head still detects.
    assert_eq!(d("x.csv", &NYC_CLASSIC[..300]).unwrap(), Format::Nyc);
    assert_eq!(d("x.json", &OPEN311[..120]).unwrap(), Format::Open311);
    // BOM and leading space.
    let bom = format!("\u{feff}{NYC_NEW}");
    assert_eq!(d("x.csv", &bom).unwrap(), Format::Nyc);
    assert_eq!(d("x.json", "  \n [{\"lat\":1}]").unwrap(), Format::Open311);

    let err = d("streets.csv", "name,length\nMain St,3\n").unwrap_err();
    assert!(matches!(err, IntakeError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("name,length"), "{err}");
    assert!(matches!(
        d("x.csv", "").unwrap_err(),
        IntakeError::NoHeader { .. }
    ));
    assert!(matches!(
        d("x.csv", " \n\n").unwrap_err(),
        IntakeError::NoHeader { .. }
    ));
    assert!(matches!(
        d("x.json", "id,lat\n").unwrap_err(),
        IntakeError::NotJson { .. }
    ));
}

const NYC_CLASSIC: &str = "\
Unique Key,Created Date,Closed Date,Agency,Agency Name,Complaint Type,Descriptor,Location Type,Incident Zip,Incident Address,Status,Due Date,Resolution Description,Resolution Action Updated Date,Community Board,X Coordinate (State Plane),Y Coordinate (State Plane),Latitude,Longitude,Location
19937901,03/01/2011 10:41:13 AM,03/15/2011 04:14:19 PM,DOT,Department of Transportation,Street Sign - Dangling,Street Cleaning - ASP,Street,11232,186 25 STREET,Closed,03/15/2011 05:32:23 PM,The Department of Transportation has completed the request.,03/15/2011 04:14:19 PM,07 BROOKLYN,984640,180028,40.660811976282695,-73.99859430999363,\"(40.660811976282695, -73.99859430999363)\"
54049402,05/01/2022 12:00:03 AM,,NYPD,New York City Police Department,Noise - Residential,Loud Music/Party,Residential Building/House,10452.0,1006 GERARD AVENUE,In Progress,,,,04 BRONX,1005536,241916,,,
19937896,03/01/2011 02:27:57 PM,,DOF,Refunds and Adjustments,DOF Property - Payment Issue,Misapplied Payment,Property Address,10027,,Assigned,,,,09 MANHATTAN,,,,,
";

#[test]
fn nyc_classic() {
    let (format, rows, errs) = read_all("nyc.csv", NYC_CLASSIC.as_bytes(), New_York);
    assert_eq!(format, Format::Nyc);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(rows.len(), 3);
    let r = &rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.source_id.as_deref(), Some("19937901"));
    assert_eq!(r.service_code, None);
    assert_eq!(r.service_name.as_deref(), Some("Street Sign - Dangling"));
    assert_eq!(r.description.as_deref(), Some("Street Cleaning - ASP"));
    assert_eq!(r.status, Some(Status::Closed));
    assert_eq!(r.requested_datetime, utc("2011-03-01T15:41:13Z"));
    assert_eq!(r.closed_datetime, utc("2011-03-15T20:14:19Z"));
    assert_eq!(r.expected_datetime, utc("2011-03-15T21:32:23Z"));
    assert_eq!(r.updated_datetime, utc("2011-03-15T20:14:19Z"));
    assert_eq!(r.address.as_deref(), Some("186 25 STREET"));
    assert_eq!(r.zipcode.as_deref(), Some("11232"));
    assert_eq!(r.agency_responsible.as_deref(), Some("DOT"));
    assert!(r
        .status_notes
        .as_deref()
        .unwrap()
        .starts_with("The Department"));
    assert_eq!(r.location, lonlat(-73.99859430999363, 40.660811976282695));
    // No lat/lon but State Plane X/Y: projected.
    assert_eq!(
        rows[1].location,
        Some(SourceLocation::Projected {
            x: 1_005_536.0,
            y: 241_916.0
        })
    );
    assert_eq!(rows[1].status, Some(Status::Open));
    assert_eq!(rows[1].zipcode.as_deref(), Some("10452"));
    assert_eq!(rows[2].location, None);
    assert_eq!(rows[2].address, None);
}

#[test]
fn nyc_projected_rows_carry_the_format_crs() {
    let r = read_bytes("n.csv", NYC_CLASSIC.into(), Format::Auto, &opts(New_York)).unwrap();
    assert_eq!(r.crs(), Some("EPSG:2263"));
    let mut o = opts(New_York);
    o.crs = Some("EPSG:32618".into());
    let r = read_bytes("n.csv", NYC_CLASSIC.into(), Format::Auto, &o).unwrap();
    assert_eq!(r.crs(), Some("EPSG:32618"));
}

const NYC_NEW: &str = "\
unique_key,created_date,problem_formerly_complaint_type,problem_detail_formerly_descriptor,borough,agency,location_type,incident_zip,latitude,longitude
67859228,2026-02-05 22:37:25,ILLEGAL PARKING,Commercial Overnight Parking,STATEN ISLAND,NYPD,STREET/SIDEWALK,10307.0,40.50131167438,-74.24329499085
";

#[test]
fn nyc_new_names() {
    let (format, rows, errs) = read_all("nyc.csv", NYC_NEW.as_bytes(), New_York);
    assert_eq!(format, Format::Nyc);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rows[0];
    assert_eq!(r.source_id.as_deref(), Some("67859228"));
    assert_eq!(r.service_name.as_deref(), Some("ILLEGAL PARKING"));
    assert_eq!(
        r.description.as_deref(),
        Some("Commercial Overnight Parking")
    );
    assert_eq!(r.requested_datetime, utc("2026-02-06T03:37:25Z"));
    assert_eq!(r.zipcode.as_deref(), Some("10307"));
    assert_eq!(r.location, lonlat(-74.24329499085, 40.50131167438));
}

const CHICAGO_PORTAL: &str = "\
SR_NUMBER,SR_TYPE,SR_SHORT_CODE,OWNER_DEPARTMENT,STATUS,CREATED_DATE,LAST_MODIFIED_DATE,CLOSED_DATE,STREET_ADDRESS,ZIP_CODE,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE
SR19-00001234,Street Light Out Complaint,SFD,CDOT - Department of Transportation,Completed,01/02/2019 08:05:12 AM,01/03/2019 09:00:00 AM,01/03/2019 08:59:00 AM,1600 W MADISON ST,60612,1165077.5,1900162.3,41.881,-87.668
SR19-00001235,Graffiti Removal Request,GRAF,Streets and Sanitation,Open - Dup,2019-01-02T08:05:12.000,,,1600 W MADISON ST,60612,1165077.5,1900162.3,,
";

#[test]
fn chicago_portal() {
    let (format, rows, errs) = read_all("chi.csv", CHICAGO_PORTAL.as_bytes(), Chicago);
    assert_eq!(format, Format::Chicago);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rows[0];
    assert_eq!(r.source_id.as_deref(), Some("SR19-00001234"));
    assert_eq!(
        r.service_name.as_deref(),
        Some("Street Light Out Complaint")
    );
    assert_eq!(r.service_code.as_deref(), Some("SFD"));
    assert_eq!(r.status, Some(Status::Closed));
    assert_eq!(r.requested_datetime, utc("2019-01-02T14:05:12Z"));
    assert_eq!(r.updated_datetime, utc("2019-01-03T15:00:00Z"));
    assert_eq!(r.closed_datetime, utc("2019-01-03T14:59:00Z"));
    assert_eq!(r.address.as_deref(), Some("1600 W MADISON ST"));
    assert_eq!(r.location, lonlat(-87.668, 41.881));
    assert_eq!(rows[1].status, Some(Status::Open));
    assert_eq!(rows[1].requested_datetime, utc("2019-01-02T14:05:12Z"));
    assert_eq!(
        rows[1].location,
        Some(SourceLocation::Projected {
            x: 1_165_077.5,
            y: 1_900_162.3
        })
    );
    let reader = read_bytes("c.csv", CHICAGO_PORTAL.into(), Format::Auto, &opts(Chicago));
    assert_eq!(reader.unwrap().crs(), Some("EPSG:3435"));
}

const CHICAGO_OLD: &str = "\
Creation Date,Status,Completion Date,Service Request Number,Type of Service Request,Street Address,ZIP Code,X Coordinate,Y Coordinate,Ward,Latitude,Longitude,Location
11/01/2016,Completed - Dup,11/02/2016,16-07570864,Graffiti Removal,3300 S CALIFORNIA AVE,60608,1157722.9,1882120.1,12,41.82828363660752,-87.69952060096388,\"(41.82828363660752, -87.69952060096388)\"
";

#[test]
fn chicago_older_datasets() {
    let (format, rows, errs) = read_all("chi.csv", CHICAGO_OLD.as_bytes(), Chicago);
    assert_eq!(format, Format::Chicago);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rows[0];
    assert_eq!(r.source_id.as_deref(), Some("16-07570864"));
    assert_eq!(r.service_name.as_deref(), Some("Graffiti Removal"));
    assert_eq!(r.service_code, None);
    assert_eq!(r.status, Some(Status::Closed));
    assert_eq!(r.requested_datetime, utc("2016-11-01T05:00:00Z"));
    assert_eq!(r.closed_datetime, utc("2016-11-02T05:00:00Z"));
    assert_eq!(r.zipcode.as_deref(), Some("60608"));
    assert_eq!(r.location, lonlat(-87.69952060096388, 41.82828363660752));
}

const CHICAGO_GEOJSON: &str = r#"{
   "type": "FeatureCollection",
   "features": [
  { "type": "Feature",
    "geometry": { "type": "Point", "coordinates": [ -87.69952060096388, 41.82828363660752 ] },
    "properties": { "Creation Date":"11/01/2016", "Status":"Open", "Completion Date":"",
      "Service Request Number":"16-07570864", "Where is the Graffiti located?":"Front", "Gang":"" } },
  { "type": "Feature",
    "geometry": { "type": "Point", "coordinates": [ -87.6906, 41.8282 ] },
    "properties": { "Creation Date":"10/31/2016", "Status":"Completed",
      "Completion Date":"11/01/2016", "Service Request Number":"16-07570001" } }
]}"#;

#[test]
fn chicago_geojson() {
    let (format, rows, errs) = read_all("g.geojson", CHICAGO_GEOJSON.as_bytes(), Chicago);
    assert_eq!(format, Format::Chicago);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.line, 1);
    assert_eq!(r.source_id.as_deref(), Some("16-07570864"));
    assert_eq!(r.status, Some(Status::Open));
    assert_eq!(r.closed_datetime, None);
    assert_eq!(r.requested_datetime, utc("2016-11-01T05:00:00Z"));
    assert_eq!(r.location, lonlat(-87.69952060096388, 41.82828363660752));
    assert_eq!(rows[1].line, 2);
    assert_eq!(rows[1].status, Some(Status::Closed));
}

const OPEN311: &str = r#"[
 {"service_request_id":"638344","status":"closed","status_notes":"Duplicate request.",
  "service_name":"Sidewalk and Curb Issues","service_code":"006","description":null,
  "agency_responsible":"Sidewalk and Curb Program","service_notice":null,
  "requested_datetime":"2010-04-19T06:37:38-08:00","updated_datetime":"2010-04-19T06:37:38-08:00",
  "expected_datetime":"2010-04-19T06:37:38-08:00","address":"8TH AVE and JUDAH ST",
  "address_id":545483,"zipcode":94122,"lat":37.762221815,"long":-122.4651145,
  "media_url":"http://city.gov/media/638344.jpg"},
 {"service_request_id":638349,"status":"open","service_code":"007",
  "requested_datetime":1271684258000,"lat":"37.7","long":"-122.4"}
]"#;

#[test]
fn open311_json() {
    let (format, rows, errs) = read_all("requests.json", OPEN311.as_bytes(), New_York);
    assert_eq!(format, Format::Open311);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rows[0];
    assert_eq!(r.line, 1);
    assert_eq!(r.source_id.as_deref(), Some("638344"));
    assert_eq!(r.service_code.as_deref(), Some("006"));
    assert_eq!(r.service_name.as_deref(), Some("Sidewalk and Curb Issues"));
    assert_eq!(r.status, Some(Status::Closed));
    assert_eq!(r.status_notes.as_deref(), Some("Duplicate request."));
    assert_eq!(r.description, None);
    assert_eq!(r.requested_datetime, utc("2010-04-19T14:37:38Z"));
    assert_eq!(r.zipcode.as_deref(), Some("94122"));
    assert_eq!(r.location, lonlat(-122.4651145, 37.762221815));
    assert_eq!(
        r.media_url.as_deref(),
        Some("http://city.gov/media/638344.jpg")
    );
    assert_eq!(rows[1].source_id.as_deref(), Some("638349"));
    assert_eq!(rows[1].requested_datetime, utc("2010-04-19T13:37:38Z"));
    assert_eq!(rows[1].location, lonlat(-122.4, 37.7));
}

const PHILLY_JSON: &str = r#"[{"cartodb_id":1304310,"objectid":21619890,"service_request_id":12879737,"status":"Closed","status_notes":"Issue Resolved","requested_datetime":1568478540000,"updated_datetime":"3\/12\/2022 6:29","expected_datetime":"9\/24\/2019 20:00","closed_datetime":1570268400000,"address":"WALNUT ST & S 48TH ST","zipcode":"19139","media_url":null,"lat":39.95597371,"lon":-75.21764628,"time_to_close":20,"area":"West Philly"},
{"cartodb_id":5662903,"objectid":5663003,"service_request_id":17277336,"status":"Closed","requested_datetime":1731945354000,"updated_datetime":"2024-11-21T18:42:03Z","expected_datetime":"2024-11-28T00:00:00Z","closed_datetime":null,"address":"4930 WHITAKER AVE","zipcode":"1913","lat":40.0242162735,"lon":-75.1111894505}]"#;

#[test]
fn philly_json() {
    let (format, rows, errs) = read_all("sample.json", PHILLY_JSON.as_bytes(), New_York);
    assert_eq!(format, Format::Philly);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rows[0];
    assert_eq!(r.source_id.as_deref(), Some("12879737"));
    assert_eq!(r.requested_datetime, utc("2019-09-14T16:29:00Z"));
    assert_eq!(r.updated_datetime, utc("2022-03-12T11:29:00Z"));
    assert_eq!(r.expected_datetime, utc("2019-09-25T00:00:00Z"));
    assert_eq!(r.closed_datetime, utc("2019-10-05T09:40:00Z"));
    assert_eq!(r.media_url, None);
    assert_eq!(r.location, lonlat(-75.21764628, 39.95597371));
    assert_eq!(rows[1].closed_datetime, None);
    assert_eq!(rows[1].expected_datetime, utc("2024-11-28T00:00:00Z"));
    assert_eq!(rows[1].zipcode.as_deref(), Some("1913"));
}

const PARKS_REC: &str = "\
start_time,close_time,request_id,type,department,address,zipcode,status,problem_category,problem,location_type,park_district,large_crew,material_type,material_condition,description,lat,lon,case_id,parent_case_id,year,geometry
2021/01/05 16:59,,13852911,Janitorial Maintenance,Parks & Recreation,263 W NORRIS ST,19122.0,In-Progress,Janitorial Maintenance,Trash,Playground,,No,,,\"https://twitter.com/x/status/1

263 W Norris st. (the \"\"saddest\"\" playground)\",39.9809302,-75.1391743,5001M00001ebQ8f,,2021,POINT (488116.8174617762 4425649.934155286)
2025/08/12 08:39,2025/08/13 10:00,13852912,Janitorial Maintenance,Parks & Recreation,1 MAIN ST,19103,Closed,Janitorial Maintenance,Trash,Playground,,No,,,,39.95,-75.16,5001M00001ebQ9g,,2025,POINT (1 2)
";

#[test]
fn philly_parks_rec_multiline() {
    let (format, rows, errs) = read_all("ppr.csv", PARKS_REC.as_bytes(), New_York);
    assert_eq!(format, Format::Philly);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.source_id.as_deref(), Some("13852911"));
    assert_eq!(r.service_name.as_deref(), Some("Janitorial Maintenance"));
    assert_eq!(r.status, Some(Status::Open));
    assert_eq!(r.zipcode.as_deref(), Some("19122"));
    assert_eq!(r.requested_datetime, utc("2021-01-05T21:59:00Z"));
    assert_eq!(r.agency_responsible.as_deref(), Some("Parks & Recreation"));
    let d = r.description.as_deref().unwrap();
    assert!(
        d.contains("\n\n263 W Norris") && d.contains("\"saddest\""),
        "{d:?}"
    );
    assert_eq!(r.location, lonlat(-75.1391743, 39.9809302));
    assert_eq!(rows[1].line, 5);
    assert_eq!(rows[1].closed_datetime, utc("2025-08-13T14:00:00Z"));
}

const GEOJSON_FEET: &str = r#"{"type":"FeatureCollection",
 "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2272"}},
 "features":[
  {"type":"Feature","id":"f-1","geometry":{"type":"Point","coordinates":[2694000.5,236000.25]},
   "properties":{"type":"Pothole","requested":"2024-07-04T09:30:00"}},
  {"type":"Feature","geometry":null,"properties":{"Legend":"Sanitation","lat":39.9,"lon":-75.1}},
  {"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{}},
  5
 ]}"#;

#[test]
fn generic_geojson() {
    let (format, rows, errs) = read_all("layer.geojson", GEOJSON_FEET.as_bytes(), New_York);
    assert_eq!(format, Format::GeoJson);
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.source_id.as_deref(), Some("f-1"));
    assert_eq!(r.service_name.as_deref(), Some("Pothole"));
    assert_eq!(r.requested_datetime, utc("2024-07-04T13:30:00Z"));
    assert_eq!(
        r.location,
        Some(SourceLocation::Projected {
            x: 2_694_000.5,
            y: 236_000.25
        })
    );
    assert_eq!(rows[1].service_name.as_deref(), Some("Sanitation"));
    assert_eq!(rows[1].location, lonlat(-75.1, 39.9));
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "geometry", "not a point"),
            (4, "record", "not an object")
        ]
    );
    let reader = read_bytes("l.geojson", GEOJSON_FEET.into(), Format::Auto, &opts(UTC));
    assert_eq!(reader.unwrap().crs(), Some("EPSG:2272"));
}

const GENERIC: &str = "\
case_id,request_type,created,latitude,lng,address,zip,comments
A-1,Pothole,2024-05-01 08:00,41.5,-81.7,1 Main St,44113,deep
A-2,Graffiti,2024-05-01T08:00:00Z,,,2 Main St,,
";

use chrono_tz::UTC;

#[test]
fn generic_csv_synonyms() {
    let (format, rows, errs) = read_all("x.txt", GENERIC.as_bytes(), New_York);
    assert_eq!(format, Format::Csv);
    assert!(errs.is_empty(), "{errs:?}");
    let r = &rows[0];
    assert_eq!(r.source_id.as_deref(), Some("A-1"));
    assert_eq!(r.service_name.as_deref(), Some("Pothole"));
    assert_eq!(r.requested_datetime, utc("2024-05-01T12:00:00Z"));
    assert_eq!(r.location, lonlat(-81.7, 41.5));
    assert_eq!(r.zipcode.as_deref(), Some("44113"));
    assert_eq!(r.description.as_deref(), Some("deep"));
    assert_eq!(rows[1].location, None);
    assert_eq!(rows[1].address.as_deref(), Some("2 Main St"));
    let reader = read_bytes("x.txt", GENERIC.into(), Format::Auto, &opts(UTC)).unwrap();
    assert_eq!(reader.crs(), None);
}

#[test]
fn generic_csv_xy() {
    // Plain X/Y in degrees are lon/lat (Philadelphia's illegal-dumping points).
    let degrees = "X,Y,T\n-75.2263,39.9707,0.0\n";
    let (_, rows, _) = read_all("d.csv", degrees.as_bytes(), UTC);
    assert_eq!(rows[0].location, lonlat(-75.2263, 39.9707));
    assert_eq!(rows[0].requested_datetime, None);
    // Plain X/Y in feet are projected; the CSV format has no default CRS.
    let feet = "X,Y\n2694000,236000\n";
    let reader = read_bytes("f.csv", feet.into(), Format::Auto, &opts(UTC)).unwrap();
    assert_eq!(reader.crs(), None);
    let rows: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(
        rows[0].location,
        Some(SourceLocation::Projected {
            x: 2_694_000.0,
            y: 236_000.0
        })
    );
    // The EPSG code in the column names wins over the format's and the configured CRS.
    let chicago = "x_m_epsg26971,y_m_epsg26971,lon,lat\n351415.2,590616.8,,\n";
    let mut o = opts(UTC);
    o.crs = Some("EPSG:3435".into());
    let reader = read_bytes("c.csv", chicago.into(), Format::Chicago, &o).unwrap();
    assert_eq!(reader.crs(), Some("EPSG:26971"));
    let rows: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(
        rows[0].location,
        Some(SourceLocation::Projected {
            x: 351_415.2,
            y: 590_616.8
        })
    );
}

/// A BOM, then good rows interleaved with every kind of bad row (line numbers in comments).
fn bad_csv() -> Vec<u8> {
    let mut v = b"\xEF\xBB\xBFid,status,requested_datetime,lat,lon\r\n".to_vec(); // 1
    v.extend_from_slice(b"1,open,2024-01-01 10:00,40,-75\r\n"); // 2 ok
    v.extend_from_slice(b"2,open,2024-01-01 10:00,40,-75,extra\r\n"); // 3 ragged
    v.extend_from_slice(b"3,open,2024-01-01 10:00,91,-75\r\n"); // 4 lat 91
    v.extend_from_slice(b"4,open,2024-01-01 10:00,NaN,-75\r\n"); // 5 NaN
    v.extend_from_slice(b"5,open,2024-01-01 10:00,40,1e999\r\n"); // 6 inf
    v.extend_from_slice(b"6,open,someday,40,-75\r\n"); // 7 bad date
    v.extend_from_slice(b"7,maybe,2024-01-01 10:00,40,-75\r\n"); // 8 unknown status
    v.extend_from_slice(b"8,open,2024-01-01 10:00,40,-75\r\n"); // 9 ok
    v.extend_from_slice(b"\r\n"); // 10 blank
    v.extend_from_slice(b"9,\"cl\xFFosed\",2024-01-01 10:00,40,-75\r\n"); // 11 bad UTF-8
    v.extend_from_slice(b"10,\"open,2024-01-01 10:00,40,-75\r\n"); // 12 quote never closed
    v.extend_from_slice(b"11,open,2024-01-01 10:00,40,-75\r\n"); // 13 ok
    v.extend_from_slice(b"\"12\",\"open\",\"2024-01-01\r\n10:00\",40,-75\r\n"); // 14-15 bad date
    v.extend_from_slice(b"13,\"Closed\",,,\r\n"); // 16 ok, no location
    v.extend_from_slice(b"14,open,2024-01-01 10:00,40"); // 17 ragged, no newline at EOF
    v
}

#[test]
fn bad_rows_are_row_errors() {
    let (format, rows, errs) = read_all("bad.csv", &bad_csv(), UTC);
    assert_eq!(format, Format::Csv);
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 9, 13, 14, 16]);
    assert_eq!(rows[0].source_id.as_deref(), Some("1"));
    // A quoted line break inside a datetime is whitespace to the parser.
    assert_eq!(rows[3].source_id.as_deref(), Some("12"));
    assert_eq!(rows[3].requested_datetime, utc("2024-01-01T10:00:00Z"));
    assert_eq!(rows[4].status, Some(Status::Closed));
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "row", "ragged row"),
            (4, "lat", "out of range"),
            (5, "lat", "not finite"),
            (6, "lon", "not finite"),
            (7, "requested_datetime", "bad datetime"),
            (8, "status", "unknown status"),
            (11, "status", "invalid UTF-8"),
            (12, "row", "unbalanced quote"),
            (17, "row", "ragged row"),
        ]
    );
    assert!(
        errs[1].to_string().contains("lat 91 out of range"),
        "{}",
        errs[1]
    );
    assert!(errs[4].detail.contains("someday"), "{}", errs[4]);
    assert!(errs[5].detail.contains("maybe"), "{}", errs[5]);
}

#[test]
fn unclosed_quote_at_the_end_does_not_swallow_good_rows() {
    let text = "id,lat,lon\n1,\"40,-75\n2,40,-75\n3,41,-75\n";
    let (_, rows, errs) = read_all("q.csv", text.as_bytes(), UTC);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].line, errs[0].reason.as_str()),
        (2, "unbalanced quote")
    );
}

#[test]
fn bad_json_records() {
    let text = r#"[{"id":1,"lat":40,"long":-75},
        {"id":2,"lat":"91","long":-75},
        {"id":3,"lat":"1e999","long":-75},
        {"id":4,"lat":"NaN","long":-75},
        {"id":5,"status":"limbo"},
        {"id":6,"requested_datetime":"soon"},
        "seven",
        {"id":8}]"#;
    let (format, rows, errs) = read_all("r.json", text.as_bytes(), UTC);
    assert_eq!(format, Format::Open311);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 8]);
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "lat", "out of range"),
            (3, "lat", "not finite"),
            (4, "lat", "not finite"),
            (5, "status", "unknown status"),
            (6, "requested_datetime", "bad datetime"),
            (7, "record", "not an object"),
        ]
    );
}

#[test]
fn whole_file_errors() {
    let o = opts(UTC);
    let err = read_bytes("x.json", b"[{\"a\":1},".to_vec(), Format::Auto, &o).unwrap_err();
    assert!(matches!(err, IntakeError::NotJson { .. }), "{err}");
    let err = read_bytes("x.json", b"{\"a\":1}".to_vec(), Format::Auto, &o).unwrap_err();
    assert!(matches!(err, IntakeError::UnsupportedJson { .. }), "{err}");
    let err = read_bytes("x.json", b"42".to_vec(), Format::Open311, &o).unwrap_err();
    assert!(matches!(
        err,
        IntakeError::NotJson { .. } | IntakeError::UnsupportedJson { .. }
    ));
    let err = read_bytes("x.csv", Vec::new(), Format::Csv, &o).unwrap_err();
    assert!(matches!(err, IntakeError::NoHeader { .. }), "{err}");
    let err = read(Path::new("/nonexistent/x.csv"), Format::Csv, &o).unwrap_err();
    assert!(matches!(err, IntakeError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/x.csv"), "{err}");
}

#[test]
fn reads_files_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.csv");
    std::fs::write(&path, NYC_CLASSIC).unwrap();
    let mut reader = read(&path, Format::Auto, &opts(New_York)).unwrap();
    assert_eq!(reader.format(), Format::Nyc);
    assert_eq!(reader.total_bytes(), NYC_CLASSIC.len() as u64);
    assert!(reader.bytes_read() < reader.total_bytes());
    assert_eq!(reader.by_ref().count(), 3);
    assert_eq!(reader.bytes_read(), reader.total_bytes());

    let path = dir.path().join("layer.geojson");
    std::fs::write(&path, CHICAGO_GEOJSON).unwrap();
    let mut reader = read(&path, Format::Auto, &opts(Chicago)).unwrap();
    assert_eq!(reader.format(), Format::Chicago);
    assert_eq!(reader.bytes_read(), 0);
    assert!(reader.next().unwrap().is_ok());
    assert_eq!(reader.bytes_read(), reader.total_bytes() / 2);
}

#[test]
fn never_panics_on_garbage() {
    let samples: [&[u8]; 8] = [
        b"\xFF\xFE\x00a\x00,\x00b",
        b"a,b\n\"\"\"\n\"",
        b"lat,lon\n\xEF\xBB\xBF1,2\n,,,,,\n\"",
        b"[1,2,null,{},[]]",
        b"{\"type\":\"FeatureCollection\",\"features\":[{},null,{\"geometry\":5}]}",
        b"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1e308,-1e308]}}",
        b"lat,lon\n1e308,-1e308\n-0,0\n",
        b"\"",
    ];
    for s in samples {
        for f in Format::ALL {
            if let Ok(reader) = read_bytes("g", s.to_vec(), f, &opts(UTC)) {
                for item in reader {
                    let _ = item;
                }
            }
        }
        let _ = Format::detect(Path::new("g"), s);
    }
}

#[test]
fn open_quote_gives_up_after_max_record_lines() {
    let mut text = String::from("id,lat,lon\n0,\"40,-75\n");
    for i in 1..=1_200 {
        text.push_str(&format!("{i},40,-75\n"));
    }
    let (_, rows, errs) = read_all("long.csv", text.as_bytes(), UTC);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].line, errs[0].reason.as_str()),
        (2, "unbalanced quote")
    );
    assert_eq!(rows.len(), 1_200);
    assert_eq!(rows[0].line, 3);
    assert_eq!(rows[1_199].line, 1_202);
}
