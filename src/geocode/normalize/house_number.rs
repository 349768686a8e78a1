//! House numbers: `123`, `123A`, `123-A`, and ranges `1200-04`, `1200-1204`.

use super::{NormalizeError, StreetAddress};

/// A house-number token: digits, optionally `-digits` (range) or one letter (`123A`, `123-A`).
pub(super) fn is_house_number(t: &str) -> bool {
    split_house_number(t).is_some()
}

/// Splits a house number into (low digits, high digits, letter).
fn split_house_number(t: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    if d == 0 {
        return None;
    }
    let (low, rest) = t.split_at(d);
    let rest_after_dash = rest.strip_prefix('-');
    let is_letter = |s: &str| s.len() == 1 && s.bytes().all(|b| b.is_ascii_alphabetic());
    match rest_after_dash {
        None if rest.is_empty() => Some((low, None, None)),
        None if is_letter(rest) => Some((low, None, Some(rest))),
        Some(r) if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) => {
            Some((low, Some(r), None))
        }
        Some(r) if is_letter(r) => Some((low, None, Some(r))),
        _ => None,
    }
}

/// Reads a house-number token into the number fields of a new address.
pub(super) fn house_number(t: &str) -> Result<StreetAddress, NormalizeError> {
    let too_large = || NormalizeError::NumberTooLarge(t.to_string());
    let Some((low, high, letter)) = split_house_number(t) else {
        return Err(too_large());
    };
    let number: u32 = low.parse().map_err(|_| too_large())?;
    let number_high = match high {
        // 1200-04: the high number repeats the low number's leading digits
        Some(h) if h.len() < low.len() => {
            let full = format!("{}{h}", &low[..low.len() - h.len()]);
            Some(full.parse::<u32>().map_err(|_| too_large())?)
        }
        Some(h) => Some(h.parse::<u32>().map_err(|_| too_large())?),
        None => None,
    };
    Ok(StreetAddress {
        number,
        number_high: number_high.filter(|h| *h > number),
        number_suffix: letter.map(str::to_string),
        ..StreetAddress::default()
    })
}
