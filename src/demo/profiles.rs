//! How each service behaves in Riverton: yearly volume, season, hours, how fast crews
//! close it, where corners are reported, and what people write.

/// Behaviour of one service in the demo year.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub code: &'static str,
    /// Requests in the year, planted ones included.
    pub volume: usize,
    /// Relative volume per month, November first.
    pub season: [f64; 12],
    /// Reported mostly at night (noise).
    pub night: bool,
    /// Share of background requests reported at a street corner.
    pub corner_share: f64,
    /// Median time to close as a fraction of the SLA.
    pub close_median: f64,
    /// Share of requests that stall and are never closed.
    pub stall: f64,
    pub descriptions: &'static [&'static str],
}

const FLAT: [f64; 12] = [1.0; 12];
const WINTER: [f64; 12] = [1.3, 1.6, 1.8, 1.6, 1.2, 0.8, 0.6, 0.5, 0.5, 0.6, 0.8, 1.1];
const SUMMER: [f64; 12] = [0.6, 0.4, 0.4, 0.5, 0.7, 1.0, 1.4, 1.7, 1.8, 1.7, 1.3, 0.9];
const THAW: [f64; 12] = [0.7, 0.8, 1.2, 1.8, 2.0, 1.6, 1.0, 0.8, 0.7, 0.6, 0.6, 0.6];

/// Profiles of the services the demo generates (codes of `fixtures/catalog.toml`).
pub const PROFILES: &[Profile] = &[
    Profile {
        code: "streetlight",
        volume: 3000,
        season: WINTER,
        night: false,
        corner_share: 0.3,
        close_median: 0.6,
        stall: 0.03,
        descriptions: &[
            "Street light out on this block.",
            "Light flickering on and off all night.",
            "Pole light out, whole corner is dark.",
            "Lamp stays on during the day.",
            "Light pole knocked over, wires showing.",
        ],
    },
    Profile {
        code: "pothole",
        volume: 3500,
        season: THAW,
        night: false,
        corner_share: 0.25,
        close_median: 0.45,
        stall: 0.02,
        descriptions: &[
            "Large pothole in the travel lane.",
            "Deep pothole, cars swerving around it.",
            "Pothole near the crosswalk.",
            "Several potholes along the block.",
            "Street cave-in by the storm drain.",
        ],
    },
    Profile {
        code: "graffiti",
        volume: 2800,
        season: FLAT,
        night: false,
        corner_share: 0.0,
        close_median: 0.5,
        stall: 0.03,
        descriptions: &[
            "Graffiti on the side of the building.",
            "Tags on the storefront gate.",
            "Graffiti on mailbox and signs.",
            "Spray paint on the garage door.",
        ],
    },
    Profile {
        code: "illegal_dumping",
        volume: 3000,
        season: SUMMER,
        night: false,
        corner_share: 0.0,
        close_median: 0.7,
        stall: 0.04,
        descriptions: &[
            "Tires dumped on the vacant lot.",
            "Construction debris dumped overnight.",
            "Mattresses and furniture left on the sidewalk.",
            "Bags of trash dumped in the alley.",
        ],
    },
    Profile {
        code: "abandoned_vehicle",
        volume: 1800,
        season: FLAT,
        night: false,
        corner_share: 0.0,
        close_median: 0.5,
        stall: 0.03,
        descriptions: &[
            "Car with no plates parked for weeks.",
            "Vehicle with flat tires, not moved in a month.",
            "Burned-out car on the block.",
            "Van with expired tags and broken windows.",
        ],
    },
    Profile {
        code: "dead_animal",
        volume: 900,
        season: SUMMER,
        night: false,
        corner_share: 0.0,
        close_median: 0.35,
        stall: 0.02,
        descriptions: &[
            "Dead raccoon in the street.",
            "Dead cat on the sidewalk.",
            "Dead deer at the curb.",
            "Dead bird by the bus stop.",
        ],
    },
    Profile {
        code: "vacant_property",
        volume: 1200,
        season: FLAT,
        night: false,
        corner_share: 0.0,
        close_median: 0.8,
        stall: 0.06,
        descriptions: &[
            "Vacant house open to trespass, door kicked in.",
            "Overgrown vacant lot, weeds over six feet.",
            "Abandoned building with broken windows.",
            "Vacant lot full of trash and rats.",
        ],
    },
    Profile {
        code: "sanitation_violation",
        volume: 1800,
        season: SUMMER,
        night: false,
        corner_share: 0.0,
        close_median: 0.6,
        stall: 0.03,
        descriptions: &[
            "Restaurant dumpster overflowing, lid open.",
            "Trash put out days before pickup.",
            "Garbage bags piled behind the store.",
            "Grease spilled around the dumpster.",
        ],
    },
    Profile {
        code: "rodent",
        volume: 1600,
        season: SUMMER,
        night: false,
        corner_share: 0.0,
        close_median: 0.6,
        stall: 0.03,
        descriptions: &[
            "Rats running in the alley at night.",
            "Rat burrows in the yard next door.",
            "Rats around the restaurant trash.",
            "Mice and rats coming from the vacant lot.",
        ],
    },
    Profile {
        code: "missed_trash",
        volume: 3600,
        season: FLAT,
        night: false,
        corner_share: 0.0,
        close_median: 0.4,
        stall: 0.01,
        descriptions: &[
            "Trash not picked up on collection day.",
            "Recycling missed again this week.",
            "Whole block skipped by the trash truck.",
            "Bulk item not collected.",
        ],
    },
    Profile {
        code: "tree",
        volume: 1500,
        season: SUMMER,
        night: false,
        corner_share: 0.0,
        close_median: 0.7,
        stall: 0.04,
        descriptions: &[
            "Large limb down across the sidewalk.",
            "Dead tree leaning toward the house.",
            "Branches hanging over the street, hitting trucks.",
            "Tree uprooted by the storm.",
        ],
    },
    Profile {
        code: "noise",
        volume: 2200,
        season: SUMMER,
        night: true,
        corner_share: 0.0,
        close_median: 0.2,
        stall: 0.02,
        descriptions: &[
            "Loud music from the bar after 2 am.",
            "Party next door every weekend.",
            "Car stereo blasting on the corner.",
            "Construction noise before 7 am.",
        ],
    },
    Profile {
        code: "illegal_parking",
        volume: 1800,
        season: FLAT,
        night: false,
        corner_share: 0.1,
        close_median: 0.2,
        stall: 0.02,
        descriptions: &[
            "Car blocking my driveway.",
            "Double parked truck blocking the lane.",
            "Car parked at the fire hydrant.",
            "Vehicle parked on the sidewalk.",
        ],
    },
    Profile {
        code: "sidewalk",
        volume: 900,
        season: FLAT,
        night: false,
        corner_share: 0.0,
        close_median: 0.9,
        stall: 0.05,
        descriptions: &[
            "Raised sidewalk slab, trip hazard.",
            "Broken curb at the corner.",
            "Sidewalk caved in near the tree.",
            "Sidewalk blocked by construction.",
        ],
    },
    Profile {
        code: "heat",
        volume: 900,
        season: [
            1.5, 2.5, 3.0, 2.5, 1.2, 0.3, 0.1, 0.05, 0.05, 0.05, 0.2, 0.5,
        ],
        night: false,
        corner_share: 0.0,
        close_median: 0.35,
        stall: 0.02,
        descriptions: &[
            "No heat in the apartment for two days.",
            "No hot water in the building.",
            "Boiler broken, landlord not responding.",
            "Radiators cold, children in the unit.",
        ],
    },
];

/// Words a crew writes when it closes a request.
pub const CLOSE_NOTES: &[&str] = &[
    "Completed.",
    "Work completed by crew.",
    "Inspected and resolved.",
    "Closed - issue corrected.",
];

/// Hourly weights (local time) of daytime services.
pub const DAY_HOURS: [f64; 24] = [
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 2.8, 3.4, 3.4, 3.2, 3.0, 3.0, 2.9, 2.7, 2.4, 2.0, 1.6,
    1.3, 1.0, 0.8, 0.6, 0.4,
];

/// Hourly weights (local time) of night services.
pub const NIGHT_HOURS: [f64; 24] = [
    3.0, 2.5, 1.5, 0.8, 0.3, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.7, 2.2,
    2.8, 3.4, 4.0, 4.5, 4.0,
];
