//! End to end: a generated ~50 MB Storage Analytics corpus (`azlog-gen`, seed 1) converted to
//! Parquet in a temporary directory with the default options, at 1 and 2 threads. Throughput
//! is input bytes. `E2E_MB` changes the corpus size.

use std::path::PathBuf;

use azlog_convert::{ConvertOptions, NoProgress, convert};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

// The CLI's allocator, so the numbers are the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let input = tempfile::tempdir().expect("tempdir");
    let size: u64 = std::env::var("E2E_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let report = azlog_gen::generate(
        &azlog_gen::Config::new(input.path(), size * 1_000_000, 1),
        azlog_gen::Family::Storage,
    )
    .expect("generate corpus");
    let bytes = report.bytes();
    let out_root = tempfile::tempdir().expect("tempdir");

    let mut g = c.benchmark_group("e2e_storage");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    for threads in [1usize, 2] {
        g.bench_function(format!("threads_{threads}"), |b| {
            let mut run = 0u32;
            b.iter(|| {
                run += 1;
                let out: PathBuf = out_root.path().join(format!("t{threads}-{run}"));
                let mut opts = ConvertOptions::new(vec![input.path().to_path_buf()], out.clone());
                opts.threads = threads;
                let s = convert(&opts, &NoProgress).expect("convert");
                assert_eq!(s.totals.rows, report.rows());
                std::fs::remove_dir_all(&out).expect("clean output");
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
