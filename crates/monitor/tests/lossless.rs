//! Property tests: generated records in every value shape convert losslessly (each source
//! leaf is rebuilt from a column or from `extra`), counts reconcile, and arbitrary bytes never
//! panic.

mod common;

use azlog_monitor::MonitorParser;
use azlog_schema::{BatchBuilder, Origin, RecordParser};
use proptest::prelude::*;

/// A JSON value spelled as text.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ./:_-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("\"\"".to_string()),
        Just("\"null\"".to_string()),
        Just("\"<null>\"".to_string()),
        Just("\"-\"".to_string()),
        Just("\"-1\"".to_string()),
        Just("\"041\"".to_string()),
        (-100_000i64..100_000).prop_map(|n| n.to_string()),
        (-100_000i64..100_000).prop_map(|n| format!("\"{n}\"")),
        Just("1.0".to_string()),
        Just("2.50".to_string()),
        Just("1e3".to_string()),
        Just("-0.0".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[1,\"a\",{\"b\":null}]".to_string()),
        Just("\"caf\\u00e9 \\\\u0026 \\\"q\\\"\"".to_string()),
    ]
}

/// Values shaped like what the known keys expect.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"2024-07-14T09:30:00.1234567Z\"".to_string()),
        Just("\"2024-07-14T09:30:00Z\"".to_string()),
        Just("\"7/14/2024 9:06:42 AM +00:00\"".to_string()),
        Just("\"203.0.113.9:61522\"".to_string()),
        Just("\"[2001:db8::1]:443\"".to_string()),
        Just("\"2001:DB8::1\"".to_string()),
        Just("\"::ffff:10.0.0.1\"".to_string()),
        Just("\"11111111-2222-4333-8444-555555555555\"".to_string()),
        Just("\"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\"".to_string()),
        Just("\"West Europe\"".to_string()),
        Just("\"westeurope\"".to_string()),
        Just("\"Informational\"".to_string()),
        Just("\"informational\"".to_string()),
        Just("4".to_string()),
        Just(
            "\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V\""
                .to_string()
        ),
        Just("\"HTTPS\"".to_string()),
        Just("\"https\"".to_string()),
        Just("\"0\"".to_string()),
        Just("\"Success\"".to_string()),
    ]
}

const TOP_KEYS: &[&str] = &[
    "time",
    "Time",
    "timeStamp",
    "EventTimeString",
    "resourceId",
    "ResourceId",
    "tenantId",
    "operationName",
    "resultType",
    "ResultType",
    "resultSignature",
    "resultDescription",
    "durationMs",
    "callerIpAddress",
    "correlationId",
    "level",
    "Level",
    "location",
    "schemaVersion",
    "statusCode",
    "statusText",
    "protocol",
    "uri",
    "status",
    "caller",
    "eventTimestamp",
    "unknownKey",
    "Other_Key",
];

const CATEGORIES: &[&str] = &[
    "Administrative",
    "Policy",
    "AuditEvent",
    "StorageRead",
    "StorageDelete",
    "SignInLogs",
    "ManagedIdentitySignInLogs",
    "AuditLogs",
    "Audit",
    "FunctionAppLogs",
    "Action",
];

const PROP_KEYS: &[&str] = &[
    "httpStatusCode",
    "requestUri",
    "id",
    "clientInfo",
    "statusCode",
    "statusMessage",
    "requestBodySize",
    "responseBodySize",
    "objectKey",
    "userAgentHeader",
    "serverLatencyMs",
    "clientRequestId",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "authenticationRequirement",
    "resourceDisplayName",
    "userAgent",
    "result",
    "resultReason",
    "createdDateTime",
    "activityDateTime",
    "other",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![scalar(), typed()]
}

fn members(
    keys: &'static [&'static str],
    n: usize,
) -> impl Strategy<Value = Vec<(String, String)>> {
    // Exact duplicate keys make JSON ambiguous (readers keep the first or the last), so each
    // key appears once; keys differing only in case are kept.
    prop::collection::vec((prop::sample::select(keys), value()), 0..n).prop_map(|v| {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|(k, _)| seen.insert(*k))
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    })
}

fn object(m: &[(String, String)]) -> String {
    let body: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", body.join(","))
}

/// A whole record: envelope keys, a category, `properties` (object or JSON string),
/// `identity` with claims / requester / a plain or JSON string.
fn record() -> impl Strategy<Value = String> {
    (
        members(TOP_KEYS, 10),
        prop::sample::select(CATEGORIES),
        members(PROP_KEYS, 8),
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some("\"Alex Analyst\"".to_string())),
            Just(Some(r#"{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"a@b.c","appid":"0A1B2C3D-4E5F-4A6B-8C7D-8E9F0A1B2C3D","oid":"x"},"authorization":{"scope":"/s"}}"#.to_string())),
            Just(Some(r#"{"claim":{"upn":"kv@b.c","tid":"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"}}"#.to_string())),
            Just(Some(r#"{"type":"OAuth","requester":{"upn":"s@b.c","objectId":"11111111-2222-4333-8444-555555555555"}}"#.to_string())),
            Just(Some(r#""{\"claims\":{\"appid\":\"z\"}}""#.to_string())),
        ],
    )
        .prop_map(|(mut top, cat, props, props_as_string, identity)| {
            top.push(("category".into(), format!("\"{cat}\"")));
            let p = object(&props);
            let p = if props_as_string {
                let mut s = String::new();
                azlog_schema::push_json_string(&mut s, &p);
                s
            } else {
                p
            };
            top.push(("properties".into(), p));
            if let Some(i) = identity {
                top.push(("identity".into(), i));
            }
            object(&top)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn generated_records_round_trip(records in prop::collection::vec(record(), 1..8)) {
        let input = records.join("\n");
        let mut origin = Origin::whole_file("gen.jsonl");
        origin.keep_raw = true;
        let mut p = MonitorParser::new();
        let mut out = BatchBuilder::new(5);
        let mut rejects = Vec::new();
        let stats = p.parse(input.as_bytes(), &origin, &mut out, &mut rejects);
        prop_assert!(stats.reconciles());
        prop_assert_eq!(stats.rows as usize, records.len(), "rejects: {:?}", rejects);
        let mut i = 0;
        for b in out.take_batches().expect("batches") {
            use arrow_array::cast::AsArray;
            let raw = b.column(azlog_schema::col::raw).as_binary::<i32>().clone();
            for row in 0..b.num_rows() {
                prop_assert_eq!(raw.value(row), records[i].as_bytes());
                let lost = common::lost_leaves(raw.value(row), &b, row);
                prop_assert!(lost.is_empty(), "record {}\nlost {:?}", records[i], lost);
                i += 1;
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_reconcile(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut p = MonitorParser::new();
        let mut out = BatchBuilder::new(3);
        let mut rejects = Vec::new();
        let stats = p.parse(&bytes, &Origin::whole_file("x"), &mut out, &mut rejects);
        prop_assert!(stats.reconciles());
        prop_assert_eq!(stats.rejected as usize, rejects.len());
        prop_assert_eq!(out.len() as u64, stats.rows);
    }

    #[test]
    fn mutated_records_never_panic(rec in record(), cut in 0usize..2000, flip in any::<u8>()) {
        let mut bytes = rec.into_bytes();
        if !bytes.is_empty() {
            let at = cut % bytes.len();
            bytes[at] = flip;
            bytes.truncate(cut.max(1));
        }
        for wrapped in [false, true] {
            let input = if wrapped {
                let mut v = b"{\"records\":[".to_vec();
                v.extend_from_slice(&bytes);
                v
            } else {
                bytes.clone()
            };
            let mut p = MonitorParser::new();
            let mut out = BatchBuilder::new(3);
            let mut rejects = Vec::new();
            let stats = p.parse(&input, &Origin::whole_file("x"), &mut out, &mut rejects);
            prop_assert!(stats.reconciles());
        }
    }
}

/// The checker itself can fail: a row checked against another record's source loses leaves.
#[test]
fn the_checker_detects_lost_fields() {
    let a = br#"{"time":"2024-07-14T09:30:00.1234567Z","category":"Custom","operationName":"A"}"#;
    let b =
        br#"{"time":"2024-07-14T09:30:00.1234567Z","category":"Custom","operationName":"B","x":1}"#;
    let mut p = MonitorParser::new();
    let mut out = BatchBuilder::default();
    p.parse(a, &Origin::whole_file("a"), &mut out, &mut Vec::new());
    let batches = out.take_batches().expect("batches");
    assert!(common::lost_leaves(a, &batches[0], 0).is_empty());
    let lost = common::lost_leaves(b, &batches[0], 0);
    assert_eq!(lost, ["operationName = \"B\"", "x = 1"]);
}
