//! One module per route: its component and the server functions it calls,
//! side by side.

pub mod cold_starts;
pub mod cost;
pub mod dashboards;
pub mod function;
pub mod functions;
pub mod insights;
pub mod overview;
pub mod rightsizing;
pub mod traces;
