//! Storage Analytics (`$logs`) parser for azlog: log versions 1.0 and 2.0, dispatched per line.
//!
//! [`StorageParser`] implements [`azlog_schema::RecordParser`]: it takes the bytes of a `$logs`
//! blob (or a line-aligned chunk of one) and appends one row per line to a
//! [`azlog_schema::BatchBuilder`], mapping every field as `schema.md` §4.1 says; fields with
//! no column go to `extra` under their Microsoft field names. Lines that cannot be tokenized
//! or have the wrong field count become [`azlog_schema::Reject`]s with their byte offset.
//!
//! Fields are slices of the input; entity decoding writes into a reused arena only when a field
//! contains `&`.
//!
//! ```
//! use azlog_schema::{BatchBuilder, Origin, RecordParser, col};
//! use azlog_storage::StorageParser;
//!
//! let line = b"1.0;2024-03-05T14:02:11.4213377Z;GetBlob;Success;200;18;12;authenticated;acct;acct;blob;\"https://acct.blob.core.windows.net:443/c/b.txt?a=1&amp;b=2\";\"/acct/c/b.txt\";5f1c2a9e-301e-0042-1b2c-6e8a3c000000;0;203.0.113.45:51234;2021-08-06;512;0;389;10240;;;;;;;\"curl/8.5.0\";;\n";
//! let mut out = BatchBuilder::default();
//! let mut rejects = Vec::new();
//! let stats = StorageParser::new().parse(line, &Origin::whole_file("000000.log"), &mut out, &mut rejects);
//! assert_eq!((stats.rows, stats.rejected), (1, 0));
//! let batch = &out.take_batches().unwrap()[0];
//! assert_eq!(azlog_schema::dump::value_text(batch.column(col::url).as_ref(), 0).unwrap(),
//!            "\"https://acct.blob.core.windows.net:443/c/b.txt?a=1&b=2\"");
//! ```
#![deny(missing_docs)]

mod fields;
mod parser;
mod tokenize;

pub use parser::StorageParser;
