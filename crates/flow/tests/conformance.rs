//! Real samples from other projects' test suites, read in place from `shared/testdata-peers`
//! (not copied: several are Elastic License 2.0). Skips with a message when absent.
//!
//! Expected counts were established independently of this parser with a Python `json`
//! one-liner that sums `len(flowTuples)` over every record (and by reading the files).

mod common;

use std::path::Path;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use azlog_schema::{Origin, col};
use common::{parse_with, spans, tuples_independently, unescape};

const PEERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata-peers"
);

/// (file, family, records, tuples)
const SAMPLES: &[(&str, &str, usize, u64)] = &[
    (
        "elastic-integrations/azure_network_watcher_nsg/test-nsg.log",
        "nsg_flow",
        1,
        1,
    ),
    (
        "elastic-integrations/azure_network_watcher_nsg/testdata.log",
        "nsg_flow",
        2,
        11,
    ),
    (
        "elastic-integrations/azure_network_watcher_vnet/test-vnet.log",
        "vnet_flow",
        1,
        2,
    ),
    (
        "elastic-integrations/azure_network_watcher_vnet/testdata.log",
        "vnet_flow",
        1,
        19,
    ),
    (
        "otel-collector-contrib/azurelogs-azurevnetflowlog/valid_1.json",
        "vnet_flow",
        1,
        2,
    ),
];

#[test]
fn peer_samples_convert_completely() {
    let root = Path::new(PEERS);
    if !root.is_dir() {
        println!("skipping: {} not present", root.display());
        return;
    }
    for &(file, family, records, tuples) in SAMPLES {
        let input = std::fs::read(root.join(file)).expect("sample");
        let p = parse_with(&input, &Origin::whole_file(file), 1024);
        assert_eq!(p.stats.rows, tuples, "{file}");
        assert_eq!(p.stats.rejected, 0, "{file}: {:?}", p.rejects);
        let mut max_record = 0;
        for b in &p.batches {
            let fam = b.column(col::log_family).as_dictionary::<Int32Type>();
            let names = fam.values().as_string::<i32>();
            for i in 0..b.num_rows() {
                let key = fam.keys().value(i) as usize;
                assert_eq!(names.value(key), family, "{file}");
            }
            // Real samples are clean: no row has a parse issue, every row has a time, IPs,
            // protocol and action.
            assert_eq!(
                b.column(col::parse_issues).null_count(),
                b.num_rows(),
                "{file}"
            );
            for c in [
                col::event_time,
                col::src_ip,
                col::dst_ip,
                col::ip_protocol,
                col::action,
                col::nic_mac,
                col::rule_name,
            ] {
                assert_eq!(b.column(c).null_count(), 0, "{file} column {c}");
            }
            let ri = b
                .column(col::record_index)
                .as_primitive::<arrow_array::types::Int64Type>();
            for i in 0..b.num_rows() {
                max_record = max_record.max(ri.value(i) as usize);
            }
        }
        assert_eq!(max_record + 1, records, "{file}");
        let got: Vec<String> = spans(&p)
            .into_iter()
            .map(|(o, l)| unescape(&input[o..o + l]))
            .collect();
        assert_eq!(got, tuples_independently(&input), "{file}");
    }
}
