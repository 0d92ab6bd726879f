//! Planning grave-visit and recovery missions: which burial sites to visit on which day of a mission
//! window, in which order, so that the party travels as little as possible and no day runs over its
//! hours; and, for recovery missions, which sites promise the most identifications.
//!
//! * [`problem`]: the input (sites, families' visit requests with their mobility limits, the mission
//!   window, how travel times are known) checked and turned into a [`Problem`]; sites that cannot be
//!   visited even on their own are set aside there with the reason.
//! * [`schedule`]: the one place that knows the rules of a day ([`schedule::lay_out`]), and the
//!   printable [`Plan`] built from a solution.
//! * [`solve`]: the heuristic (nearest neighbour and cheapest insertion, then relocate, exchange,
//!   2-opt and or-opt until nothing improves, and room made for left-out sites by moving others);
//!   deterministic. A site is left out only when no day of the plan, used or not, can take it.
//! * [`exact`]: the exact solver for small instances, the reference the heuristic is tested against.
//! * [`priority`]: ranking recovery sites by expected identifications, with the score explained.
//! * [`render`]: the plan as Markdown (JSON is the serde form of [`Plan`]).
//!
//! Architecture invariant: no I/O, no async, no global state; all times are whole minutes, so
//! every result is exact and the same on every machine.

pub mod date;
pub mod exact;
pub mod geo;
pub mod priority;
pub mod problem;
pub mod render;
pub mod schedule;
pub mod solve;

pub use date::Date;
pub use geo::LatLon;
pub use problem::{
    Endpoint, MissionWindow, Mobility, Nights, Problem, ProblemError, Site, Travel, TravelTable, VisitDurations,
    VisitRequest,
};
pub use schedule::{Plan, Solution};
