//! MonitorParser on arbitrary bytes, whole (JSON Lines or a stream of documents) and as a
//! piece at a later offset: counts reconcile, rejects stay in bounds.
#![no_main]

use azlog_fuzz::parse_checked;
use azlog_monitor::MonitorParser;
use azlog_schema::Origin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = MonitorParser::new();
    let origin = Origin::whole_file(
        "insights-logs-auditevent/resourceId=/X/y=2024/m=03/d=05/h=14/m=00/PT1H.json",
    );
    let a = parse_checked(&mut parser, data, &origin);
    let shifted = Origin {
        base_offset: 4096,
        first_line: 3,
        first_record: 2,
        keep_raw: true,
        json_path: true,
        ..origin.clone()
    };
    // A piece at a non-zero offset is a JSON Lines chunk cut by the engine, so the layout may
    // be read differently from a whole file: only the invariants are checked there.
    let _ = (a, parse_checked(&mut parser, data, &shifted));
});
