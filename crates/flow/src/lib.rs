//! NSG flow logs (versions 1 and 2) and VNet flow logs (`flowLogVersion` 4) into the azlog
//! unified schema: one row per flow tuple.
//!
//! [`FlowParser`] implements [`azlog_schema::RecordParser`]. It takes a whole flow blob
//! (`{"records":[...]}`, compact or pretty-printed, optional BOM) or JSON Lines with one record
//! per line, detected from the content. Each record is framed without parsing the whole blob
//! ([`azlog_json::scan_records_array`]), copied into a reused scratch buffer and parsed with
//! simd-json, so the input is never mutated and every tuple's provenance points at the exact
//! bytes between its quotes.
//!
//! ```
//! use azlog_flow::FlowParser;
//! use azlog_schema::{BatchBuilder, Origin, RecordParser, col};
//!
//! let blob = br#"{"records":[{"time":"2017-06-21T15:01:12.8532719Z","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":1,"flows":[{"rule":"DefaultRule_DenyAllInBound","flows":[{"mac":"000D3A1B2C3D","flowTuples":["1498057252,198.51.100.61,10.1.0.4,47112,3389,T,I,D"]}]}]}}]}"#;
//! let mut parser = FlowParser::new();
//! let mut out = BatchBuilder::default();
//! let mut rejects = Vec::new();
//! let stats = parser.parse(blob, &Origin::whole_file("PT1H.json"), &mut out, &mut rejects);
//! assert_eq!((stats.rows, stats.rejected), (1, 0));
//! let batches = out.take_batches().unwrap();
//! assert_eq!(batches[0].column(col::src_ip).len(), 1);
//! ```
#![deny(missing_docs)]

mod fast;
mod parser;
mod tuple;

pub use parser::FlowParser;
