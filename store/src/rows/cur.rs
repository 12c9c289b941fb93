//! A row of the `cur_line_items` table (migrations/0007_cur_line_items.sql):
//! one AWS Lambda line item of a Cost and Usage Report, and the
//! classification of Lambda usage types that the import and the
//! reconciliation share.

use crate::PicoUsd;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One line item of an AWS Cost and Usage Report (product `AWSLambda`).
///
/// - `import_id`: zero-padded epoch milliseconds of the import, then `-`
///   and the importing process id; the latest import of a billing period
///   and account is the one readers keep (see the migration).
/// - `kind`: [`UsageKind::as_str`] of the usage type; `arch` is `x86_64`
///   or `arm64` (the `-ARM` suffix), empty where the charge has none.
/// - `function`: the function name parsed from `resource_id` (an ARN),
///   without version or alias; empty when the report has no resource ids.
/// - `usage_amount`: in the usage type's unit (requests, GB-seconds, …).
/// - `unblended_cost`: exact, as the report writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clickhouse::Row)]
#[allow(missing_docs)]
pub struct CurLineItemRow {
    pub tenant: String,
    pub import_id: String,
    pub source_file: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub imported_at: DateTime<Utc>,
    #[serde(with = "clickhouse::serde::chrono::date")]
    pub billing_period: NaiveDate,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub usage_start: DateTime<Utc>,
    pub account: String,
    pub region: String,
    pub usage_type: String,
    pub kind: String,
    pub arch: String,
    pub operation: String,
    pub resource_id: String,
    pub function: String,
    pub line_item_type: String,
    pub line_item_id: String,
    pub usage_amount: f64,
    pub unblended_cost: PicoUsd,
}

/// What a Lambda usage type charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    /// `Request`, `Request-ARM`: requests.
    Requests,
    /// `Lambda-GB-Second`(`-ARM`): on-demand duration in GB-seconds.
    Duration,
    /// `Lambda-Provisioned-Concurrency`(`-ARM`): configured concurrency.
    ProvisionedConcurrency,
    /// `Lambda-Provisioned-GB-Second`(`-ARM`): duration on provisioned
    /// environments.
    ProvisionedDuration,
    /// Ephemeral storage above 512 MB (a usage type naming `Storage`).
    EphemeralStorage,
    /// SnapStart snapshot cache (a usage type naming `SnapStart` and `Cache`).
    SnapStartCache,
    /// SnapStart restore (a usage type naming `SnapStart` and `Restore`).
    SnapStartRestore,
    /// Lambda@Edge requests and duration (`Lambda-Edge-…`), billed under
    /// the same product code but not telemetry faasight receives.
    Edge,
    /// Anything else billed under `AWSLambda`: data transfer, response
    /// streaming, taxes and fees without a usage type, …
    Other,
}

impl UsageKind {
    /// The value stored in `cur_line_items.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageKind::Requests => "requests",
            UsageKind::Duration => "duration",
            UsageKind::ProvisionedConcurrency => "provisioned_concurrency",
            UsageKind::ProvisionedDuration => "provisioned_duration",
            UsageKind::EphemeralStorage => "ephemeral_storage",
            UsageKind::SnapStartCache => "snapstart_cache",
            UsageKind::SnapStartRestore => "snapstart_restore",
            UsageKind::Edge => "edge",
            UsageKind::Other => "other",
        }
    }

    /// The kind stored as `s` ([`UsageKind::as_str`]); `None` for anything else.
    pub fn parse(s: &str) -> Option<UsageKind> {
        [
            UsageKind::Requests,
            UsageKind::Duration,
            UsageKind::ProvisionedConcurrency,
            UsageKind::ProvisionedDuration,
            UsageKind::EphemeralStorage,
            UsageKind::SnapStartCache,
            UsageKind::SnapStartRestore,
            UsageKind::Edge,
            UsageKind::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// What people call it, for tables.
    pub fn label(self) -> &'static str {
        match self {
            UsageKind::Requests => "Requests",
            UsageKind::Duration => "Duration (GB-s)",
            UsageKind::ProvisionedConcurrency => "Provisioned concurrency",
            UsageKind::ProvisionedDuration => "Provisioned duration",
            UsageKind::EphemeralStorage => "Ephemeral storage",
            UsageKind::SnapStartCache => "SnapStart cache",
            UsageKind::SnapStartRestore => "SnapStart restore",
            UsageKind::Edge => "Lambda@Edge",
            UsageKind::Other => "Other",
        }
    }
}

/// Usage-type prefixes (AWS "Region billing codes") and their regions:
/// <https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html>
/// for North America, Africa and Asia Pacific; the European, Middle East
/// and South American codes listed here are the ones the Amazon S3 usage
/// report documentation also names (EU, EUC1, EUW2, EUW3, SAE1) or that
/// are in wide use in published reports (EUN1, EUS1, MES1). A prefix not
/// listed is never guessed: the region stays unknown and the import says so.
pub const REGION_BILLING_CODES: &[(&str, &str)] = &[
    ("USE1", "us-east-1"),
    ("USE2", "us-east-2"),
    ("USW1", "us-west-1"),
    ("USW2", "us-west-2"),
    ("CAN1", "ca-central-1"),
    ("CAN2", "ca-west-1"),
    ("MXC1", "mx-central-1"),
    ("AFS1", "af-south-1"),
    ("APE1", "ap-east-1"),
    ("APE2", "ap-east-2"),
    ("APN1", "ap-northeast-1"),
    ("APN2", "ap-northeast-2"),
    ("APN3", "ap-northeast-3"),
    ("APS1", "ap-southeast-1"),
    ("APS2", "ap-southeast-2"),
    ("APS3", "ap-south-1"),
    ("APS4", "ap-southeast-3"),
    ("APS5", "ap-south-2"),
    ("APS6", "ap-southeast-4"),
    ("APS7", "ap-southeast-5"),
    ("APS8", "ap-southeast-6"),
    ("APS9", "ap-southeast-7"),
    ("EU", "eu-west-1"),
    ("EUC1", "eu-central-1"),
    ("EUW2", "eu-west-2"),
    ("EUW3", "eu-west-3"),
    ("EUN1", "eu-north-1"),
    ("EUS1", "eu-south-1"),
    ("MES1", "me-south-1"),
    ("SAE1", "sa-east-1"),
];

/// A usage type split into its region prefix (if it has one) and the rest.
/// `USE1-Lambda-GB-Second` → (`Some("us-east-1")`, `Lambda-GB-Second`).
/// A usage type with no prefix is US East (N. Virginia)'s, as the S3 usage
/// report documentation says of "no prefix"; `Err(prefix)` is a prefix
/// that is not in [`REGION_BILLING_CODES`].
pub fn split_usage_type(usage_type: &str) -> Result<(&'static str, &str), String> {
    match usage_type.split_once('-') {
        Some((prefix, rest))
            if !prefix.is_empty()
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
        {
            REGION_BILLING_CODES
                .iter()
                .find(|(code, _)| *code == prefix)
                .map(|(_, region)| (*region, rest))
                .ok_or_else(|| prefix.to_string())
        }
        _ => Ok(("us-east-1", usage_type)),
    }
}

/// The kind and architecture of a usage type with its region prefix
/// removed (see [`split_usage_type`]).
pub fn classify_usage_type(charge: &str) -> (UsageKind, &'static str) {
    let (base, arm) = match charge.strip_suffix("-ARM") {
        Some(b) => (b, true),
        None => (charge, false),
    };
    let arch = if arm { "arm64" } else { "x86_64" };
    let kind = if base.starts_with("Lambda-Edge") {
        UsageKind::Edge
    } else if base == "Request" || base == "Requests" {
        UsageKind::Requests
    } else if base == "Lambda-GB-Second" {
        UsageKind::Duration
    } else if base == "Lambda-Provisioned-Concurrency" {
        UsageKind::ProvisionedConcurrency
    } else if base == "Lambda-Provisioned-GB-Second" {
        UsageKind::ProvisionedDuration
    } else if base.contains("SnapStart") && base.contains("Cache") {
        UsageKind::SnapStartCache
    } else if base.contains("SnapStart") && base.contains("Restore") {
        UsageKind::SnapStartRestore
    } else if base.starts_with("Lambda") && base.contains("Storage") {
        UsageKind::EphemeralStorage
    } else {
        UsageKind::Other
    };
    let arch = match kind {
        UsageKind::Other | UsageKind::Edge => "",
        _ => arch,
    };
    (kind, arch)
}

/// The function name of a Lambda ARN, without version or alias:
/// `arn:aws:lambda:us-east-1:123456789012:function:checkout:prod` →
/// `checkout`. Anything that is not a function ARN gives `None`.
pub fn function_from_arn(resource_id: &str) -> Option<&str> {
    let mut parts = resource_id.split(':');
    let (arn, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || service != "lambda" {
        return None;
    }
    let (_region, _account, kind, name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (kind == "function" && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types_split_into_region_and_charge() {
        assert_eq!(
            split_usage_type("USE2-Lambda-GB-Second-ARM"),
            Ok(("us-east-2", "Lambda-GB-Second-ARM"))
        );
        assert_eq!(split_usage_type("EU-Request"), Ok(("eu-west-1", "Request")));
        assert_eq!(
            split_usage_type("APS3-Request-ARM"),
            Ok(("ap-south-1", "Request-ARM"))
        );
        // No prefix: US East (N. Virginia).
        assert_eq!(
            split_usage_type("Lambda-GB-Second"),
            Ok(("us-east-1", "Lambda-GB-Second"))
        );
        assert_eq!(split_usage_type("Request"), Ok(("us-east-1", "Request")));
        assert_eq!(
            split_usage_type("ZZZ9-Lambda-GB-Second"),
            Err("ZZZ9".to_string())
        );
    }

    #[test]
    fn charges_are_classified_with_their_architecture() {
        use UsageKind::*;
        for (charge, kind, arch) in [
            ("Request", Requests, "x86_64"),
            ("Request-ARM", Requests, "arm64"),
            ("Lambda-GB-Second", Duration, "x86_64"),
            ("Lambda-GB-Second-ARM", Duration, "arm64"),
            (
                "Lambda-Provisioned-Concurrency",
                ProvisionedConcurrency,
                "x86_64",
            ),
            (
                "Lambda-Provisioned-GB-Second-ARM",
                ProvisionedDuration,
                "arm64",
            ),
            ("Lambda-Storage-GB-Second", EphemeralStorage, "x86_64"),
            ("Lambda-SnapStart-Cache-GB-Second", SnapStartCache, "x86_64"),
            ("Lambda-Edge-Request", Edge, ""),
            ("DataTransfer-Out-Bytes", Other, ""),
        ] {
            assert_eq!(classify_usage_type(charge), (kind, arch), "{charge}");
            assert_eq!(UsageKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(UsageKind::parse("nope"), None);
    }

    #[test]
    fn function_names_come_out_of_arns() {
        for (arn, name) in [
            (
                "arn:aws:lambda:us-east-1:123456789012:function:checkout",
                Some("checkout"),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:checkout:prod",
                Some("checkout"),
            ),
            (
                "arn:aws:lambda:eu-west-1:1:function:a-b_c:$LATEST",
                Some("a-b_c"),
            ),
            ("arn:aws:lambda:us-east-1:1:layer:x:3", None),
            ("arn:aws:s3:::bucket", None),
            ("", None),
        ] {
            assert_eq!(function_from_arn(arn), name, "{arn}");
        }
    }
}
