//! A month's bill per provider, billing scope, region and architecture.
//! The rules (regional prices, tiers, free grants per billing scope) are
//! provider knowledge and live in `faasight-pricing`'s `monthly` module;
//! this re-export keeps the analyzer's public paths.

pub use faasight_pricing::monthly::{
    add_invocations, monthly_bill, BillLine, BillOptions, BillingScope, Meter, NodePrice, Usage,
};
