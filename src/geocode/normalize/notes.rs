//! Notes around an address: parenthesized remarks (`(AT DELAWARE AVE)`, `(AKA 4269 ISLAND
//! AVE)`, `(REAR)`) and a cross street or alias after a numbered address (`AT TABOR`,
//! `& WALNUT LN`, `NEAR STEEPLE`, `BETWEEN 12TH AND 13TH`, `AKA 4269 ISLAND AVE`,
//! `, 8 PENN CENTER`). The address is located by its house number and street; the note is
//! dropped. Intersections without a house number (`BROAD ST & MARKET ST`) are left alone.

use super::house_number::is_house_number;
use super::locality::{strip_locality, Locality};
use super::unit::is_unit_marker;
use super::{is_block_word, is_word};

/// Removes the `( … )` notes from cleaned tokens (`[ ]` and `{ }` were cleaned to parentheses):
/// nested ones whole, an unclosed `(` up to the end, a stray `)` alone. When the text outside
/// them holds no numbered address but a note does (`TEMPLE HOSPITAL (100 E LEHIGH AVE)`),
/// that note is the address; when nothing but notes has words (`(1234 MARKET ST)`), the
/// parentheses are only spaces.
pub(super) fn drop_parenthesized(toks: Vec<&str>) -> Vec<&str> {
    if !toks.iter().any(|t| matches!(*t, "(" | ")")) {
        return toks;
    }
    let mut outside = Vec::with_capacity(toks.len());
    let mut notes: Vec<Vec<&str>> = Vec::new();
    let mut depth = 0usize;
    for &t in &toks {
        match (t, depth, notes.last_mut()) {
            ("(", 0, _) => {
                notes.push(Vec::new());
                depth = 1;
            }
            ("(", _, _) => depth += 1,
            (")", _, _) => depth = depth.saturating_sub(1),
            (_, 0, _) => outside.push(t),
            (_, _, Some(note)) => note.push(t),
            (_, _, None) => {}
        }
    }
    if street_start(&outside).is_none() {
        if let Some(note) = notes.into_iter().find(|n| street_start(n).is_some()) {
            return note;
        }
    }
    if outside.iter().any(|t| is_word(t)) {
        outside
    } else {
        toks.into_iter()
            .filter(|t| !matches!(*t, "(" | ")"))
            .collect()
    }
}

/// Cuts a numbered address at its first cross street or alias: `AT`, `@`, `&`, `AND`, `/`,
/// `NEAR`, `NR`, `BETWEEN`, `BTWN`, `BTW`, `AKA`, `A/K/A`, or a comma before another numbered
/// address (not before a unit: `, APT 2` stays), when a street word comes between the house
/// number and it and a word follows it (`1200 & 1202 MARKET ST` is not cut). Runs after the
/// trailing city, state and ZIP are split off, before the commas go; a ZIP, state or city
/// written before the note (`1234 MARKET ST 19107 AT 12TH`) joins `loc`.
pub(super) fn cut_cross_street(toks: &mut Vec<&str>, loc: &mut Locality) {
    let Some(start) = street_start(toks) else {
        return;
    };
    let mut street_word = false;
    for j in start..toks.len() {
        let marker = marker_len(&toks[j..]);
        if let Some(len) = marker.filter(|_| street_word) {
            if toks[j + len..].iter().any(|t| is_word(t)) {
                toks.truncate(j);
                let before = strip_locality(toks);
                loc.fill_from(before);
                return;
            }
        }
        street_word |= is_word(toks[j]) && marker.is_none();
    }
}

/// The number of tokens of the cross-street or alias marker `toks` starts with.
fn marker_len(toks: &[&str]) -> Option<usize> {
    match toks {
        ["AT" | "@" | "&" | "AND" | "/" | "NEAR" | "NR" | "BETWEEN" | "BTWN" | "BTW" | "AKA", ..] => {
            Some(1)
        }
        ["A", "/", "K", "/", "A", ..] => Some(5),
        [",", number, next, ..]
            if is_house_number(number) && is_word(next) && !is_unit_marker(next) =>
        {
            Some(1)
        }
        _ => None,
    }
}

/// Where the street words start when `toks` is a numbered address: after `BLOCK [OF]`, the
/// number, `1/2` and `BLOCK [OF]`; `None` when no house number leads (`S 2100 MCKEAN ST`
/// stays as it was read before: a directional first makes `N 12 ST & MARKET ST` an
/// intersection) or no word follows it.
fn street_start(toks: &[&str]) -> Option<usize> {
    let skip_block = |i: &mut usize| {
        if is_block_word(toks.get(*i)) {
            *i += if toks.get(*i + 1) == Some(&"OF") {
                2
            } else {
                1
            };
        }
    };
    // leading `#` and connectors carry nothing
    let mut i = toks.iter().position(|t| is_word(t))?;
    skip_block(&mut i);
    if !toks.get(i).is_some_and(|t| is_house_number(t)) {
        return None;
    }
    i += 1;
    if toks.get(i) == Some(&"1/2") {
        i += 1;
    }
    skip_block(&mut i);
    toks[i.min(toks.len())..]
        .iter()
        .any(|t| is_word(t))
        .then_some(i)
}
