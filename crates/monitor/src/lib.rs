//! Azure Monitor JSON for azlog: the Activity log (storage export in every layout, and the
//! REST/SDK export shape) and resource logs of every category, with specific mappings for Key
//! Vault `AuditEvent`, storage `StorageRead`/`StorageWrite`/`StorageDelete`, the four Entra
//! sign-in categories and Entra `AuditLogs` (schema.md §4.1, §4.2).
//!
//! - [`MonitorParser`] implements [`azlog_schema::RecordParser`]. The layout is detected from
//!   the content: JSON Lines (one record per line, CRLF and blank lines tolerated, lines
//!   holding `{"records":[...]}` expanded) or a stream of top-level values (the legacy
//!   `{"records":[...]}` document, pretty-printed or not, concatenated documents, top-level
//!   arrays). A UTF-8 BOM is skipped and still counted in offsets.
//! - Each record is copied into a reused scratch buffer and parsed in place by simd-json into a
//!   reused tape; nothing builds a `serde_json::Value`.
//! - Every source field either fills a column that re-renders it exactly or stays in `extra`
//!   (compact JSON, source key order, consumed leaves removed).
//!
//! ```
//! use azlog_monitor::MonitorParser;
//! use azlog_schema::{BatchBuilder, Origin, RecordParser};
//!
//! let input = br#"{"time":"2024-07-14T09:30:00.0000000Z","category":"AuditEvent","operationName":"VaultGet","resultType":"Success","properties":{"httpStatusCode":403}}
//! not json
//! "#;
//! let mut parser = MonitorParser::new();
//! let mut out = BatchBuilder::default();
//! let mut rejects = Vec::new();
//! let stats = parser.parse(input, &Origin::whole_file("PT1H.json"), &mut out, &mut rejects);
//! assert_eq!((stats.records_read, stats.rows, stats.rejected), (2, 1, 1));
//! assert_eq!(rejects[0].reason, "invalid_json");
//! ```
#![deny(missing_docs)]

mod fast;
mod frame;
mod parser;
mod record;
mod render;
mod tape;

pub use parser::{MAX_DEPTH, MonitorParser};
