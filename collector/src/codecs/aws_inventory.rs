//! AWS Lambda configuration inventories, as the AWS CLI prints them:
//!
//! - `aws lambda list-functions [--function-version ALL]`: `{"Functions":
//!   [FunctionConfiguration, …]}`, fields as in
//!   <https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html>
//!   (`FunctionName`, `FunctionArn`, `Runtime`, `Timeout` in seconds,
//!   `MemorySize` in MB, `LastModified`, `Version`, `PackageType`,
//!   `Architectures`, `EphemeralStorage.Size` in MB, `SnapStart.ApplyOn`
//!   and `.OptimizationStatus`).
//! - `aws lambda list-provisioned-concurrency-configs --function-name F`:
//!   `{"ProvisionedConcurrencyConfigs": [...]}`, fields as in
//!   <https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedConcurrencyConfigListItem.html>
//!   (`FunctionArn` qualified by the alias or version,
//!   `RequestedProvisionedConcurrencyExecutions`,
//!   `AllocatedProvisionedConcurrencyExecutions`, `Status`, `LastModified`).
//!
//! Account, region, function and qualifier come from the ARN
//! (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
//! Where the API documents a default for a field older CLI versions omit,
//! the default is used: `Architectures` `["x86_64"]`, `PackageType` `Zip`,
//! `EphemeralStorage` 512 MB. Anything else missing or out of the API's
//! ranges is refused with the entry's position and the field's name.

use chrono::{DateTime, Utc};
use faasight_store::rows::inventory::{KIND_FUNCTION, KIND_PROVISIONED};
use faasight_store::FunctionConfigRow;
use serde::Deserialize;

/// Why an inventory file was refused.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InventoryError(pub String);

/// The parts of a Lambda ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaArn {
    /// Region code.
    pub region: String,
    /// Account id.
    pub account: String,
    /// Function name.
    pub function: String,
    /// Version or alias; empty when the ARN is unqualified.
    pub qualifier: String,
}

/// Parses `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
pub fn parse_lambda_arn(arn: &str) -> Option<LambdaArn> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7
        || parts.len() > 8
        || parts[0] != "arn"
        || parts[2] != "lambda"
        || parts[5] != "function"
        || parts[3].is_empty()
        || parts[4].is_empty()
        || parts[6].is_empty()
    {
        return None;
    }
    Some(LambdaArn {
        region: parts[3].to_string(),
        account: parts[4].to_string(),
        function: parts[6].to_string(),
        qualifier: parts.get(7).map_or(String::new(), |q| q.to_string()),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FunctionList {
    functions: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FunctionConfiguration {
    function_arn: Option<String>,
    runtime: Option<String>,
    timeout: Option<u64>,
    memory_size: Option<u64>,
    last_modified: Option<String>,
    version: Option<String>,
    package_type: Option<String>,
    architectures: Option<Vec<String>>,
    ephemeral_storage: Option<EphemeralStorage>,
    snap_start: Option<SnapStart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EphemeralStorage {
    size: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnapStart {
    apply_on: Option<String>,
    optimization_status: Option<String>,
}

/// Parses `aws lambda list-functions` output into one row per function
/// version listed, seen at `seen_at`.
pub fn parse_list_functions(
    text: &str,
    tenant: &str,
    seen_at: DateTime<Utc>,
) -> Result<Vec<FunctionConfigRow>, InventoryError> {
    let list: FunctionList = serde_json::from_str(text).map_err(|e| {
        InventoryError(format!(
            "not the JSON `aws lambda list-functions` prints: {e}"
        ))
    })?;
    let functions = list.functions.ok_or_else(|| {
        InventoryError("no `Functions` array: not `aws lambda list-functions` output".into())
    })?;
    functions
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let at =
                |field: &str, why: String| InventoryError(format!("Functions[{i}].{field}: {why}"));
            let f: FunctionConfiguration = serde_json::from_value(value)
                .map_err(|e| InventoryError(format!("Functions[{i}]: {e}")))?;
            let arn_text = f
                .function_arn
                .ok_or_else(|| at("FunctionArn", "missing".into()))?;
            let arn = parse_lambda_arn(&arn_text).ok_or_else(|| {
                at(
                    "FunctionArn",
                    format!("{arn_text:?} is not a Lambda function ARN"),
                )
            })?;
            let memory = f
                .memory_size
                .ok_or_else(|| at("MemorySize", "missing".into()))?;
            if !(128..=10_240).contains(&memory) {
                return Err(at(
                    "MemorySize",
                    format!("{memory} MB is outside Lambda's 128–10,240 MB"),
                ));
            }
            let timeout = f.timeout.ok_or_else(|| at("Timeout", "missing".into()))?;
            if !(1..=900).contains(&timeout) {
                return Err(at(
                    "Timeout",
                    format!("{timeout} s is outside Lambda's 1–900 s"),
                ));
            }
            let arch = match f.architectures.as_deref() {
                None | Some([]) => "x86_64".to_string(),
                Some([a]) if a == "x86_64" || a == "arm64" => a.clone(),
                Some(other) => {
                    return Err(at(
                        "Architectures",
                        format!("{other:?} is not [\"x86_64\"] or [\"arm64\"]"),
                    ))
                }
            };
            let package_type = f.package_type.unwrap_or_else(|| "Zip".into());
            if package_type != "Zip" && package_type != "Image" {
                return Err(at(
                    "PackageType",
                    format!("{package_type:?} is not Zip or Image"),
                ));
            }
            let storage = f.ephemeral_storage.and_then(|e| e.size).unwrap_or(512);
            if !(512..=10_240).contains(&storage) {
                return Err(at(
                    "EphemeralStorage.Size",
                    format!("{storage} MB is outside 512–10,240 MB"),
                ));
            }
            let (apply_on, status) = f.snap_start.map_or((String::new(), String::new()), |s| {
                (
                    s.apply_on.unwrap_or_default(),
                    s.optimization_status.unwrap_or_default(),
                )
            });
            // An unqualified ARN is $LATEST unless `Version` says otherwise.
            let qualifier = if arn.qualifier.is_empty() {
                f.version.unwrap_or_else(|| "$LATEST".into())
            } else {
                arn.qualifier
            };
            Ok(FunctionConfigRow {
                tenant: tenant.to_string(),
                provider: faasight_pricing::Provider::AwsLambda.as_str().into(),
                account: arn.account,
                region: arn.region,
                function: arn.function,
                qualifier,
                kind: KIND_FUNCTION.into(),
                memory_mb: memory as u32,
                timeout_ms: (timeout * 1_000) as u32,
                runtime: f.runtime.unwrap_or_default(),
                arch,
                package_type,
                ephemeral_storage_mb: storage as u32,
                snapstart_apply_on: apply_on,
                snapstart_status: status,
                last_modified: f.last_modified.unwrap_or_default(),
                seen_at,
                source: "aws-lambda-functions".into(),
                ..FunctionConfigRow::default()
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProvisionedList {
    provisioned_concurrency_configs: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProvisionedConfig {
    function_arn: Option<String>,
    requested_provisioned_concurrency_executions: Option<u32>,
    allocated_provisioned_concurrency_executions: Option<u32>,
    status: Option<String>,
    last_modified: Option<String>,
}

/// Parses `aws lambda list-provisioned-concurrency-configs` output into one
/// row per alias or version, seen at `seen_at`.
pub fn parse_provisioned_concurrency(
    text: &str,
    tenant: &str,
    seen_at: DateTime<Utc>,
) -> Result<Vec<FunctionConfigRow>, InventoryError> {
    let list: ProvisionedList = serde_json::from_str(text).map_err(|e| {
        InventoryError(format!(
            "not the JSON `aws lambda list-provisioned-concurrency-configs` prints: {e}"
        ))
    })?;
    let configs = list.provisioned_concurrency_configs.ok_or_else(|| {
        InventoryError(
            "no `ProvisionedConcurrencyConfigs` array: not `aws lambda list-provisioned-concurrency-configs` output"
                .into(),
        )
    })?;
    configs
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let at = |field: &str, why: String| {
                InventoryError(format!("ProvisionedConcurrencyConfigs[{i}].{field}: {why}"))
            };
            let c: ProvisionedConfig = serde_json::from_value(value)
                .map_err(|e| InventoryError(format!("ProvisionedConcurrencyConfigs[{i}]: {e}")))?;
            let arn_text = c
                .function_arn
                .ok_or_else(|| at("FunctionArn", "missing".into()))?;
            let arn = parse_lambda_arn(&arn_text)
                .filter(|a| !a.qualifier.is_empty())
                .ok_or_else(|| {
                    at(
                        "FunctionArn",
                        format!(
                            "{arn_text:?} is not a Lambda ARN qualified by an alias or version"
                        ),
                    )
                })?;
            let requested = c
                .requested_provisioned_concurrency_executions
                .ok_or_else(|| {
                    at(
                        "RequestedProvisionedConcurrencyExecutions",
                        "missing".into(),
                    )
                })?;
            Ok(FunctionConfigRow {
                tenant: tenant.to_string(),
                provider: faasight_pricing::Provider::AwsLambda.as_str().into(),
                account: arn.account,
                region: arn.region,
                function: arn.function,
                qualifier: arn.qualifier,
                kind: KIND_PROVISIONED.into(),
                provisioned_requested: requested,
                provisioned_allocated: c.allocated_provisioned_concurrency_executions.unwrap_or(0),
                provisioned_status: c.status.unwrap_or_default(),
                last_modified: c.last_modified.unwrap_or_default(),
                seen_at,
                source: "aws-provisioned-concurrency".into(),
                ..FunctionConfigRow::default()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn seen() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap()
    }

    /// Shaped as the AWS CLI v2 prints `aws lambda list-functions`
    /// (fields and nesting from the API reference; values made up).
    const LIST_FUNCTIONS: &str = r#"{
    "Functions": [
        {
            "FunctionName": "checkout",
            "FunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:checkout",
            "Runtime": "python3.12",
            "Role": "arn:aws:iam::123456789012:role/checkout-role",
            "Handler": "app.handler",
            "CodeSize": 5242,
            "Description": "",
            "Timeout": 30,
            "MemorySize": 1024,
            "LastModified": "2026-10-01T16:47:28.490+0000",
            "CodeSha256": "zMYAEbwJFTbU2RUPEtfT6Vuk4wNoV1I5YL5hHMtUM9k=",
            "Version": "$LATEST",
            "TracingConfig": { "Mode": "PassThrough" },
            "RevisionId": "c9a7c6e6-1f0b-4a5f-9c1d-0e3c2b1a0f9e",
            "PackageType": "Zip",
            "Architectures": [ "arm64" ],
            "EphemeralStorage": { "Size": 2048 },
            "SnapStart": { "ApplyOn": "PublishedVersions", "OptimizationStatus": "On" },
            "LoggingConfig": { "LogFormat": "Text", "LogGroup": "/aws/lambda/checkout" }
        },
        {
            "FunctionName": "render",
            "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:render",
            "Timeout": 900,
            "MemorySize": 10240,
            "Version": "$LATEST",
            "PackageType": "Image"
        }
    ]
}"#;

    #[test]
    fn list_functions_as_the_cli_prints_it() {
        let rows = parse_list_functions(LIST_FUNCTIONS, "t", seen()).unwrap();
        assert_eq!(rows.len(), 2);
        let c = &rows[0];
        assert_eq!(
            (
                c.account.as_str(),
                c.region.as_str(),
                c.function.as_str(),
                c.qualifier.as_str()
            ),
            ("123456789012", "eu-west-1", "checkout", "$LATEST")
        );
        assert_eq!(
            (c.memory_mb, c.timeout_ms, c.ephemeral_storage_mb),
            (1024, 30_000, 2048)
        );
        assert_eq!(
            (c.arch.as_str(), c.package_type.as_str(), c.runtime.as_str()),
            ("arm64", "Zip", "python3.12")
        );
        assert_eq!(
            (c.snapstart_apply_on.as_str(), c.snapstart_status.as_str()),
            ("PublishedVersions", "On")
        );
        assert_eq!((c.kind.as_str(), c.seen_at), ("function", seen()));
        // Documented defaults for fields the entry omits.
        let r = &rows[1];
        assert_eq!(
            (
                r.arch.as_str(),
                r.ephemeral_storage_mb,
                r.package_type.as_str()
            ),
            ("x86_64", 512, "Image")
        );
        assert_eq!(r.runtime, "");
    }

    #[test]
    fn bad_entries_are_refused_with_their_field() {
        let e = parse_list_functions(r#"{"Functions":[{"FunctionArn":"arn:aws:lambda:us-east-1:1:function:f","Timeout":3}]}"#, "t", seen())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Functions[0].MemorySize") && e.contains("missing"),
            "{e}"
        );
        let e = parse_list_functions(
            r#"{"Functions":[{"FunctionArn":"arn:aws:s3:::bucket","Timeout":3,"MemorySize":128}]}"#,
            "t",
            seen(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("FunctionArn"), "{e}");
        let e = parse_list_functions(r#"{"Functions":[{"FunctionArn":"arn:aws:lambda:us-east-1:1:function:f","Timeout":3,"MemorySize":64}]}"#, "t", seen())
            .unwrap_err()
            .to_string();
        assert!(e.contains("MemorySize") && e.contains("64 MB"), "{e}");
        let e = parse_list_functions(r#"{"ProvisionedConcurrencyConfigs":[]}"#, "t", seen())
            .unwrap_err()
            .to_string();
        assert!(e.contains("Functions"), "{e}");
    }

    #[test]
    fn provisioned_concurrency_configs_as_the_cli_prints_them() {
        // Shaped as the CLI reference's example output.
        let text = r#"{
    "ProvisionedConcurrencyConfigs": [
        {
            "FunctionArn": "arn:aws:lambda:us-east-2:123456789012:function:my-function:GREEN",
            "RequestedProvisionedConcurrencyExecutions": 100,
            "AvailableProvisionedConcurrencyExecutions": 100,
            "AllocatedProvisionedConcurrencyExecutions": 100,
            "Status": "READY",
            "LastModified": "2019-12-31T20:29:00+0000"
        },
        {
            "FunctionArn": "arn:aws:lambda:us-east-2:123456789012:function:my-function:BLUE",
            "RequestedProvisionedConcurrencyExecutions": 100,
            "AvailableProvisionedConcurrencyExecutions": 100,
            "AllocatedProvisionedConcurrencyExecutions": 100,
            "Status": "READY",
            "LastModified": "2019-12-31T20:28:49+0000"
        }
    ]
}"#;
        let rows = parse_provisioned_concurrency(text, "t", seen()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].function.as_str(),
                rows[0].qualifier.as_str(),
                rows[0].provisioned_allocated
            ),
            ("my-function", "GREEN", 100)
        );
        assert_eq!(
            (rows[1].qualifier.as_str(), rows[1].kind.as_str()),
            ("BLUE", "provisioned_concurrency")
        );
        // An unqualified ARN cannot carry Provisioned Concurrency.
        let e = parse_provisioned_concurrency(
            r#"{"ProvisionedConcurrencyConfigs":[{"FunctionArn":"arn:aws:lambda:us-east-2:1:function:f","RequestedProvisionedConcurrencyExecutions":1}]}"#,
            "t",
            seen(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("qualified"), "{e}");
    }

    #[test]
    fn arns() {
        assert_eq!(
            parse_lambda_arn("arn:aws-cn:lambda:cn-north-1:1:function:f:3"),
            Some(LambdaArn {
                region: "cn-north-1".into(),
                account: "1".into(),
                function: "f".into(),
                qualifier: "3".into()
            })
        );
        assert_eq!(
            parse_lambda_arn("arn:aws:lambda:us-east-1:1:layer:l:1"),
            None
        );
        assert_eq!(parse_lambda_arn("checkout"), None);
    }
}
