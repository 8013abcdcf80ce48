//! Throughput of `FlowParser` on ~20 MB generated NSG v2 and VNet v4 blobs, cut into pieces
//! and parsed into batches the way the engine does it.

use std::hint::black_box;

use azlog_flow::FlowParser;
use azlog_json::{Cut, DEFAULT_MAX_DEPTH, records_cut};
use azlog_schema::{DEFAULT_BATCH_ROWS, Origin, RecordParser, SizeHint};
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

/// One piece of a blob, as the engine hands it to the parser.
struct Piece<'a> {
    bytes: &'a [u8],
    first_record: u64,
    within_records: bool,
    at_eof: bool,
}

/// The blob cut into pieces of about 2 MiB just after a record, as the engine cuts a flow blob
/// (a quarter of its 8 MiB line chunk).
fn pieces(input: &[u8]) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let (mut rest, mut record, mut within) = (input, 0u64, false);
    let mut want = 2 << 20;
    while want < rest.len() {
        match records_cut(&rest[..want], DEFAULT_MAX_DEPTH, within) {
            Cut::At { end, records } => {
                out.push(Piece {
                    bytes: &rest[..end],
                    first_record: record,
                    within_records: within,
                    at_eof: false,
                });
                rest = &rest[end..];
                record += records as u64;
                within = true;
                want = 2 << 20;
            }
            Cut::NeedMore => want *= 2,
            Cut::Never => break,
        }
    }
    out.push(Piece {
        bytes: rest,
        first_record: record,
        within_records: within,
        at_eof: true,
    });
    out
}

/// Parses every piece, each into a builder sized from the piece before (as the engine sizes
/// it); returns the rows.
fn run(p: &mut FlowParser, pieces: &[Piece<'_>]) -> u64 {
    let mut hint = SizeHint::default();
    let mut rows = 0;
    for piece in pieces {
        let mut out = hint.builder(piece.bytes.len(), DEFAULT_BATCH_ROWS);
        let mut rejects = Vec::new();
        let origin = Origin {
            first_record: piece.first_record,
            within_records: piece.within_records,
            at_eof: piece.at_eof,
            ..Origin::whole_file("PT1H.json")
        };
        rows += p.parse(piece.bytes, &origin, &mut out, &mut rejects).rows;
        black_box(out.take_batches().map(|b| b.len()).unwrap_or(0));
        hint.learn(piece.bytes.len(), out.sizes());
    }
    rows
}

fn bench(c: &mut Criterion) {
    let inputs = [
        ("nsg_v2", blob(false, 20 << 20)),
        ("vnet_v4", blob(true, 20 << 20)),
    ];
    let cut: Vec<_> = inputs.iter().map(|(_, (input, _))| pieces(input)).collect();
    let mut parser = FlowParser::new();
    for ((_, (_, tuples)), p) in inputs.iter().zip(&cut) {
        assert!(p.len() > 1, "the blob is cut into pieces");
        assert_eq!(run(&mut parser, p), *tuples);
    }
    let mut g = c.benchmark_group("flow_bytes");
    g.sample_size(10);
    for ((name, (input, _)), p) in inputs.iter().zip(&cut) {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(*name, |b| b.iter(|| run(&mut parser, black_box(p))));
    }
    g.finish();
    let mut g = c.benchmark_group("flow_tuples");
    g.sample_size(10);
    for ((name, (_, tuples)), p) in inputs.iter().zip(&cut) {
        g.throughput(Throughput::Elements(*tuples));
        g.bench_function(*name, |b| b.iter(|| run(&mut parser, black_box(p))));
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
        assert_eq!(run(&mut parser, &pieces(&input)), tuples);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
