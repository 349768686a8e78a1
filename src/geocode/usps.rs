//! Lookup tables from USPS Publication 28 (Postal Addressing Standards).
//!
//! * Appendix C1: street suffixes (primary name, common abbreviations → standard abbreviation),
//! * Appendix C2: secondary unit designators,
//! * state and territory abbreviations (Appendix B),
//! * directionals and spelled-out ordinals.
//!
//! Maps are built once on first use ([`OnceLock`]); lookups take an upper-case `&str`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: the keys are short upper-case words, where SipHash's DoS resistance buys nothing
/// and costs most of a lookup.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Map<V> = HashMap<&'static str, V, BuildHasherDefault<Fnv>>;

/// Appendix C1: standard suffix abbreviation followed by every spelling that maps to it
/// (primary street suffix name and the commonly used abbreviations).
const SUFFIXES: &[(&str, &[&str])] = &[
    ("ALY", &["ALLEE", "ALLEY", "ALLY", "ALY"]),
    ("ANX", &["ANEX", "ANNEX", "ANNX", "ANX"]),
    ("ARC", &["ARC", "ARCADE"]),
    (
        "AVE",
        &["AV", "AVE", "AVEN", "AVENU", "AVENUE", "AVN", "AVNUE"],
    ),
    ("BYU", &["BAYOO", "BAYOU", "BYU"]),
    ("BCH", &["BCH", "BEACH"]),
    ("BND", &["BEND", "BND"]),
    ("BLF", &["BLF", "BLUF", "BLUFF"]),
    ("BLFS", &["BLFS", "BLUFFS"]),
    ("BTM", &["BOT", "BTM", "BOTTM", "BOTTOM"]),
    ("BLVD", &["BLVD", "BOUL", "BOULEVARD", "BOULV"]),
    ("BR", &["BR", "BRNCH", "BRANCH"]),
    ("BRG", &["BRDGE", "BRG", "BRIDGE"]),
    ("BRK", &["BRK", "BROOK"]),
    ("BRKS", &["BRKS", "BROOKS"]),
    ("BG", &["BG", "BURG"]),
    ("BGS", &["BGS", "BURGS"]),
    ("BYP", &["BYP", "BYPA", "BYPAS", "BYPASS", "BYPS"]),
    ("CP", &["CAMP", "CP", "CMP"]),
    ("CYN", &["CANYN", "CANYON", "CNYN", "CYN"]),
    ("CPE", &["CAPE", "CPE"]),
    ("CSWY", &["CAUSEWAY", "CAUSWA", "CSWY"]),
    (
        "CTR",
        &[
            "CEN", "CENT", "CENTER", "CENTR", "CENTRE", "CNTER", "CNTR", "CTR",
        ],
    ),
    ("CTRS", &["CENTERS", "CTRS"]),
    ("CIR", &["CIR", "CIRC", "CIRCL", "CIRCLE", "CRCL", "CRCLE"]),
    ("CIRS", &["CIRCLES", "CIRS"]),
    ("CLF", &["CLF", "CLIFF"]),
    ("CLFS", &["CLFS", "CLIFFS"]),
    ("CLB", &["CLB", "CLUB"]),
    ("CMN", &["CMN", "COMMON"]),
    ("CMNS", &["CMNS", "COMMONS"]),
    ("COR", &["COR", "CORNER"]),
    ("CORS", &["CORNERS", "CORS"]),
    ("CRSE", &["COURSE", "CRSE"]),
    ("CT", &["COURT", "CT"]),
    ("CTS", &["COURTS", "CTS"]),
    ("CV", &["COVE", "CV"]),
    ("CVS", &["COVES", "CVS"]),
    ("CRK", &["CREEK", "CRK"]),
    ("CRES", &["CRESCENT", "CRES", "CRSENT", "CRSNT"]),
    ("CRST", &["CREST", "CRST"]),
    ("XING", &["CROSSING", "CRSSNG", "XING"]),
    ("XRD", &["CROSSROAD", "XRD"]),
    ("XRDS", &["CROSSROADS", "XRDS"]),
    ("CURV", &["CURVE", "CURV"]),
    ("DL", &["DALE", "DL"]),
    ("DM", &["DAM", "DM"]),
    ("DV", &["DIV", "DIVIDE", "DV", "DVD"]),
    ("DR", &["DR", "DRIV", "DRIVE", "DRV"]),
    ("DRS", &["DRIVES", "DRS"]),
    ("EST", &["EST", "ESTATE"]),
    ("ESTS", &["ESTATES", "ESTS"]),
    (
        "EXPY",
        &["EXP", "EXPR", "EXPRESS", "EXPRESSWAY", "EXPW", "EXPY"],
    ),
    ("EXT", &["EXT", "EXTENSION", "EXTN", "EXTNSN"]),
    ("EXTS", &["EXTENSIONS", "EXTS"]),
    ("FALL", &["FALL"]),
    ("FLS", &["FALLS", "FLS"]),
    ("FRY", &["FERRY", "FRRY", "FRY"]),
    ("FLD", &["FIELD", "FLD"]),
    ("FLDS", &["FIELDS", "FLDS"]),
    ("FLT", &["FLAT", "FLT"]),
    ("FLTS", &["FLATS", "FLTS"]),
    ("FRD", &["FORD", "FRD"]),
    ("FRDS", &["FORDS", "FRDS"]),
    ("FRST", &["FOREST", "FORESTS", "FRST"]),
    ("FRG", &["FORG", "FORGE", "FRG"]),
    ("FRGS", &["FORGES", "FRGS"]),
    ("FRK", &["FORK", "FRK"]),
    ("FRKS", &["FORKS", "FRKS"]),
    ("FT", &["FORT", "FRT", "FT"]),
    ("FWY", &["FREEWAY", "FREEWY", "FRWAY", "FRWY", "FWY"]),
    ("GDN", &["GARDEN", "GARDN", "GRDEN", "GRDN", "GDN"]),
    ("GDNS", &["GARDENS", "GDNS", "GRDNS"]),
    ("GTWY", &["GATEWAY", "GATEWY", "GATWAY", "GTWAY", "GTWY"]),
    ("GLN", &["GLEN", "GLN"]),
    ("GLNS", &["GLENS", "GLNS"]),
    ("GRN", &["GREEN", "GRN"]),
    ("GRNS", &["GREENS", "GRNS"]),
    ("GRV", &["GROV", "GROVE", "GRV"]),
    ("GRVS", &["GROVES", "GRVS"]),
    ("HBR", &["HARB", "HARBOR", "HARBR", "HBR", "HRBOR"]),
    ("HBRS", &["HARBORS", "HBRS"]),
    ("HVN", &["HAVEN", "HVN"]),
    ("HTS", &["HEIGHTS", "HT", "HTS"]),
    (
        "HWY",
        &["HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY", "HWY"],
    ),
    ("HL", &["HILL", "HL"]),
    ("HLS", &["HILLS", "HLS"]),
    ("HOLW", &["HLLW", "HOLLOW", "HOLLOWS", "HOLW", "HOLWS"]),
    ("INLT", &["INLET", "INLT"]),
    ("IS", &["IS", "ISLAND", "ISLND"]),
    ("ISS", &["ISLANDS", "ISLNDS", "ISS"]),
    ("ISLE", &["ISLE", "ISLES"]),
    (
        "JCT",
        &["JCT", "JCTION", "JCTN", "JUNCTION", "JUNCTN", "JUNCTON"],
    ),
    ("JCTS", &["JCTNS", "JCTS", "JUNCTIONS"]),
    ("KY", &["KEY", "KY"]),
    ("KYS", &["KEYS", "KYS"]),
    ("KNL", &["KNL", "KNOL", "KNOLL"]),
    ("KNLS", &["KNLS", "KNOLLS"]),
    ("LK", &["LK", "LAKE"]),
    ("LKS", &["LKS", "LAKES"]),
    ("LAND", &["LAND"]),
    ("LNDG", &["LANDING", "LNDG", "LNDNG"]),
    ("LN", &["LANE", "LN"]),
    ("LGT", &["LGT", "LIGHT"]),
    ("LGTS", &["LGTS", "LIGHTS"]),
    ("LF", &["LF", "LOAF"]),
    ("LCK", &["LCK", "LOCK"]),
    ("LCKS", &["LCKS", "LOCKS"]),
    ("LDG", &["LDG", "LDGE", "LODG", "LODGE"]),
    ("LOOP", &["LOOP", "LOOPS"]),
    ("MALL", &["MALL"]),
    ("MNR", &["MNR", "MANOR"]),
    ("MNRS", &["MANORS", "MNRS"]),
    ("MDW", &["MEADOW"]),
    ("MDWS", &["MDW", "MDWS", "MEADOWS", "MEDOWS"]),
    ("MEWS", &["MEWS"]),
    ("ML", &["MILL", "ML"]),
    ("MLS", &["MILLS", "MLS"]),
    ("MSN", &["MISSN", "MSSN", "MSN"]),
    ("MTWY", &["MOTORWAY", "MTWY"]),
    ("MT", &["MNT", "MT", "MOUNT"]),
    (
        "MTN",
        &["MNTAIN", "MNTN", "MOUNTAIN", "MOUNTIN", "MTIN", "MTN"],
    ),
    ("MTNS", &["MNTNS", "MOUNTAINS", "MTNS"]),
    ("NCK", &["NCK", "NECK"]),
    ("ORCH", &["ORCH", "ORCHARD", "ORCHRD"]),
    ("OVAL", &["OVAL", "OVL"]),
    ("OPAS", &["OVERPASS", "OPAS"]),
    ("PARK", &["PARK", "PRK", "PARKS"]),
    (
        "PKWY",
        &[
            "PARKWAY", "PARKWY", "PKWAY", "PKWY", "PKY", "PARKWAYS", "PKWYS",
        ],
    ),
    ("PASS", &["PASS"]),
    ("PSGE", &["PASSAGE", "PSGE"]),
    ("PATH", &["PATH", "PATHS"]),
    ("PIKE", &["PIKE", "PIKES"]),
    ("PNE", &["PINE", "PNE"]),
    ("PNES", &["PINES", "PNES"]),
    ("PL", &["PL", "PLACE"]),
    ("PLN", &["PLAIN", "PLN"]),
    ("PLNS", &["PLAINS", "PLNS"]),
    ("PLZ", &["PLAZA", "PLZ", "PLZA"]),
    ("PT", &["POINT", "PT"]),
    ("PTS", &["POINTS", "PTS"]),
    ("PRT", &["PORT", "PRT"]),
    ("PRTS", &["PORTS", "PRTS"]),
    ("PR", &["PR", "PRAIRIE", "PRR"]),
    ("RADL", &["RAD", "RADIAL", "RADIEL", "RADL"]),
    ("RAMP", &["RAMP"]),
    ("RNCH", &["RANCH", "RANCHES", "RNCH", "RNCHS"]),
    ("RPD", &["RAPID", "RPD"]),
    ("RPDS", &["RAPIDS", "RPDS"]),
    ("RST", &["REST", "RST"]),
    ("RDG", &["RDG", "RDGE", "RIDGE"]),
    ("RDGS", &["RDGS", "RIDGES"]),
    ("RIV", &["RIV", "RIVER", "RVR", "RIVR"]),
    ("RD", &["RD", "ROAD"]),
    ("RDS", &["RDS", "ROADS"]),
    ("RTE", &["ROUTE", "RTE"]),
    ("ROW", &["ROW"]),
    ("RUE", &["RUE"]),
    ("RUN", &["RUN"]),
    ("SHL", &["SHL", "SHOAL"]),
    ("SHLS", &["SHLS", "SHOALS"]),
    ("SHR", &["SHOAR", "SHORE", "SHR"]),
    ("SHRS", &["SHOARS", "SHORES", "SHRS"]),
    ("SKWY", &["SKYWAY", "SKWY"]),
    ("SPG", &["SPG", "SPNG", "SPRING", "SPRNG"]),
    ("SPGS", &["SPGS", "SPNGS", "SPRINGS", "SPRNGS"]),
    ("SPUR", &["SPUR", "SPURS"]),
    ("SQ", &["SQ", "SQR", "SQRE", "SQU", "SQUARE"]),
    ("SQS", &["SQRS", "SQS", "SQUARES"]),
    ("STA", &["STA", "STATION", "STATN", "STN"]),
    (
        "STRA",
        &[
            "STRA",
            "STRAV",
            "STRAVEN",
            "STRAVENUE",
            "STRAVN",
            "STRVN",
            "STRVNUE",
        ],
    ),
    ("STRM", &["STREAM", "STREME", "STRM"]),
    ("ST", &["STREET", "STRT", "ST", "STR"]),
    ("STS", &["STREETS", "STS"]),
    ("SMT", &["SMT", "SUMIT", "SUMITT", "SUMMIT"]),
    ("TER", &["TER", "TERR", "TERRACE"]),
    ("TRWY", &["THROUGHWAY", "TRWY"]),
    ("TRCE", &["TRACE", "TRACES", "TRCE"]),
    ("TRAK", &["TRACK", "TRACKS", "TRAK", "TRK", "TRKS"]),
    ("TRFY", &["TRAFFICWAY", "TRFY"]),
    ("TRL", &["TRAIL", "TRAILS", "TRL", "TRLS"]),
    ("TRLR", &["TRAILER", "TRLR", "TRLRS"]),
    (
        "TUNL",
        &["TUNEL", "TUNL", "TUNLS", "TUNNEL", "TUNNELS", "TUNNL"],
    ),
    ("TPKE", &["TRNPK", "TURNPIKE", "TURNPK", "TPKE"]),
    ("UPAS", &["UNDERPASS", "UPAS"]),
    ("UN", &["UN", "UNION"]),
    ("UNS", &["UNIONS", "UNS"]),
    ("VLY", &["VALLEY", "VALLY", "VLLY", "VLY"]),
    ("VLYS", &["VALLEYS", "VLYS"]),
    ("VIA", &["VDCT", "VIA", "VIADCT", "VIADUCT"]),
    ("VW", &["VIEW", "VW"]),
    ("VWS", &["VIEWS", "VWS"]),
    (
        "VLG",
        &["VILL", "VILLAG", "VILLAGE", "VILLG", "VILLIAGE", "VLG"],
    ),
    ("VLGS", &["VILLAGES", "VLGS"]),
    ("VL", &["VILLE", "VL"]),
    ("VIS", &["VIS", "VIST", "VISTA", "VST", "VSTA"]),
    ("WALK", &["WALK", "WALKS"]),
    ("WALL", &["WALL"]),
    ("WAY", &["WY", "WAY"]),
    ("WAYS", &["WAYS"]),
    ("WL", &["WELL", "WL"]),
    ("WLS", &["WELLS", "WLS"]),
];

/// Local spellings outside Appendix C1 that street files and call-takers use:
/// `LA` for lane, and Philadelphia's driveway type `DWY`.
const LOCAL_SUFFIXES: &[(&str, &[&str])] = &[("LN", &["LA"]), ("DWY", &["DWY"])];

/// Appendix C2: standard designator, its spellings, and whether a unit number must follow.
const UNITS: &[(&str, &[&str], bool)] = &[
    ("APT", &["APARTMENT", "APT", "APTS"], true),
    ("BSMT", &["BASEMENT", "BSMT"], false),
    ("BLDG", &["BUILDING", "BLDG", "BLD"], true),
    ("DEPT", &["DEPARTMENT", "DEPT"], true),
    ("FL", &["FLOOR", "FL", "FLR"], true),
    ("FRNT", &["FRONT", "FRNT"], false),
    ("HNGR", &["HANGAR", "HNGR"], true),
    ("KEY", &["KEY"], true),
    ("LBBY", &["LOBBY", "LBBY"], false),
    ("LOT", &["LOT"], true),
    ("LOWR", &["LOWER", "LOWR"], false),
    ("OFC", &["OFFICE", "OFC"], false),
    ("PH", &["PENTHOUSE", "PH"], false),
    ("PIER", &["PIER"], true),
    ("REAR", &["REAR"], false),
    ("RM", &["ROOM", "RM"], true),
    ("SIDE", &["SIDE"], false),
    ("SLIP", &["SLIP"], true),
    ("SPC", &["SPACE", "SPC"], true),
    ("STOP", &["STOP"], true),
    ("STE", &["SUITE", "STE"], true),
    ("TRLR", &["TRAILER", "TRLR"], true),
    ("UNIT", &["UNIT"], true),
    ("UPPR", &["UPPER", "UPPR"], false),
    ("#", &["#"], true),
];

/// State, district and territory abbreviations, sorted for binary search.
const STATES: &[&str] = &[
    "AA", "AE", "AK", "AL", "AP", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "FM", "GA",
    "GU", "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MH", "MI", "MN", "MO",
    "MP", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR",
    "PW", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
];

/// Spelled-out ordinals below twenty, index = value.
const ORDINAL_WORDS: &[&str] = &[
    "",
    "FIRST",
    "SECOND",
    "THIRD",
    "FOURTH",
    "FIFTH",
    "SIXTH",
    "SEVENTH",
    "EIGHTH",
    "NINTH",
    "TENTH",
    "ELEVENTH",
    "TWELFTH",
    "THIRTEENTH",
    "FOURTEENTH",
    "FIFTEENTH",
    "SIXTEENTH",
    "SEVENTEENTH",
    "EIGHTEENTH",
    "NINETEENTH",
];

/// Tens as cardinal ("TWENTY", for TWENTY-FIRST) and ordinal ("TWENTIETH"), index = value / 10.
const TENS: &[(&str, &str)] = &[
    ("", ""),
    ("", ""),
    ("TWENTY", "TWENTIETH"),
    ("THIRTY", "THIRTIETH"),
    ("FORTY", "FORTIETH"),
    ("FIFTY", "FIFTIETH"),
    ("SIXTY", "SIXTIETH"),
    ("SEVENTY", "SEVENTIETH"),
    ("EIGHTY", "EIGHTIETH"),
    ("NINETY", "NINETIETH"),
];

/// A secondary unit designator from Appendix C2.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnitDesignator {
    /// Standard abbreviation, `#` for the bare number sign.
    pub abbr: &'static str,
    /// Whether Pub. 28 requires a unit number after it (APT 2) or not (REAR).
    pub needs_id: bool,
}

fn build_map(groups: &[&[(&'static str, &'static [&'static str])]]) -> Map<&'static str> {
    let mut map = Map::default();
    for table in groups {
        for (std, variants) in table.iter() {
            map.insert(*std, *std);
            for v in variants.iter() {
                map.insert(*v, *std);
            }
        }
    }
    map
}

/// The standard suffix abbreviation for a suffix spelling (`AVENUE` → `AVE`), if any.
pub(crate) fn suffix(word: &str) -> Option<&'static str> {
    static MAP: OnceLock<Map<&'static str>> = OnceLock::new();
    MAP.get_or_init(|| build_map(&[SUFFIXES, LOCAL_SUFFIXES]))
        .get(word)
        .copied()
}

/// The unit designator for a spelling (`APARTMENT` → `APT`), if any.
pub(crate) fn unit(word: &str) -> Option<UnitDesignator> {
    static MAP: OnceLock<Map<UnitDesignator>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = Map::default();
        for (abbr, variants, needs_id) in UNITS {
            let d = UnitDesignator {
                abbr,
                needs_id: *needs_id,
            };
            for v in variants.iter() {
                map.insert(*v, d);
            }
        }
        map
    })
    .get(word)
    .copied()
}

/// Whether `word` is a two-letter state, district or territory abbreviation.
pub(crate) fn is_state(word: &str) -> bool {
    word.len() == 2 && STATES.binary_search(&word).is_ok()
}

/// The value of a spelled-out ordinal: `FIFTH` → 5, `TWENTIETH` → 20, `TWENTY-FIRST` → 21.
pub(crate) fn spelled_ordinal(word: &str) -> Option<u32> {
    if let Some((tens, unit)) = word.split_once('-') {
        return Some(tens_cardinal(tens)? + small_ordinal(unit).filter(|u| *u < 10)?);
    }
    small_ordinal(word).or_else(|| {
        TENS.iter()
            .position(|(_, ord)| !ord.is_empty() && *ord == word)
            .map(|i| i as u32 * 10)
    })
}

/// `TWENTY` → 20 ... `NINETY` → 90 (the first word of TWENTY FIRST).
pub(crate) fn tens_cardinal(word: &str) -> Option<u32> {
    TENS.iter()
        .position(|(card, _)| !card.is_empty() && *card == word)
        .map(|i| i as u32 * 10)
}

/// `FIRST` → 1 ... `NINETEENTH` → 19.
pub(crate) fn small_ordinal(word: &str) -> Option<u32> {
    ORDINAL_WORDS
        .iter()
        .position(|w| !w.is_empty() && *w == word)
        .map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_sorted_and_tables_consistent() {
        assert!(STATES.windows(2).all(|w| w[0] < w[1]));
        assert!(SUFFIXES.len() >= 190, "{}", SUFFIXES.len());
        assert_eq!(suffix("AVENUE"), Some("AVE"));
        assert_eq!(suffix("STRT"), Some("ST"));
        assert_eq!(unit("SUITE").map(|u| u.abbr), Some("STE"));
        assert_eq!(spelled_ordinal("TWENTY-FIRST"), Some(21));
        assert_eq!(spelled_ordinal("NINETEENTH"), Some(19));
        assert_eq!(spelled_ordinal("FORTIETH"), Some(40));
    }
}
