//! Property test: generated flow records rendered into a blob parse back field by field.

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use azlog_schema::dump::value_text;
use azlog_schema::{Origin, col};
use common::parse_with;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Tuple {
    ts: u32,
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    udp: bool,
    inbound: bool,
    deny: bool,
    state: u8,
    counts: [u32; 4],
}

fn tuple() -> impl Strategy<Value = Tuple> {
    (
        1_500_000_000u32..2_000_000_000,
        any::<[u8; 4]>(),
        any::<[u8; 4]>(),
        any::<u16>(),
        any::<u16>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        any::<[u32; 4]>(),
    )
        .prop_map(
            |(ts, src, dst, sport, dport, udp, inbound, deny, state, counts)| Tuple {
                ts,
                src,
                dst,
                sport,
                dport,
                udp,
                inbound,
                deny,
                state,
                counts,
            },
        )
}

/// Records of groups (rule name, tuples).
type Records = Vec<Vec<(String, Vec<Tuple>)>>;

fn records() -> impl Strategy<Value = Records> {
    let group = ("[A-Za-z_-]{1,12}", prop::collection::vec(tuple(), 0..5));
    prop::collection::vec(prop::collection::vec(group, 0..3), 0..4)
}

fn ip(b: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

fn render_tuple(t: &Tuple, vnet: bool) -> String {
    let head = format!(
        "{},{},{},{},{}",
        if vnet {
            u64::from(t.ts) * 1000 + 7
        } else {
            u64::from(t.ts)
        },
        ip(t.src),
        ip(t.dst),
        t.sport,
        t.dport
    );
    let c = t.counts;
    if vnet {
        let state = if t.deny {
            "D"
        } else {
            ["B", "C", "E"][t.state as usize]
        };
        format!(
            "{head},{},{},{state},NX,{},{},{},{}",
            if t.udp { 17 } else { 6 },
            if t.inbound { "I" } else { "O" },
            c[0],
            c[1],
            c[2],
            c[3]
        )
    } else {
        let state = ["B", "C", "E"][t.state as usize];
        let counts = if t.state == 0 {
            ",,,".to_owned()
        } else {
            format!("{},{},{},{}", c[0], c[1], c[2], c[3])
        };
        format!(
            "{head},{},{},{},{state},{counts}",
            if t.udp { "U" } else { "T" },
            if t.inbound { "I" } else { "O" },
            if t.deny { "D" } else { "A" },
        )
    }
}

fn render(recs: &Records, vnet: bool) -> String {
    let mut out = String::from("{\"records\":[");
    for (i, groups) in recs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let groups_json: Vec<String> = groups
            .iter()
            .map(|(rule, tuples)| {
                let ts: Vec<String> = tuples
                    .iter()
                    .map(|t| format!("\"{}\"", render_tuple(t, vnet)))
                    .collect();
                if vnet {
                    format!(r#"{{"rule":"{rule}","flowTuples":[{}]}}"#, ts.join(","))
                } else {
                    format!(
                        r#"{{"rule":"{rule}","flows":[{{"mac":"000D3A1B2C3D","flowTuples":[{}]}}]}}"#,
                        ts.join(",")
                    )
                }
            })
            .collect();
        if vnet {
            out.push_str(&format!(
                r#"{{"time":"2024-01-01T00:00:00Z","flowLogVersion":4,"macAddress":"000d3a1b2c3d","category":"FlowLogFlowEvent","flowRecords":{{"flows":[{{"aclID":"a","flowGroups":[{}]}}]}}}}"#,
                groups_json.join(",")
            ));
        } else {
            out.push_str(&format!(
                r#"{{"time":"2024-01-01T00:00:00Z","category":"NetworkSecurityGroupFlowEvent","properties":{{"Version":2,"flows":[{}]}}}}"#,
                groups_json.join(",")
            ));
        }
    }
    out.push_str("]}");
    out
}

fn text(b: &RecordBatch, c: usize, i: usize) -> Option<String> {
    value_text(b.column(c).as_ref(), i).map(|s| s.trim_matches('"').to_owned())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_tuple_field_round_trips(recs in records(), vnet in any::<bool>()) {
        let doc = render(&recs, vnet);
        let p = parse_with(doc.as_bytes(), &Origin::whole_file("p.json"), 5);
        prop_assert_eq!(p.stats.rejected, 0);
        let want: Vec<(&str, &Tuple)> = recs
            .iter()
            .flat_map(|g| g.iter())
            .flat_map(|(rule, ts)| ts.iter().map(move |t| (rule.as_str(), t)))
            .collect();
        prop_assert_eq!(p.stats.rows as usize, want.len());
        let mut k = 0;
        for b in &p.batches {
            let time = b.column(col::event_time).as_primitive::<TimestampMicrosecondType>();
            let sport = b.column(col::src_port).as_primitive::<Int32Type>();
            let dport = b.column(col::dst_port).as_primitive::<Int32Type>();
            let proto = b.column(col::ip_protocol).as_primitive::<Int16Type>();
            let counters = [col::src_packets, col::src_bytes, col::dst_packets, col::dst_bytes]
                .map(|c| b.column(c).as_primitive::<Int64Type>().clone());
            for i in 0..b.num_rows() {
                let (rule, t) = want[k];
                k += 1;
                let micros = if vnet { (i64::from(t.ts) * 1000 + 7) * 1000 } else { i64::from(t.ts) * 1_000_000 };
                prop_assert_eq!(time.value(i), micros);
                prop_assert_eq!(text(b, col::src_ip, i), Some(ip(t.src)));
                prop_assert_eq!(text(b, col::dst_ip, i), Some(ip(t.dst)));
                prop_assert_eq!(sport.value(i), i32::from(t.sport));
                prop_assert_eq!(dport.value(i), i32::from(t.dport));
                prop_assert_eq!(proto.value(i), if t.udp { 17 } else { 6 });
                prop_assert_eq!(text(b, col::network_direction, i), Some(String::from(if t.inbound { "inbound" } else { "outbound" })));
                prop_assert_eq!(text(b, col::action, i), Some(String::from(if t.deny { "deny" } else { "allow" })));
                let state = if vnet && t.deny { "deny" } else { ["begin", "continue", "end"][t.state as usize] };
                prop_assert_eq!(text(b, col::flow_state, i), Some(String::from(state)));
                prop_assert_eq!(text(b, col::rule_name, i), Some(String::from(rule)));
                prop_assert_eq!(text(b, col::nic_mac, i), Some(String::from("00-0D-3A-1B-2C-3D")));
                for (c, arr) in counters.iter().enumerate() {
                    if !vnet && t.state == 0 {
                        prop_assert!(arr.is_null(i));
                    } else {
                        prop_assert_eq!(arr.value(i), i64::from(t.counts[c]));
                    }
                }
                prop_assert!(b.column(col::parse_issues).is_null(i));
            }
        }
    }
}
