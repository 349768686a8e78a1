//! Address points from OpenAddresses CSV files (`LON,LAT,NUMBER,STREET,...,POSTCODE`), and
//! the house-number and ZIP code fields as address files write them.

use std::path::Path;

use super::ReferenceError;

/// A point row before the frame is known.
pub(super) struct RawPoint {
    pub(super) lon: f64,
    pub(super) lat: f64,
    pub(super) number: u32,
    pub(super) half: bool,
    pub(super) street: String,
    pub(super) zip: Option<u32>,
}

/// Reads a house number as address files write it: `12`, `12A`, `12 1/2`, `12-14`
/// (the first number of a range). `None` when it does not start with a number.
pub fn parse_house_number(text: &str) -> Option<(u32, bool)> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let number = t[..digits].parse().ok()?;
    let rest = t[digits..].trim_start();
    let half = rest.starts_with("1/2") || rest.starts_with('½');
    Some((number, half))
}

/// Five-digit ZIP code at the start of `text` (`19107`, `19107-1234`).
pub fn parse_zip(text: &str) -> Option<u32> {
    let t = text.trim();
    let head = t.get(..5)?;
    let rest_ok = t.len() == 5 || t[5..].starts_with('-');
    (head.bytes().all(|b| b.is_ascii_digit()) && rest_ok)
        .then(|| head.parse().ok())
        .flatten()
}

/// Appends the address points of one OpenAddresses CSV file to `out`.
pub(super) fn read_points(path: &Path, out: &mut Vec<RawPoint>) -> Result<(), ReferenceError> {
    let file = std::fs::File::open(path).map_err(|source| ReferenceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let format = |reason: String| ReferenceError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let headers = reader.headers().map_err(|e| format(e.to_string()))?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or(ReferenceError::MissingColumn {
                path: path.to_path_buf(),
                column: name,
            })
    };
    let (lon_c, lat_c) = (column("LON")?, column("LAT")?);
    let (num_c, street_c) = (column("NUMBER")?, column("STREET")?);
    let zip_c = column("POSTCODE").ok();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(format(e.to_string())),
        }
        let line = record.position().map_or(0, |p| p.line());
        let bad = |field: &str, reason: String| ReferenceError::Row {
            path: path.to_path_buf(),
            line,
            field: field.to_string(),
            reason,
        };
        let get = |c: usize| record.get(c).unwrap_or("").trim();
        let coord = |c: usize, field: &str, limit: f64| {
            get(c)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| bad(field, format!("{:?} is not a coordinate", get(c))))
        };
        let lon = coord(lon_c, "LON", 180.0)?;
        let lat = coord(lat_c, "LAT", 90.0)?;
        let (number, half) = parse_house_number(get(num_c))
            .ok_or_else(|| bad("NUMBER", format!("{:?} is not a house number", get(num_c))))?;
        let street = get(street_c);
        if street.is_empty() {
            return Err(bad("STREET", "is empty".into()));
        }
        out.push(RawPoint {
            lon,
            lat,
            number,
            half,
            street: street.to_string(),
            zip: zip_c.and_then(|c| parse_zip(get(c))),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_numbers_and_zips() {
        assert_eq!(parse_house_number("12"), Some((12, false)));
        assert_eq!(parse_house_number(" 12 1/2"), Some((12, true)));
        assert_eq!(parse_house_number("12A"), Some((12, false)));
        assert_eq!(parse_house_number("1200-1204"), Some((1200, false)));
        assert_eq!(parse_house_number("REAR"), None);
        assert_eq!(parse_house_number(""), None);
        assert_eq!(parse_zip("19107"), Some(19107));
        assert_eq!(parse_zip("19107-1234"), Some(19107));
        assert_eq!(parse_zip("1913"), None);
        assert_eq!(parse_zip("191071"), None);
    }
}
