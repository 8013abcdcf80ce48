//! Cut blobs: every complete record converts, the incomplete tail is one reject.

mod common;

use azlog_schema::Origin;
use common::{parse, parse_with};

const RECORD: &str = r#"{"time":"2024-11-18T16:05:00.1234567Z","systemId":"5a7c3e1f-2b9d-4e6a-8c0f-1d2e3f4a5b6c","category":"NetworkSecurityGroupFlowEvent","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[{"rule":"R","flows":[{"mac":"000D3A1B2C3D","flowTuples":["1731945845,10.1.0.4,203.0.113.80,50312,443,T,O,A,B,,,,","1731945846,10.1.0.4,203.0.113.80,50312,443,T,O,A,E,1,2,3,4"]}]}]}}"#;

fn blob(n: usize) -> (Vec<u8>, Vec<usize>) {
    let mut doc = b"{\"records\":[".to_vec();
    let mut ends = Vec::new();
    for i in 0..n {
        if i > 0 {
            doc.push(b',');
        }
        doc.extend(RECORD.as_bytes());
        ends.push(doc.len());
    }
    doc.extend(b"]}");
    (doc, ends)
}

#[test]
fn a_blob_cut_mid_record_keeps_the_complete_records() {
    let (doc, ends) = blob(3);
    let cut = ends[1] + 1 + RECORD.len() / 2;
    let p = parse(&doc[..cut]);
    assert_eq!(p.stats.rows, 4);
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records_read, 5);
    let r = &p.rejects[0];
    assert_eq!(r.reason, "truncated");
    assert_eq!(r.offset as usize, ends[1] + 1);
    assert_eq!(r.raw, &doc[ends[1] + 1..cut]);
    assert_eq!(r.record_index, 2);
    // With a base offset, offsets are file offsets.
    let origin = Origin {
        base_offset: 1000,
        ..Origin::whole_file("x")
    };
    let p = parse_with(&doc[..cut], &origin, 7);
    assert_eq!(p.rejects[0].offset as usize, 1000 + ends[1] + 1);
}

#[test]
fn cutting_at_every_byte_never_panics_and_reconciles() {
    let (doc, ends) = blob(3);
    for cut in 0..=doc.len() {
        let p = parse(&doc[..cut]);
        let complete = ends.iter().filter(|&&e| e <= cut).count() as u64;
        assert_eq!(p.stats.rows, complete * 2, "cut {cut}");
        let whole = cut == doc.len() || cut == 0;
        let expect_reject = if whole { 0 } else { 1 };
        assert_eq!(p.stats.rejected, expect_reject, "cut {cut}");
        if let Some(r) = p.rejects.first() {
            let reason_ok = r.reason == "truncated";
            assert!(reason_ok, "cut {cut}: {r:?}");
            assert_eq!(r.offset as usize + r.raw.len(), cut, "cut {cut}");
        }
    }
}

#[test]
fn empty_and_bom_only_inputs_give_nothing() {
    for input in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n  "] {
        let p = parse(input);
        assert_eq!(p.stats, Default::default());
    }
}
