//! FlowParser on arbitrary bytes as one whole document (records array or JSON Lines), and
//! the same bytes again with a non-zero base offset: counts reconcile, rejects stay in bounds.
#![no_main]

use azlog_flow::FlowParser;
use azlog_fuzz::parse_checked;
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
});
