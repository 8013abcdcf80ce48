//! Writing an output file's bytes to disk while the conversion goes on.
//!
//! An output file is made durable (`fsync`) before it is renamed to its final name. With
//! 24 GiB of RAM the kernel starts writing dirty pages back only past gigabytes, so without
//! help that `fsync` wrote the whole file at the very end of a run while both cores sat idle:
//! 0.13 s of a 2.4 s activity-log conversion, 0.24 s of storage's 4 s. [`Writeback`] starts a
//! `sync_data` on a helper thread each time another [`Writeback::STEP`] bytes have gone to the
//! file, so the final `fsync` only has the last stretch left.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Background `sync_data` calls for one output file.
pub(crate) struct Writeback {
    /// A second handle on the file (the same open file, so the same dirty pages).
    file: Option<Arc<File>>,
    /// Bytes the file had when the last sync started.
    synced: u64,
    running: Option<JoinHandle<io::Result<()>>>,
    /// The first error a background sync reported: the same open file's errors are reported
    /// once, so the final `fsync` may not see it again.
    error: Option<io::Error>,
}

impl Writeback {
    /// Bytes written between two background syncs.
    pub(crate) const STEP: u64 = 32 << 20;

    /// Writeback for `file`; none (the final `fsync` does it all) if it cannot be duplicated.
    pub(crate) fn new(file: &File) -> Self {
        Self {
            file: file.try_clone().ok().map(Arc::new),
            synced: 0,
            running: None,
            error: None,
        }
    }

    /// The file now holds `written` bytes: starts a sync once a step has gone to it since the
    /// last one and that one is done.
    pub(crate) fn written(&mut self, written: u64) {
        if written < self.synced.saturating_add(Self::STEP)
            || self.running.as_ref().is_some_and(|h| !h.is_finished())
        {
            return;
        }
        let Some(file) = self.file.clone() else {
            return;
        };
        self.reap();
        let spawned = std::thread::Builder::new()
            .name("azlog-writeback".into())
            .spawn(move || file.sync_data());
        // A thread that cannot start leaves the work to the final `fsync`.
        if let Ok(h) = spawned {
            self.synced = written;
            self.running = Some(h);
        }
    }

    /// Waits for the running sync, keeping its error.
    fn reap(&mut self) {
        if let Some(h) = self.running.take() {
            let r = h
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the writeback thread panicked")));
            if let Err(e) = r {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Waits for the running sync: the first error any of them met, if one did.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.reap();
        self.error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn syncs_start_a_step_apart_and_finish_cleanly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut f = File::create(dir.path().join("out")).expect("create");
        let mut wb = Writeback::new(&f);
        wb.written(Writeback::STEP - 1);
        assert!(wb.running.is_none(), "no sync before a full step");
        f.write_all(&[7u8; 4096]).expect("write");
        wb.written(Writeback::STEP);
        assert!(wb.running.is_some(), "a sync once a step is written");
        assert_eq!(wb.synced, Writeback::STEP);
        // While it runs or right after, a smaller advance starts nothing new.
        wb.written(Writeback::STEP + 1);
        assert_eq!(wb.synced, Writeback::STEP);
        wb.finish().expect("syncs succeed");
    }

    #[test]
    fn a_failed_background_sync_is_reported_by_finish() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = File::create(dir.path().join("out")).expect("create");
        let mut wb = Writeback::new(&f);
        // A finished sync that failed, as `reap` finds it.
        wb.running = Some(std::thread::spawn(|| Err(io::Error::other("disk gone"))));
        let e = wb.finish().expect_err("the error comes back");
        assert_eq!(e.to_string(), "disk gone");
    }
}
