//! Big flow-log blobs are read in pieces cut after a record: the rows are the rows of reading
//! each blob whole, the pieces really are pieces, and the files do not depend on the threads.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::RecordBatch;
use azlog_convert::{ConvertOptions, Progress, convert};
use azlog_schema::dump::dump_batches;

use crate::util::files_under;

/// Counts the pieces written.
#[derive(Default)]
struct Pieces(AtomicU64);

impl Progress for Pieces {
    fn rows_done(&self, _rows: u64, _bytes: u64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn run(input: &Path, out: &Path, chunk_bytes: usize, threads: usize) -> (u64, u64, u64) {
    let mut opts = ConvertOptions::new(vec![input.to_path_buf()], out.to_path_buf());
    opts.threads = threads;
    opts.limits.chunk_bytes = chunk_bytes;
    let pieces = Pieces::default();
    let s = convert(&opts, &pieces).expect("convert");
    assert!(s.totals.reconciles(), "{:?}", s.totals);
    assert_eq!(s.files_failed(), 0);
    (s.totals.rows, s.totals.rejected, pieces.0.into_inner())
}

/// Every row of the dataset under `out`, file by file in name order, as golden text, with the
/// options-dependent footer left out.
fn dataset_rows(out: &Path) -> String {
    let mut text = String::new();
    for f in files_under(out) {
        if !f.ends_with(".parquet") || f.starts_with("rejects") {
            continue;
        }
        let file = std::fs::File::open(out.join(&f)).expect("open");
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 8192)
            .expect("parquet");
        let batches: Vec<RecordBatch> = reader.map(|b| b.expect("batch")).collect();
        text.push_str(&format!(
            "== {}\n",
            f.rsplit_once('/').map_or(&*f, |(d, _)| d)
        ));
        text.push_str(&dump_batches(&batches));
    }
    text
}

fn generated(dir: &Path, family: azlog_gen::Family) -> PathBuf {
    let mut cfg = azlog_gen::Config::new(dir, 3 << 20, 7);
    cfg.files = Some(2);
    azlog_gen::generate(&cfg, family).expect("generate");
    dir.to_path_buf()
}

#[test]
fn flow_blobs_in_pieces_give_the_rows_of_whole_blobs() {
    for family in [azlog_gen::Family::Nsg, azlog_gen::Family::Vnet] {
        let tmp = tempfile::tempdir().expect("tmp");
        let input = generated(&tmp.path().join("in"), family);
        // One piece per blob (the blobs are smaller than the default chunk) ...
        let (rows, rejected, whole_pieces) = run(&input, &tmp.path().join("whole"), 8 << 20, 2);
        assert_eq!(whole_pieces, 2, "{family:?}: one piece per blob");
        assert_eq!(rejected, 0);
        // ... and many pieces per blob, on 1 and 2 threads.
        let (r1, j1, pieces) = run(&input, &tmp.path().join("small1"), 64 << 10, 1);
        let (r2, j2, _) = run(&input, &tmp.path().join("small2"), 64 << 10, 2);
        assert!(pieces > 20, "{family:?}: only {pieces} pieces");
        assert_eq!((r1, j1), (rows, 0));
        assert_eq!((r2, j2), (rows, 0));
        let whole = dataset_rows(&tmp.path().join("whole"));
        assert!(
            whole.lines().count() as u64 > rows,
            "{family:?}: rows dumped"
        );
        assert_eq!(
            dataset_rows(&tmp.path().join("small1")),
            whole,
            "{family:?}"
        );
        // Pieces are fixed by size, not by threads: the files are byte-identical.
        let (a, b) = (tmp.path().join("small1"), tmp.path().join("small2"));
        for f in files_under(&a).iter().filter(|f| f.ends_with(".parquet")) {
            assert_eq!(
                std::fs::read(a.join(f)).expect("read"),
                std::fs::read(b.join(f)).expect("read"),
                "{family:?}: {f}"
            );
        }
    }
}

#[test]
fn a_truncated_blob_in_pieces_rejects_only_its_tail() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = generated(&tmp.path().join("in"), azlog_gen::Family::Nsg);
    // Cut the first blob in the middle of a record.
    let blob = crate::util::files_under(&input)
        .into_iter()
        .next()
        .expect("a blob");
    let path = input.join(&blob);
    let data = std::fs::read(&path).expect("read");
    std::fs::write(&path, &data[..data.len() / 2 + 17]).expect("write");
    let (rows, rejected, _) = run(&input, &tmp.path().join("whole"), 8 << 20, 2);
    let (rows_p, rejected_p, _) = run(&input, &tmp.path().join("pieces"), 32 << 10, 2);
    assert_eq!(rejected, 1, "the truncated tail");
    assert_eq!((rows_p, rejected_p), (rows, rejected));
    assert_eq!(
        dataset_rows(&tmp.path().join("pieces")),
        dataset_rows(&tmp.path().join("whole"))
    );
}

/// `threads = 1` means one worker to the end: the last row groups are closed (their columns
/// encoded in parallel) on the conversion's own pool, not on rayon's global one, which would
/// start a thread per core. Building the global pool fails once anything has started it.
#[test]
fn a_conversion_never_starts_rayons_global_pool() {
    let out = tempfile::tempdir().expect("tempdir");
    let input = crate::util::root().join("testdata/sample-dump");
    let (rows, _, _) = run(&input, out.path(), 8 << 20, 1);
    assert!(rows > 0);
    assert!(
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global()
            .is_ok(),
        "the conversion started rayon's global pool"
    );
}
