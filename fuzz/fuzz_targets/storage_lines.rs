//! StorageParser on arbitrary bytes, whole and in two record-aligned pieces cut at a
//! fuzzer-chosen newline (as the engine cuts them): the same rows and the same rejects.
#![no_main]

use azlog_fuzz::{parse_checked, rows_of};
use azlog_schema::Origin;
use azlog_storage::StorageParser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let mut parser = StorageParser::new();
    let keep_raw = sel & 0x80 != 0;
    let whole_origin = Origin {
        keep_raw,
        ..Origin::whole_file("$logs/blob/2024/03/05/1400/000000.log")
    };
    let whole = parse_checked(&mut parser, input, &whole_origin);

    let newlines: Vec<usize> = memchr_all(input);
    if newlines.is_empty() {
        return;
    }
    let cut = newlines[usize::from(sel & 0x7f) % newlines.len()] + 1;
    let (a, b) = input.split_at(cut);
    let first = Origin {
        at_eof: false,
        ..whole_origin.clone()
    };
    let lines_a = newlines.iter().filter(|&&i| i < cut).count() as u64;
    let second = Origin {
        base_offset: cut as u64,
        first_line: 1 + lines_a,
        first_record: lines_a,
        at_eof: true,
        ..whole_origin.clone()
    };
    // The same parser value is reused across pieces, as a worker thread does.
    let pa = parse_checked(&mut parser, a, &first);
    let pb = parse_checked(&mut parser, b, &second);
    let mut split_stats = pa.stats;
    split_stats.add(&pb.stats);
    assert_eq!(
        whole.stats, split_stats,
        "counts differ when split at {cut}"
    );
    let split_rejects: Vec<_> = pa.rejects.iter().chain(&pb.rejects).cloned().collect();
    assert_eq!(
        whole.rejects, split_rejects,
        "rejects differ when split at {cut}"
    );
    let mut split_batches = pa.batches;
    split_batches.extend(pb.batches);
    let (rw, rs) = (rows_of(&whole.batches), rows_of(&split_batches));
    assert_eq!(rw.len(), rs.len());
    for (i, (x, y)) in rw.iter().zip(&rs).enumerate() {
        assert!(x == y, "row {i} differs when split at {cut}:\n{x:?}\n{y:?}");
    }
});

fn memchr_all(input: &[u8]) -> Vec<usize> {
    input
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect()
}
