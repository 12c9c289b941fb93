//! One module per route: its component and the server functions it calls.

pub mod cold_starts;
pub mod overview;
pub mod recommendations;
