//! faasight's web UI: Leptos pages rendered on the server, then hydrated in
//! the browser, served by axum.
//!
//! The crate builds twice: with `ssr` it is the server (it reads ClickHouse
//! through the analyzer and draws charts as SVG with plotters), with
//! `hydrate` it is the WebAssembly bundle that makes the same pages
//! interactive. Data types shared by both live in `model`; everything that
//! touches the database or plotters is behind `ssr`.
#![deny(missing_docs)]

pub mod app;
pub mod components;
pub mod format;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
mod chart;
#[cfg(feature = "ssr")]
mod scope;
#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub use server::{router, serve, AppState, WebConfig, OUTPUT_NAME};

/// Entry point of the browser bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
