//! Parse-only throughput of `StorageParser` on a ~50 MB generated Storage Analytics corpus
//! (the `azlog-gen` corpus, seed 1): bytes/s and lines/s, one thread, rows into a
//! `BatchBuilder` sized from the piece before, as the engine sizes it (batches cut and dropped
//! as the engine would hand them to the writer).

use std::hint::black_box;
use std::path::Path;

use azlog_schema::{DEFAULT_BATCH_ROWS, Origin, RecordParser, SizeHint};
use azlog_storage::StorageParser;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn read_tree(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read corpus dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(&p, out);
        } else {
            out.push(std::fs::read(&p).expect("read corpus file"));
        }
    }
}

/// The corpus as ~8 MiB newline-aligned pieces (what the engine hands a parser).
fn corpus() -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let size: u64 = std::env::var("PARSE_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    azlog_gen::generate(
        &azlog_gen::Config::new(dir.path(), size * 1_000_000, 1),
        azlog_gen::Family::Storage,
    )
    .expect("generate corpus");
    let mut files = Vec::new();
    read_tree(dir.path(), &mut files);
    let mut pieces = Vec::new();
    for f in files {
        let mut rest = &f[..];
        while !rest.is_empty() {
            let mut cut = rest.len().min(8 << 20);
            if cut < rest.len() {
                cut = memchr::memrchr(b'\n', &rest[..cut]).map_or(rest.len(), |k| k + 1);
            }
            pieces.push(rest[..cut].to_vec());
            rest = &rest[cut..];
        }
    }
    pieces
}

fn bench(c: &mut Criterion) {
    let pieces = corpus();
    let bytes: usize = pieces.iter().map(Vec::len).sum();
    let mut parser = StorageParser::new();
    // Each piece's builder is sized from the piece before, as the engine sizes it.
    let mut hint = SizeHint::default();
    let mut run = |parser: &mut StorageParser| {
        let mut lines = 0;
        for p in &pieces {
            let mut out = hint.builder(p.len(), DEFAULT_BATCH_ROWS);
            let mut rejects = Vec::new();
            let origin = Origin::whole_file("bench.log");
            lines += parser
                .parse(p, &origin, &mut out, &mut rejects)
                .records_read;
            black_box(out.take_batches().expect("batches"));
            hint.learn(p.len(), out.sizes());
        }
        lines
    };
    let lines = run(&mut parser);

    let mut g = c.benchmark_group("storage_parse");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("bytes", |b| b.iter(|| run(&mut parser)));
    g.throughput(Throughput::Elements(lines));
    g.bench_function("lines", |b| b.iter(|| run(&mut parser)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
