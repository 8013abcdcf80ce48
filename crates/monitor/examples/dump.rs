//! Prints the dump of a file converted by the monitor parser (development aid).
use azlog_monitor::MonitorParser;
use azlog_schema::{BatchBuilder, Origin, RecordParser};

fn main() {
    for path in std::env::args().skip(1) {
        let Ok(input) = std::fs::read(&path) else {
            eprintln!("cannot read {path}");
            continue;
        };
        let mut p = MonitorParser::new();
        let mut out = BatchBuilder::default();
        let mut rejects = Vec::new();
        let stats = p.parse(&input, &Origin::whole_file(&path), &mut out, &mut rejects);
        let batches = out.take_batches().unwrap_or_default();
        println!("== {path} {stats:?}");
        print!("{}", azlog_schema::dump::dump_batches(&batches));
        for r in rejects {
            println!(
                "REJECT {} at {} len {} line {} rec {}: {}",
                r.reason, r.offset, r.length, r.line, r.record_index, r.detail
            );
        }
    }
}
