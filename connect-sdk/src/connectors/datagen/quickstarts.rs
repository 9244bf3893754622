//! The quickstarts: the schemas of the trucking and hotel examples' records, and how a
//! record of each is made from (seed, task, iteration).

use super::rng::Rng;
use crate::data::{Schema, SchemaBuilder, Struct, Value};
use crate::error::Result;

/// A kind of generated record: its value schema, its key field and how its values are
/// drawn. Each record depends only on the seed, the task and its iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quickstart {
    /// Seed 001's truck position reports (`datagen.trucking.TruckPosition`): `ts`
    /// (int64, ms, 100 ms apart from 1522846456703), `truckId`, `driverId`, `routeId`
    /// (int64), `eventType` (string: `Normal`, or one time in ten `Overspeed`, `Lane
    /// Departure`, `Unsafe following distance` or `Unsafe tail distance`), `latitude`,
    /// `longitude` (float64, two decimals) and `correlationId` (int64). Keyed by
    /// `driverId` (1 to 100).
    TruckingPositions,
    /// Seed 001's driver table (`datagen.trucking.Driver`), its rows in turn, driver 1 to
    /// 100 and again: `id` (int64), `firstName`, `lastName`, `available` (`Y` or `N`,
    /// drawn anew each turn), `birthdate` (string, `24-JUL-85`), `last_update` (int64, ms,
    /// a second apart from 1506923052012). Keyed by `id`.
    TruckingDrivers,
    /// Seed 003's hotel page views (`datagen.hotel.PageView`): `sessionId` (string),
    /// `timestamp` (int64, ms, 250 ms apart from 1413215458000), `viewType`,
    /// `propertyId` (int64), `loyaltyId` (int64, one of the 1000 members of
    /// [`Quickstart::HotelLoyalty`]) and `origin` (string). Keyed by `loyaltyId`, for the
    /// join with the loyalty table.
    HotelPageviews,
    /// Seed 003's loyalty table (`datagen.hotel.LoyaltyMember`), its 1000 members in turn:
    /// `loyaltyId` (int64, 6764000 to 6764999), `level` (`silver`, `gold` or `platinum`,
    /// drawn anew each turn), `email` and `cc` (string, a card number such as
    /// `4444-3333-2222-1111`, for `MaskField` to mask). Keyed by `loyaltyId`.
    HotelLoyalty,
}

/// What keys a generator's draws besides the seed, so that each use draws apart.
const RECORD: u64 = 1;
const ENTITY: u64 = 2;
const SESSION: u64 = 3;

const DRIVERS: u64 = 100;
const FIRST_POSITION_MS: i64 = 1_522_846_456_703;
const FIRST_DRIVER_UPDATE_MS: i64 = 1_506_923_052_012;
const EVENTS: &[&str] = &[
    "Overspeed",
    "Lane Departure",
    "Unsafe following distance",
    "Unsafe tail distance",
];
/// The routes of seed 001's sample positions.
const ROUTES: &[i64] = &[
    1_927_624_662,
    1_390_372_503,
    1_961_634_315,
    137_128_276,
    1_090_292_248,
    1_198_242_881,
    1_384_345_811,
    24_929_475,
    987_179_512,
    1_594_289_134,
];
const FIRST_NAMES: &[&str] = &[
    "Walter", "Lila", "Laurence", "Micky", "Anne", "Jamie", "Suresh", "Ana",
];
const LAST_NAMES: &[&str] = &[
    "Ward",
    "Page",
    "Lindsey",
    "Isaacson",
    "Kretchmar",
    "Engesser",
    "Rao",
    "Silva",
];
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

const MEMBERS: u64 = 1000;
const FIRST_MEMBER: i64 = 6_764_000;
const FIRST_VIEW_MS: i64 = 1_413_215_458_000;
const VIEW_TYPES: &[&str] = &[
    "propertyView",
    "propertyView",
    "searchResults",
    "homepage",
    "booking",
];
const ORIGINS: &[&str] = &["promotion", "search", "direct", "email", "social"];
const LEVELS: &[&str] = &["silver", "silver", "silver", "gold", "gold", "platinum"];
/// A session lasts this many iterations of a task.
const SESSION_ITERATIONS: u64 = 1000;

/// A field of a quickstart's schema: its name and schema.
type FieldDef = (&'static str, fn() -> Schema);

/// `base + n * step`, saturating.
fn stepped(base: i64, n: u64, step: i64) -> i64 {
    base.saturating_add(i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(step))
}

/// Two decimals, from a whole number of hundredths.
fn hundredths(n: i64) -> f64 {
    n as f64 / 100.0
}

impl Quickstart {
    /// Every quickstart.
    pub const ALL: [Quickstart; 4] = [
        Quickstart::TruckingPositions,
        Quickstart::TruckingDrivers,
        Quickstart::HotelPageviews,
        Quickstart::HotelLoyalty,
    ];

    /// Its name in `quickstart`.
    pub fn name(self) -> &'static str {
        match self {
            Quickstart::TruckingPositions => "trucking_positions",
            Quickstart::TruckingDrivers => "trucking_drivers",
            Quickstart::HotelPageviews => "hotel_pageviews",
            Quickstart::HotelLoyalty => "hotel_loyalty",
        }
    }

    /// The quickstart `name` names, in any case (as Confluent's datagen reads it).
    pub fn from_name(name: &str) -> Option<Quickstart> {
        Self::ALL
            .into_iter()
            .find(|q| q.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The field of the value that is the record's key, unless `schema.keyfield` says
    /// another.
    pub fn key_field(self) -> &'static str {
        match self {
            Quickstart::TruckingPositions => "driverId",
            Quickstart::TruckingDrivers => "id",
            Quickstart::HotelPageviews | Quickstart::HotelLoyalty => "loyaltyId",
        }
    }

    /// Whether it is a table (rows by key in turn, by one task) rather than a stream
    /// of events.
    pub fn is_table(self) -> bool {
        matches!(self, Quickstart::TruckingDrivers | Quickstart::HotelLoyalty)
    }

    /// The schema of its values: a struct.
    pub fn value_schema(self) -> Result<Schema> {
        let (name, fields): (&str, &[FieldDef]) = match self {
            Quickstart::TruckingPositions => (
                "datagen.trucking.TruckPosition",
                &[
                    ("ts", Schema::int64),
                    ("truckId", Schema::int64),
                    ("driverId", Schema::int64),
                    ("routeId", Schema::int64),
                    ("eventType", Schema::string),
                    ("latitude", Schema::float64),
                    ("longitude", Schema::float64),
                    ("correlationId", Schema::int64),
                ],
            ),
            Quickstart::TruckingDrivers => (
                "datagen.trucking.Driver",
                &[
                    ("id", Schema::int64),
                    ("firstName", Schema::string),
                    ("lastName", Schema::string),
                    ("available", Schema::string),
                    ("birthdate", Schema::string),
                    ("last_update", Schema::int64),
                ],
            ),
            Quickstart::HotelPageviews => (
                "datagen.hotel.PageView",
                &[
                    ("sessionId", Schema::string),
                    ("timestamp", Schema::int64),
                    ("viewType", Schema::string),
                    ("propertyId", Schema::int64),
                    ("loyaltyId", Schema::int64),
                    ("origin", Schema::string),
                ],
            ),
            Quickstart::HotelLoyalty => (
                "datagen.hotel.LoyaltyMember",
                &[
                    ("loyaltyId", Schema::int64),
                    ("level", Schema::string),
                    ("email", Schema::string),
                    ("cc", Schema::string),
                ],
            ),
        };
        let builder = fields
            .iter()
            .try_fold(SchemaBuilder::record().name(name), |b, (field, schema)| {
                b.field(*field, schema())
            })?;
        Ok(builder.build())
    }

    /// Record `iteration` of `task` for `seed`, a struct of `schema` (its
    /// [`Quickstart::value_schema`]).
    pub(crate) fn generate(self, schema: &Schema, seed: u64, task: u64, iteration: u64) -> Result<Struct> {
        let mut rng = Rng::keyed(&[seed, task, iteration, RECORD]);
        let mut row = Struct::new(schema.clone())?;
        match self {
            Quickstart::TruckingPositions => {
                let driver = 1 + rng.below(DRIVERS) as i64;
                let event = if rng.below(10) == 0 {
                    rng.pick(EVENTS)
                } else {
                    "Normal"
                };
                row.put("ts", stepped(FIRST_POSITION_MS, iteration, 100))?
                    .put("truckId", 100 + driver)?
                    .put("driverId", driver)?
                    .put("routeId", ROUTES[rng.below(ROUTES.len() as u64) as usize])?
                    .put("eventType", event)?
                    .put("latitude", hundredths(3500 + rng.below(800) as i64))?
                    .put("longitude", hundredths(-9500 + rng.below(800) as i64))?
                    .put("correlationId", rng.next_u64() as i64)?;
            }
            Quickstart::TruckingDrivers => {
                let id = 1 + (iteration % DRIVERS) as i64;
                // Who the driver is stays the same each turn; availability does not.
                let mut person = Rng::keyed(&[seed, ENTITY, id as u64]);
                let birthdate = format!(
                    "{:02}-{}-{:02}",
                    1 + person.below(28),
                    person.pick(MONTHS),
                    55 + person.below(45)
                );
                row.put("id", id)?
                    .put("firstName", person.pick(FIRST_NAMES))?
                    .put("lastName", person.pick(LAST_NAMES))?
                    .put("available", if rng.below(4) == 0 { "N" } else { "Y" })?
                    .put("birthdate", birthdate)?
                    .put("last_update", stepped(FIRST_DRIVER_UPDATE_MS, iteration, 1000))?;
            }
            Quickstart::HotelPageviews => {
                let member = rng.below(MEMBERS);
                let mut session = Rng::keyed(&[seed, task, member, iteration / SESSION_ITERATIONS, SESSION]);
                let session_id = format!("{:014x}", session.next_u64() >> 8);
                row.put("sessionId", session_id)?
                    .put("timestamp", stepped(FIRST_VIEW_MS, iteration, 250))?
                    .put("viewType", rng.pick(VIEW_TYPES))?
                    .put("propertyId", 7800 + rng.below(200) as i64)?
                    .put("loyaltyId", FIRST_MEMBER + member as i64)?
                    .put("origin", rng.pick(ORIGINS))?;
            }
            Quickstart::HotelLoyalty => {
                let member = iteration % MEMBERS;
                let mut person = Rng::keyed(&[seed, ENTITY, member]);
                let card = format!("4{}", person.digits(15));
                let cc = format!(
                    "{}-{}-{}-{}",
                    &card[0..4],
                    &card[4..8],
                    &card[8..12],
                    &card[12..16]
                );
                let id = FIRST_MEMBER + member as i64;
                row.put("loyaltyId", id)?
                    .put("level", rng.pick(LEVELS))?
                    .put("email", format!("member{id}@example.com"))?
                    .put("cc", cc)?;
            }
        }
        Ok(row)
    }
}

/// The value of `row`'s field `name` with its schema: a record's key.
pub(crate) fn key_of(row: &Struct, name: &str) -> Result<(Schema, Value)> {
    let field = row
        .schema()
        .field(name)
        .ok_or_else(|| crate::Error::data(format!("{name} is not a valid field name")))?;
    Ok((field.schema().clone(), row.get_at(field.index()).clone()))
}
