//! Throughput of `FlowParser` on ~20 MB generated NSG v2 and VNet v4 blobs.

use std::hint::black_box;

use azlog_flow::FlowParser;
use azlog_schema::{BatchBuilder, Origin, RecordParser};
use criterion::{Criterion, Throughput, criterion_group};

/// xorshift64*: deterministic, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn ip(&mut self) -> String {
        let v = self.next();
        format!(
            "{}.{}.{}.{}",
            (v >> 24) as u8,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8
        )
    }
}

/// A blob of about `target` bytes and its tuple count.
fn blob(vnet: bool, target: usize) -> (Vec<u8>, u64) {
    let mut rng = Rng(0x5eed_1234_abcd_0001 ^ u64::from(vnet));
    let mut out = String::from("{\"records\":[");
    let mut tuples = 0u64;
    let mut minute = 0u64;
    while out.len() < target {
        if minute > 0 {
            out.push(',');
        }
        let mut groups = Vec::new();
        for g in 0..4 {
            let mut ts = Vec::new();
            for _ in 0..50 {
                let t = 1_731_945_600 + minute * 60 + rng.below(60);
                let state = ["B", "C", "E"][rng.below(3) as usize];
                let (sp, dp) = (
                    rng.below(65536),
                    [443, 80, 22, 3389, 53][rng.below(5) as usize],
                );
                let (src, dst) = (rng.ip(), rng.ip());
                let tuple = if vnet {
                    let st = if rng.below(10) == 0 { "D" } else { state };
                    let c = if st == "B" || st == "D" {
                        "0,0,0,0".to_owned()
                    } else {
                        format!(
                            "{},{},{},{}",
                            rng.below(500),
                            rng.below(900_000),
                            rng.below(500),
                            rng.below(900_000)
                        )
                    };
                    format!(
                        "{}{:03},{src},{dst},{sp},{dp},{},O,{st},NX,{c}",
                        t,
                        rng.below(1000),
                        [6, 17][rng.below(2) as usize]
                    )
                } else {
                    let c = if state == "B" {
                        ",,,".to_owned()
                    } else {
                        format!(
                            "{},{},{},{}",
                            rng.below(500),
                            rng.below(900_000),
                            rng.below(500),
                            rng.below(900_000)
                        )
                    };
                    format!(
                        "{t},{src},{dst},{sp},{dp},{},I,{},{state},{c}",
                        ["T", "U"][rng.below(2) as usize],
                        ["A", "D"][rng.below(2) as usize]
                    )
                };
                ts.push(format!("\"{tuple}\""));
                tuples += 1;
            }
            let ts = ts.join(",");
            groups.push(if vnet {
                format!(r#"{{"rule":"UserRule_Rule{g}","flowTuples":[{ts}]}}"#)
            } else {
                format!(r#"{{"rule":"UserRule_Rule{g}","flows":[{{"mac":"000D3AF87856","flowTuples":[{ts}]}}]}}"#)
            });
        }
        let groups = groups.join(",");
        if vnet {
            out.push_str(&format!(
                r#"{{"time":"2024-11-18T16:{:02}:00.1234567Z","flowLogVersion":4,"flowLogGUID":"6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908","macAddress":"6045BD7A1B2C","category":"FlowLogFlowEvent","flowLogResourceID":"/SUBSCRIPTIONS/00000000-1111-4222-8333-444444444444/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNET-FLOWLOG","targetResourceID":"/subscriptions/00000000-1111-4222-8333-444444444444/resourceGroups/rg-prod/providers/Microsoft.Network/virtualNetworks/vnet-prod","operationName":"FlowLogFlowEvent","flowRecords":{{"flows":[{{"aclID":"0a1b2c3d-4e5f-4607-8899-aabbccddeeff","flowGroups":[{groups}]}}]}}}}"#,
                minute % 60
            ));
        } else {
            out.push_str(&format!(
                r#"{{"time":"2024-11-18T16:{:02}:00.1234567Z","systemId":"5a7c3e1f-2b9d-4e6a-8c0f-1d2e3f4a5b6c","macAddress":"000D3AF87856","category":"NetworkSecurityGroupFlowEvent","resourceId":"/SUBSCRIPTIONS/00000000-1111-4222-8333-444444444444/RESOURCEGROUPS/RG-WEB/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB01","operationName":"NetworkSecurityGroupFlowEvents","properties":{{"Version":2,"flows":[{groups}]}}}}"#,
                minute % 60
            ));
        }
        minute += 1;
    }
    out.push_str("]}");
    (out.into_bytes(), tuples)
}

fn run(p: &mut FlowParser, input: &[u8]) -> u64 {
    let mut out = BatchBuilder::default();
    let mut rejects = Vec::new();
    let stats = p.parse(
        input,
        &Origin::whole_file("PT1H.json"),
        &mut out,
        &mut rejects,
    );
    let batches = out.take_batches().map(|b| b.len()).unwrap_or(0);
    black_box(batches);
    stats.rows
}

fn bench(c: &mut Criterion) {
    let inputs = [
        ("nsg_v2", blob(false, 20 << 20)),
        ("vnet_v4", blob(true, 20 << 20)),
    ];
    let mut parser = FlowParser::new();
    for (_, (input, tuples)) in &inputs {
        assert_eq!(run(&mut parser, input), *tuples);
    }
    let mut g = c.benchmark_group("flow_bytes");
    g.sample_size(10);
    for (name, (input, _)) in &inputs {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(*name, |b| b.iter(|| run(&mut parser, black_box(input))));
    }
    g.finish();
    let mut g = c.benchmark_group("flow_tuples");
    g.sample_size(10);
    for (name, (input, tuples)) in &inputs {
        g.throughput(Throughput::Elements(*tuples));
        g.bench_function(*name, |b| b.iter(|| run(&mut parser, black_box(input))));
    }
    g.finish();
}

criterion_group!(benches, bench);

/// `AZLOG_BENCH_ONCE=<MiB>[,nsg|vnet]` parses one blob of that size once and exits (for
/// instruction counts under callgrind); otherwise the criterion benches run.
fn main() {
    if let Ok(spec) = std::env::var("AZLOG_BENCH_ONCE") {
        let (mib, which) = spec.split_once(',').unwrap_or((&spec, "nsg"));
        let mib: usize = mib.parse().unwrap_or(1);
        let (input, tuples) = blob(which == "vnet", mib << 20);
        let mut parser = FlowParser::new();
        assert_eq!(run(&mut parser, &input), tuples);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
