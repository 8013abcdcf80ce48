//! The azlog unified schema.
//!
//! - [`COLUMNS`] and [`schema()`]: the 62 columns of `schema.md`, generated from one table, with
//!   docs, Arrow types, nullability and stable Parquet field ids.
//! - [`BatchBuilder`] and [`RowWriter`]: one concrete typed builder per column; a row is written
//!   through typed setters and committed when the writer drops, and every N rows become a
//!   `RecordBatch`.
//! - [`Origin`], [`Reject`], [`ParseStats`]: the contract every parser follows.
//! - Value parsers shared by the families: [`time`], [`ip`], [`vocab`], and [`JsonObject`] for
//!   the `extra` column.
//!
//! ```
//! use azlog_schema::{BatchBuilder, Provenance, col};
//!
//! let mut b = BatchBuilder::new(1024);
//! b.row()
//!     .log_family("storage_analytics")
//!     .operation("GetBlob")
//!     .src_port(50112)
//!     .provenance("blob/2024/03/05/1400/000000.log", &Provenance { line: 1, length: 10, ..Default::default() });
//! let batches = b.take_batches().unwrap();
//! assert_eq!(batches[0].num_rows(), 1);
//! assert_eq!(batches[0].column(col::url).null_count(), 1);
//! ```
#![deny(missing_docs)]

mod batch;
pub mod column;
mod contract;
pub mod doc;
pub mod dump;
mod extra;
pub mod ip;
pub mod time;
pub mod vocab;

pub use batch::{
    BatchBuilder, COLUMN_COUNT, COLUMNS, ColumnDef, DEFAULT_BATCH_ROWS, Provenance, RowWriter,
    SCHEMA_NAME, SCHEMA_VERSION, SizeHint, Sizes, col, is_dict, mask, schema,
};
pub use contract::{BOM, Origin, ParseStats, RecordParser, Reject};
pub use extra::{JsonObject, member_prefix, push_json_string};
pub use time::EventTime;
