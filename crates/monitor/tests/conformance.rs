//! Conformance on the real samples in `shared/testdata-peers` (read in place: several are
//! ELv2 and must not be copied into the repository). Skips with a message when the folder is
//! absent.
//!
//! Expected counts were established independently of this parser with Python's `json`
//! module: a file that parses as one document with a `records` array counts its elements;
//! otherwise every non-blank line counts as one record (or, for a line holding `records`, its
//! elements), and a line `json.loads` refuses counts as one reject.

mod common;

use std::path::PathBuf;

use azlog_monitor::MonitorParser;
use azlog_schema::{BatchBuilder, Origin, RecordParser};

fn peers() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata-peers"
    ));
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipping: {} not found", p.display());
        None
    }
}

/// `(file, rows, rejects as (reason, offset, line), substrings the dump must contain)`.
type Case = (
    &'static str,
    u64,
    &'static [(&'static str, u64, u64)],
    &'static [&'static str],
);

const CASES: &[Case] = &[
    (
        "elastic-beats/azure-activitylogs/activity_log.json",
        2,
        &[],
        &[
            "log_family=\"activity_log\"",
            "format_version=\"storage-export\"",
            "result_signature=\"Failed.NotFound\"",
            "outcome=\"failure\"",
            "src_ip=\"51.191.161.11\"",
            "json_path=\"$.records[1]\"",
            "source_line=3 ",
        ],
    ),
    (
        "elastic-beats/azure-activitylogs/activitylogs_ipv6.log",
        1,
        &[],
        &[
            "src_ip=\"2603:c022:c000:301:41db:be0e:16ba:b4d7\"",
            "log_family=\"activity_log\"",
        ],
    ),
    (
        "elastic-integrations/azure/activitylogs/test-activitylogs-raw.log",
        1,
        &[],
        &[
            "category=\"Action\"",
            "src_ip=\"81.2.69.144\"",
            "resource_group=\"sa-hema\"",
        ],
    ),
    (
        "elastic-integrations/azure/activitylogs/test-time-formats-corner-cases.log",
        11,
        &[],
        &[
            "event_time=2007-01-09T09:41:00.000000Z",
            "event_time=2007-01-09T09:41:00.220000Z",
            "event_time=2007-01-09T09:41:00.535404Z event_time_extra_ns=56",
            "event_time=2007-01-09T09:41:00.681666Z event_time_extra_ns=300",
            "event_time=2007-01-09T09:41:00.992099Z",
        ],
    ),
    (
        "elastic-integrations/azure/auditlogs/test-auditlogs-raw.log",
        3,
        &[],
        &[
            "category=\"AuditLogs\"",
            "outcome=\"success\"",
            "app_name=\"Device Registration Service\"",
            "user_name=\"UserName\"",
            "target_object=\"LAPTOP-12\"",
        ],
    ),
    (
        "elastic-integrations/azure/platformlogs/test-platformlogs-identity.log",
        1,
        &[],
        &[
            "category=\"OperationalLogs\"",
            "event_time=2020-11-03T09:06:42.000000Z",
        ],
    ),
    (
        "elastic-integrations/azure/platformlogs/test-platformlogs-invalid-raw.log",
        2,
        &[("invalid_json", 0, 1)],
        &[
            "category=\"Connections\"",
            "category=\"DirectMethods\"",
            "duration_ms=6",
            "region=\"westeurope\"",
        ],
    ),
    (
        "elastic-integrations/azure/platformlogs/test-platformlogs-malformed-json.log",
        0,
        &[("invalid_json", 0, 1)],
        &[],
    ),
    (
        "elastic-integrations/azure/signinlogs/test-alternative-time-and-duration-as-string.log",
        1,
        &[],
        &[
            "category=\"ServicePrincipalSignInLogs\"",
            "event_time=2025-11-14T01:48:53.000000Z",
            "outcome=\"success\"",
            "ocsf_class_uid=3002",
            "duration_ms=0",
        ],
    ),
    (
        "elastic-integrations/azure/signinlogs/test-signinlogs-raw.log",
        2,
        &[],
        &[
            "user_name=\"test@elastic.co\"",
            "result_type=\"50140\"",
            "outcome=\"failure\"",
            "src_geo_country=\"FR\"",
            "level=\"informational\"",
        ],
    ),
    (
        "elastic-integrations/azure_network_watcher_nsg/test-nsg.log",
        1,
        &[],
        &["category=\"NetworkSecurityGroupFlowEvent\""],
    ),
    (
        "elastic-integrations/azure_network_watcher_nsg/testdata.log",
        2,
        &[],
        &["json_path=\"$.records[1]\""],
    ),
    (
        "elastic-integrations/azure_network_watcher_vnet/test-vnet.log",
        1,
        &[],
        &["category=\"FlowLogFlowEvent\""],
    ),
    (
        "elastic-integrations/azure_network_watcher_vnet/testdata.log",
        1,
        &[],
        &["category=\"FlowLogFlowEvent\""],
    ),
    (
        "otel-collector-contrib/azureencoding-activitylogs/administrative-log.json",
        1,
        &[],
        &[
            "category=\"Administrative\"",
            "duration_ms=0",
            "resource_type=\"microsoft.insights/diagnosticsettings\"",
        ],
    ),
    (
        "otel-collector-contrib/azureencoding-general/maximum.json",
        3,
        &[],
        &[
            "category=\"AuditEvent\"",
            "user_id=\"607964b6-41a5-4e24-a5db-db7aab3b9b34\"",
            "duration_ms=4321",
            "level=\"warning\"",
        ],
    ),
    (
        "otel-collector-contrib/azureencoding-storage/storage-read-log.json",
        1,
        &[],
        &[
            "category=\"StorageRead\"",
            "format_version=\"2.1\"",
            "auth_type=\"DelegationSAS\"",
            "http_status=500",
            "src_ip=\"172.16.254.1\"",
            "app_protocol=\"https\"",
        ],
    ),
    (
        "otel-collector-contrib/azurelogs-azurevnetflowlog/valid_1.json",
        1,
        &[],
        &["category=\"FlowLogFlowEvent\""],
    ),
    (
        "otel-collector-contrib/azurelogs-cornercases/bad_level.json",
        1,
        &[],
        &["category=\"GatewayLogs\"", "level=\"informational\""],
    ),
    (
        "otel-collector-contrib/azurelogs-cornercases/identity_as_string.json",
        1,
        &[],
        &[
            "category=\"NonExistentCategory\"",
            "identity\\\":\\\"John Doe\\\"",
        ],
    ),
    (
        "plaso/azure_activity_log.jsonl",
        4,
        &[],
        &[
            "format_version=\"api-export\"",
            "log_family=\"activity_log\"",
            "http_method=\"DELETE\"",
            "user_name=\"fakeemail@fakedomain.com\"",
            "record_uid=\"587eda65-125e-48c2-9b04-ab5e8d3a1d8e\"",
        ],
    ),
    (
        "plaso/azure_application_gateway_access.json",
        2,
        &[],
        &[
            "category=\"ApplicationGatewayAccessLog\"",
            "event_time=2021-10-14T22:17:11.000000Z",
        ],
    ),
];

#[test]
fn every_peer_sample_converts_with_its_expected_counts() {
    let Some(root) = peers() else { return };
    for &(file, rows, want_rejects, needles) in CASES {
        let input = std::fs::read(root.join(file)).expect(file);
        let mut origin = Origin::whole_file(file);
        origin.json_path = true;
        let mut p = MonitorParser::new();
        let mut out = BatchBuilder::default();
        let mut rejects = Vec::new();
        let stats = p.parse(&input, &origin, &mut out, &mut rejects);
        assert!(stats.reconciles(), "{file}: {stats:?}");
        assert_eq!(stats.rows, rows, "{file}: rows");
        let got: Vec<_> = rejects
            .iter()
            .map(|r| (r.reason, r.offset, r.line))
            .collect();
        assert_eq!(got, want_rejects, "{file}: rejects");
        let batches = out.take_batches().expect("batches");
        let dump = azlog_schema::dump::dump_batches(&batches);
        for n in needles {
            assert!(dump.contains(n), "{file}: missing {n}\n{dump}");
        }
    }
}

/// The round-trip rule holds on every real record: each source leaf is in a column or in
/// `extra` (raw kept so each row's source bytes are at hand).
#[test]
fn every_peer_record_is_lossless() {
    let Some(root) = peers() else { return };
    for &(file, ..) in CASES {
        let input = std::fs::read(root.join(file)).expect(file);
        let mut origin = Origin::whole_file(file);
        origin.keep_raw = true;
        let mut p = MonitorParser::new();
        let mut out = BatchBuilder::default();
        p.parse(&input, &origin, &mut out, &mut Vec::new());
        for b in out.take_batches().expect("batches") {
            use arrow_array::cast::AsArray;
            let raw = b.column(azlog_schema::col::raw).as_binary::<i32>().clone();
            for row in 0..b.num_rows() {
                let lost = common::lost_leaves(raw.value(row), &b, row);
                assert!(lost.is_empty(), "{file} row {row}: lost {lost:?}");
            }
        }
    }
}

#[test]
fn every_file_in_the_peer_folder_is_covered() {
    let Some(root) = peers() else { return };
    let mut listed: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    listed.push("azure-sentinel-hackathon/000000.log"); // Storage Analytics, not this family.
    listed.push("SOURCES.md");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .expect("prefix")
                    .to_string_lossy()
                    .replace('\\', "/");
                assert!(
                    listed.contains(&rel.as_str()),
                    "peer file not covered: {rel}"
                );
            }
        }
    }
}
