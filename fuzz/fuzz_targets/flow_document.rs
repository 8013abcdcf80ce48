//! FlowParser on arbitrary bytes as one whole document (records array or JSON Lines), the same
//! bytes again with a non-zero base offset, and cut into pieces at the record boundaries the
//! engine would choose: counts reconcile, rejects stay in bounds, and the pieces give the rows
//! and rejects of the whole.
#![no_main]

use azlog_flow::FlowParser;
use azlog_fuzz::{parse_checked, rows_of};
use azlog_json::{Cut, DEFAULT_MAX_DEPTH, records_cut};
use azlog_schema::Origin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = FlowParser::new();
    let origin = Origin::whole_file(
        "insights-logs-networksecuritygroupflowevent/resourceId=/X/y=2024/m=03/d=05/h=14/m=00/macAddress=000D3A/PT1H.json",
    );
    let a = parse_checked(&mut parser, data, &origin);
    let shifted = Origin {
        base_offset: 1000,
        first_line: 7,
        first_record: 6,
        keep_raw: true,
        json_path: true,
        ..origin.clone()
    };
    let b = parse_checked(&mut parser, data, &shifted);
    assert_eq!(a.stats, b.stats, "counts depend on the origin");

    // In pieces, with a buffer growing by `chunk` bytes (from the first byte) as the engine
    // reads: cut wherever records_cut allows.
    let chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
    let (mut base, mut record, mut within, mut end, mut never) = (0usize, 0u64, false, 0, false);
    let mut rows = Vec::new();
    let mut rejects = Vec::new();
    let mut stats = azlog_schema::ParseStats::default();
    loop {
        end = (end + chunk).min(data.len());
        let last = end == data.len();
        let cut = if last || never {
            None
        } else {
            match records_cut(&data[base..end], DEFAULT_MAX_DEPTH, within) {
                Cut::At { end: cut, records } => Some((cut, records)),
                Cut::NeedMore => None,
                Cut::Never => {
                    never = true;
                    None
                }
            }
        };
        if !last && cut.is_none() {
            continue;
        }
        let stop = cut.map_or(data.len(), |(c, _)| base + c);
        let lines = data[..base].iter().filter(|&&b| b == b'\n').count() as u64;
        let piece = Origin {
            base_offset: base as u64,
            first_line: 1 + lines,
            first_record: record,
            at_eof: cut.is_none(),
            within_records: within,
            ..origin.clone()
        };
        let p = parse_checked(&mut parser, &data[base..stop], &piece);
        stats.add(&p.stats);
        rows.extend(rows_of(&p.batches));
        rejects.extend(p.rejects);
        match cut {
            Some((c, records)) => {
                base += c;
                record += records as u64;
                within = true;
            }
            None => break,
        }
    }
    assert_eq!(stats, a.stats, "pieces count differently from the whole");
    assert_eq!(rows, rows_of(&a.batches), "pieces give other rows");
    assert_eq!(rejects, a.rejects, "pieces reject differently");
});
