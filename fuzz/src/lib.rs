//! Checks shared by the fuzz targets: every parser run must reconcile its counts, report
//! exactly as many rows and rejects as it says, and keep every reject inside its input.

use azlog_schema::{BatchBuilder, Origin, ParseStats, RecordParser, Reject};

/// What one parser call produced.
pub struct Parsed {
    /// The counts the parser returned.
    pub stats: ParseStats,
    /// The rows, as batches.
    pub batches: Vec<arrow_array::RecordBatch>,
    /// The rejects.
    pub rejects: Vec<Reject>,
}

/// Runs `parser` on `input` (a piece of a file that starts at `origin.base_offset`) and
/// asserts the contract: counts reconcile, rows and rejects are as many as counted, and every
/// reject's `offset..offset+length` lies inside the piece.
pub fn parse_checked(parser: &mut dyn RecordParser, input: &[u8], origin: &Origin<'_>) -> Parsed {
    // Small batches: no big preallocation per run, and rows cross batch boundaries.
    let mut out = BatchBuilder::new(64);
    let mut rejects = Vec::new();
    let stats = parser.parse(input, origin, &mut out, &mut rejects);
    assert!(stats.reconciles(), "counts do not reconcile: {stats:?}");
    let batches = out.take_batches().expect("batches build");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows as u64, stats.rows, "rows appended != rows counted");
    assert_eq!(
        rejects.len() as u64,
        stats.rejected,
        "rejects pushed != rejects counted"
    );
    let lo = origin.base_offset;
    let hi = origin.base_offset + input.len() as u64;
    for r in &rejects {
        let end = r
            .offset
            .checked_add(r.length)
            .expect("reject end overflows");
        assert!(
            r.offset >= lo && end <= hi,
            "reject {}+{} outside the input {lo}..{hi}: {r:?}",
            r.offset,
            r.length
        );
        assert!(
            r.line >= origin.first_line,
            "reject line before the input: {r:?}"
        );
        assert!(!r.reason.is_empty(), "reject without a reason");
    }
    Parsed {
        stats,
        batches,
        rejects,
    }
}

/// Every row of `batches` as a one-row batch (so row sets can be compared whatever the batch
/// boundaries).
pub fn rows_of(batches: &[arrow_array::RecordBatch]) -> Vec<arrow_array::RecordBatch> {
    batches
        .iter()
        .flat_map(|b| (0..b.num_rows()).map(move |i| b.slice(i, 1)))
        .collect()
}
