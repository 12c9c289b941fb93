//! End-to-end tests: the `faasight` binary against private ClickHouse
//! servers, the SQL on a current ClickHouse engine (chDB), and the web UI in
//! headless Chromium. One test binary, one module per area.

mod e2e;
