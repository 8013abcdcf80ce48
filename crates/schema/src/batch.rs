//! The column list (single source of truth), the Arrow schema and the typed `BatchBuilder`.
//!
//! The `columns!` table below is the only place a column is declared. From it come the Arrow
//! schema, the column docs (`COLUMNS`, rendered by `azlog schema`), one concrete builder per
//! column in [`BatchBuilder`] and one typed setter per column on [`RowWriter`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use crate::column::{BinCol, ColumnKind, DictCol, I16Col, I32Col, I64Col, ListCol, StrCol, TsCol};
use crate::time::EventTime;

/// Name of the schema, written to the `azlog.schema` metadata key.
pub const SCHEMA_NAME: &str = "azlog.unified";
/// Semver of the column list, written to `azlog.schema_version`.
pub const SCHEMA_VERSION: &str = "1.0.0";
/// Number of columns in the unified schema.
pub const COLUMN_COUNT: usize = 62;
/// Rows per `RecordBatch` unless a builder is told otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 64 * 1024;

/// The description of one column, as generated from the column table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// 1-based column number; also the stable Parquet field id.
    pub number: usize,
    /// Column name (snake_case).
    pub name: &'static str,
    /// Arrow type as text (`Utf8`, `Dict`, `Int64`, ...).
    pub type_name: &'static str,
    /// Whether the column may hold nulls.
    pub nullable: bool,
    /// What the column means.
    pub doc: &'static str,
}

macro_rules! kind_name {
    (TsCol) => {
        "Timestamp(Microsecond, \"UTC\")"
    };
    (I16Col) => {
        "Int16"
    };
    (I32Col) => {
        "Int32"
    };
    (I64Col) => {
        "Int64"
    };
    (StrCol) => {
        "Utf8"
    };
    (DictCol) => {
        "Dictionary(Int32, Utf8)"
    };
    (BinCol) => {
        "Binary"
    };
    (ListCol) => {
        "List(Utf8)"
    };
}

macro_rules! columns {
    ($( $num:literal $name:ident : $kind:ident, $nullable:literal, $doc:literal; )*) => {
        /// Every column of the unified schema, in order.
        pub const COLUMNS: [ColumnDef; COLUMN_COUNT] = [
            $( ColumnDef {
                number: $num,
                name: stringify!($name),
                type_name: kind_name!($kind),
                nullable: $nullable,
                doc: $doc,
            }, )*
        ];

        /// Column positions (0-based) by name, for code that reads batches back.
        pub mod col {
            $(
                #[doc = $doc]
                #[allow(non_upper_case_globals)]
                pub const $name: usize = $num - 1;
            )*
        }

        fn fields() -> Vec<Field> {
            vec![ $( {
                let mut md = HashMap::new();
                md.insert("PARQUET:field_id".to_string(), $num.to_string());
                Field::new(stringify!($name), <$kind as ColumnKind>::data_type(), $nullable)
                    .with_metadata(md)
            }, )* ]
        }

        /// Typed builders for every column: appends rows, produces `RecordBatch`es of the
        /// unified schema. Rows are written through [`BatchBuilder::row`].
        ///
        /// A column holds values only up to the last row that gave it a value: the rows that
        /// left it unset (or set it to null) are padded with nulls in bulk when it next gets a
        /// value or when the batch is cut, so a row costs nothing for its null columns.
        pub struct BatchBuilder {
            $( $name: $kind, )*
            rows: usize,
            batch_rows: usize,
            done: Vec<RecordBatch>,
            error: Option<ArrowError>,
            sizes: Sizes,
            /// Columns whose last value carries into the rows after it (see
            /// [`RowWriter::hold`]); each one's values end at the row that set it.
            held: u64,
        }

        impl BatchBuilder {
            /// A builder that cuts a batch every `batch_rows` rows (at least 1).
            pub fn new(batch_rows: usize) -> Self {
                let batch_rows = batch_rows.max(1);
                let cap = batch_rows.min(8192);
                Self {
                    $( $name: <$kind as ColumnKind>::with_capacity(cap), )*
                    rows: 0,
                    batch_rows,
                    done: Vec::new(),
                    error: None,
                    sizes: Sizes::default(),
                    held: 0,
                }
            }

            /// A builder like [`BatchBuilder::new`] whose first batch has room for the rows
            /// and value bytes of `expected` (as far as a batch holds), so its buffers are
            /// allocated once instead of grown by doubling from a guess. `expected` is
            /// typically an earlier builder's [`BatchBuilder::sizes`], scaled with
            /// [`Sizes::scaled`]. The batches are the same either way.
            pub fn with_sizes(batch_rows: usize, expected: &Sizes) -> Self {
                let batch_rows = batch_rows.max(1);
                let rows = expected.rows.min(batch_rows);
                if rows == 0 {
                    return Self::new(batch_rows);
                }
                let share = |bytes: usize| {
                    (bytes as u128 * rows as u128 / expected.rows as u128) as usize
                };
                Self {
                    $( $name: <$kind as ColumnKind>::with_capacity_bytes(
                        rows,
                        share(expected.bytes[$num - 1]),
                    ), )*
                    rows: 0,
                    batch_rows,
                    done: Vec::new(),
                    error: None,
                    sizes: Sizes::default(),
                    held: 0,
                }
            }

            /// Brings every held column up to the committed rows with its last value, and
            /// holds none.
            fn release(&mut self) {
                let held = std::mem::take(&mut self.held);
                let rows = self.rows;
                $(
                    if held & (1u64 << ($num - 1)) != 0 {
                        let col = &mut self.$name;
                        col.repeat_last(rows.saturating_sub(col.len()));
                    }
                )*
            }

            /// Holds the columns of `mask` that got a value in the row just committed (a
            /// column the row left null is not held: it stays null, by padding, like any
            /// unset column).
            fn hold_committed(&mut self, mask: u64) {
                let rows = self.rows;
                let mut held = 0;
                $(
                    if mask & (1u64 << ($num - 1)) != 0 && self.$name.len() == rows {
                        held |= 1u64 << ($num - 1);
                    }
                )*
                self.held = held;
            }

            /// Pads every column up to `rows` and finishes it, adding what it held to `sizes`.
            fn finish_columns(&mut self) -> Vec<ArrayRef> {
                let rows = self.rows;
                self.sizes.rows += rows;
                vec![ $( {
                    pad(&mut self.$name, rows, $nullable);
                    self.sizes.bytes[$num - 1] += self.$name.data_bytes();
                    self.$name.finish()
                }, )* ]
            }
        }

        /// The bits of the NOT NULL columns in [`RowWriter`]'s `set` mask.
        const NOT_NULL: u64 = 0 $( | if $nullable { 0 } else { 1u64 << ($num - 1) } )*;

        /// One row being written. Each setter fills one column; a column left unset is null
        /// (a NOT NULL column left unset gets its neutral value and trips a debug assertion).
        /// The row is committed when the writer is dropped. A column set twice keeps its first
        /// value (and trips a debug assertion); so does a column set in a row that holds it
        /// ([`BatchBuilder::row_holding`]).
        pub struct RowWriter<'b> {
            b: &'b mut BatchBuilder,
            set: u64,
            hold: u64,
        }

        impl RowWriter<'_> {
            $(
                #[doc = $doc]
                #[inline]
                pub fn $name<'v>(
                    &mut self,
                    v: impl Into<Option<<$kind as ColumnKind>::Value<'v>>>,
                ) -> &mut Self {
                    const BIT: u64 = 1u64 << ($num - 1);
                    if self.set & BIT != 0 {
                        debug_assert!(
                            false,
                            concat!("column set twice or held: ", stringify!($name))
                        );
                        return self;
                    }
                    self.set |= BIT;
                    let rows = self.b.rows;
                    let col = &mut self.b.$name;
                    match v.into() {
                        Some(v) => {
                            pad(col, rows, $nullable);
                            col.append(v);
                        }
                        // A null is what the padding writes: left to it, like an unset column.
                        None if $nullable => {}
                        None => {
                            pad(col, rows, $nullable);
                            col.append_null();
                        }
                    }
                    self
                }
            )*
        }
    };
}

columns! {
    1 event_time: TsCol, true, "When the event happened, UTC, floored to the microsecond.";
    2 event_time_extra_ns: I16Col, true, "Nanoseconds beyond `event_time` (0–999); null iff `event_time` is null.";
    3 log_family: DictCol, false, "`storage_analytics`, `nsg_flow`, `vnet_flow`, `activity_log`, `resource_log`.";
    4 format_version: DictCol, true, "Source-declared format version (`1.0`, `2.0`, `1`, `2`, `4`, storage `schemaVersion`) or an azlog variant tag (`storage-export`, `api-export`).";
    5 category: DictCol, true, "Azure log category, verbatim (`StorageRead`, `AuditEvent`, `Administrative`, `NetworkSecurityGroupFlowEvent`).";
    6 operation: DictCol, true, "Operation name, verbatim (`GetBlob`, `SecretGet`, `MICROSOFT.…/WRITE`).";
    7 ocsf_class_uid: I32Col, true, "OCSF class the row corresponds to (4001, 6003, 3002) or null.";
    8 outcome: DictCol, true, "`success`, `failure`, `unknown`; null when not applicable (flows: see `action`).";
    9 result_type: DictCol, true, "Primary source result, verbatim (Storage Analytics `request-status`, `resultType`, storage `statusText`, sign-in error code).";
    10 result_signature: DictCol, true, "`resultSignature` verbatim (activity sub-status, Key Vault `OK`/`Forbidden`).";
    11 result_description: StrCol, true, "`resultDescription` or failure reason, verbatim.";
    12 http_status: I16Col, true, "HTTP status code when numeric.";
    13 level: DictCol, true, "`critical`, `error`, `warning`, `informational`, `verbose`.";
    14 user_name: StrCol, true, "Acting principal's name, UPN when known, verbatim case.";
    15 user_id: StrCol, true, "Entra object id of the acting principal (lowercase GUID).";
    16 app_id: StrCol, true, "OAuth client application id (lowercase GUID).";
    17 app_name: DictCol, true, "Application display name.";
    18 tenant_id: DictCol, true, "Entra tenant of the principal or record (lowercase GUID), never a workspace id.";
    19 auth_type: DictCol, true, "How the request authenticated, verbatim (`sas`, `bearer`, `AccountKey`, `OAuth`).";
    20 src_ip: StrCol, true, "Source / caller IP, canonical text (IPv4-mapped IPv6 folded to IPv4).";
    21 src_port: I32Col, true, "Source port.";
    22 src_geo_country: DictCol, true, "ISO 3166-1 alpha-2 country of the source, as reported by Azure.";
    23 dst_ip: StrCol, true, "Destination IP, canonical text.";
    24 dst_port: I32Col, true, "Destination port.";
    25 ip_protocol: I16Col, true, "IANA protocol number.";
    26 network_transport: DictCol, true, "IANA keyword, lowercase (`tcp`, `udp`, `icmp`, `ipv6-icmp`).";
    27 app_protocol: DictCol, true, "Application protocol, lowercase (`https`, `http`, `smb`).";
    28 network_direction: DictCol, true, "`inbound` / `outbound`, relative to the NIC or subnet that logged the flow.";
    29 action: DictCol, true, "Policy decision: `allow` / `deny`.";
    30 flow_state: DictCol, true, "`begin`, `continue`, `end`, `deny`.";
    31 flow_encryption: DictCol, true, "VNet encryption code, verbatim (`X`, `NX`, `NX_…`).";
    32 rule_name: DictCol, true, "NSG / security-admin rule that decided the flow.";
    33 nic_mac: DictCol, true, "MAC of the interface that logged the flow, `00-0D-3A-1B-2C-3D` form.";
    34 src_bytes: I64Col, true, "Bytes sent by the source (flows: src→dst; storage: request body).";
    35 dst_bytes: I64Col, true, "Bytes sent by the destination (flows: dst→src; storage: response body).";
    36 src_packets: I64Col, true, "Packets sent by the source.";
    37 dst_packets: I64Col, true, "Packets sent by the destination.";
    38 http_method: DictCol, true, "HTTP verb when the source records it.";
    39 url: StrCol, true, "Request URL, verbatim (after HTML decoding for Storage Analytics).";
    40 target_object: StrCol, true, "The object read or changed: blob key, secret id, Entra target.";
    41 user_agent: StrCol, true, "User-Agent (or Key Vault `clientInfo`), verbatim.";
    42 duration_ms: I64Col, true, "End-to-end duration in milliseconds.";
    43 server_latency_ms: I64Col, true, "Server-side latency in milliseconds (storage).";
    44 correlation_id: StrCol, true, "Correlation / service request id, verbatim.";
    45 client_request_id: StrCol, true, "Client-supplied request id (`x-ms-client-request-id`).";
    46 record_uid: StrCol, true, "The source's own unique id for this record, when it has one.";
    47 resource_id: DictCol, true, "Azure resource id, verbatim.";
    48 subscription_id: DictCol, true, "Subscription GUID from the resource id, lowercase.";
    49 resource_group: DictCol, true, "Resource group, lowercase.";
    50 resource_type: DictCol, true, "ARM type path, lowercase (`microsoft.storage/storageaccounts/blobservices`).";
    51 resource_name: DictCol, true, "Name of the top-level resource, lowercase (storage account, vault, NSG).";
    52 region: DictCol, true, "Azure location, lowercase without spaces (`westeurope`, `global`).";
    53 extra: StrCol, true, "JSON object with every source field not fully represented by a column; null when empty.";
    54 parse_issues: ListCol, true, "Codes for partial problems on this row (`time_unparsed`, `ip_invalid:src`, …); null when clean.";
    55 source_file: DictCol, false, "Input path relative to the input root; archive members as `dump.zip!/path/in/zip`.";
    56 source_offset: I64Col, false, "Byte offset of the row's evidence in the (decompressed) file.";
    57 source_length: I32Col, false, "Length in bytes of that evidence.";
    58 source_line: I64Col, false, "1-based line number where the evidence starts.";
    59 record_index: I64Col, false, "0-based ordinal of the record in the file (line, JSON Lines line, `records[]` element).";
    60 item_index: I32Col, true, "0-based ordinal of the tuple within its record, counted across nested arrays; null for whole-record rows.";
    61 json_path: StrCol, true, "Opt-in: JSONPath of the evidence when it is not a whole line.";
    62 raw: BinCol, true, "Exact source bytes of the evidence (opt-in, `--raw`); always filled for rejected records.";
}

/// How big a builder's batches were: their rows, and the value bytes of every variable-width
/// column (`Utf8`, `Binary`; 0 for the others), by column position.
///
/// Taken from one builder ([`BatchBuilder::sizes`]) to size the next one
/// ([`BatchBuilder::with_sizes`]): a converter that builds a batch per piece of input learns
/// from the last piece how much room the next one needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    /// Rows in all.
    pub rows: usize,
    /// Value bytes per column, indexed like [`COLUMNS`].
    pub bytes: [usize; COLUMN_COUNT],
}

impl Default for Sizes {
    fn default() -> Self {
        Self {
            rows: 0,
            bytes: [0; COLUMN_COUNT],
        }
    }
}

impl Sizes {
    /// These sizes scaled by `num / den` (rounded up), plus 1/16 for headroom: the expected
    /// sizes for `num` bytes of input when these came from `den` bytes. `den == 0` gives the
    /// empty sizes.
    pub fn scaled(&self, num: usize, den: usize) -> Sizes {
        if den == 0 {
            return Sizes::default();
        }
        let f = |v: usize| {
            let v = (v as u128 * num as u128).div_ceil(den as u128);
            usize::try_from(v + v / 16).unwrap_or(usize::MAX)
        };
        Sizes {
            rows: f(self.rows),
            bytes: self.bytes.map(f),
        }
    }
}

/// What the last piece of input built, for sizing the builder of the next: a converter that
/// cuts its input into pieces and builds batches piece by piece keeps one per kind of input
/// ([`SizeHint::builder`] for each piece, then [`SizeHint::learn`] from its builder).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SizeHint {
    /// Input bytes of the piece learned from (0: none yet).
    bytes: usize,
    /// What its builder held.
    sizes: Sizes,
}

impl SizeHint {
    /// The sizes expected for a piece of `bytes` ([`Sizes::scaled`] from the piece learned),
    /// or `None` before any piece was learned.
    pub fn expected(&self, bytes: usize) -> Option<Sizes> {
        (self.bytes > 0).then(|| self.sizes.scaled(bytes, self.bytes))
    }

    /// A builder for a piece of `bytes` that cuts a batch every `batch_rows` rows, with room
    /// for what [`SizeHint::expected`] says ([`BatchBuilder::new`] before any piece).
    pub fn builder(&self, bytes: usize, batch_rows: usize) -> BatchBuilder {
        match self.expected(bytes) {
            Some(sizes) => BatchBuilder::with_sizes(batch_rows, &sizes),
            None => BatchBuilder::new(batch_rows),
        }
    }

    /// Learns from a piece of `bytes` whose builder ended with `sizes`
    /// ([`BatchBuilder::sizes`]). A piece without bytes or rows teaches nothing.
    pub fn learn(&mut self, bytes: usize, sizes: &Sizes) {
        if bytes == 0 || sizes.rows == 0 {
            return;
        }
        self.bytes = bytes;
        self.sizes.clone_from(sizes);
    }
}

/// The unified Arrow schema, with `PARQUET:field_id` on every field and the schema name and
/// version in its metadata.
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut md = HashMap::new();
            md.insert("azlog.schema".to_string(), SCHEMA_NAME.to_string());
            md.insert(
                "azlog.schema_version".to_string(),
                SCHEMA_VERSION.to_string(),
            );
            Arc::new(Schema::new_with_metadata(fields(), md))
        })
        .clone()
}

/// Position of the evidence a row came from (schema.md §5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Provenance {
    /// Byte offset of the evidence in the file.
    pub offset: u64,
    /// Length of the evidence in bytes.
    pub length: u64,
    /// 1-based line where the evidence starts.
    pub line: u64,
    /// 0-based record ordinal in the file.
    pub record_index: u64,
    /// 0-based item (flow tuple) ordinal within the record.
    pub item_index: Option<u32>,
}

impl BatchBuilder {
    /// Starts a row. The row is committed when the returned writer is dropped. Columns held
    /// for the rows before it ([`RowWriter::hold`]) are released first: this row sets its
    /// own.
    #[inline]
    pub fn row(&mut self) -> RowWriter<'_> {
        if self.held != 0 {
            self.release();
        }
        RowWriter {
            b: self,
            set: 0,
            hold: 0,
        }
    }

    /// Starts a row that keeps the held columns' values ([`RowWriter::hold`]): they count as
    /// set, and the row writes only the others. With nothing held (after a batch cut, say) it
    /// is [`BatchBuilder::row`].
    #[inline]
    pub fn row_holding(&mut self) -> RowWriter<'_> {
        RowWriter {
            set: self.held,
            b: self,
            hold: 0,
        }
    }

    /// The columns held for the next [`BatchBuilder::row_holding`], as bits by column
    /// position ([`mask`]); 0 when none is.
    #[inline]
    pub fn held(&self) -> u64 {
        self.held
    }

    /// Rows appended and not yet cut into a batch.
    pub fn pending_rows(&self) -> usize {
        self.rows
    }

    /// Rows waiting in finished batches plus pending rows.
    pub fn len(&self) -> usize {
        self.rows + self.done.iter().map(RecordBatch::num_rows).sum::<usize>()
    }

    /// True when nothing was appended since the last [`BatchBuilder::take_batches`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cuts the pending rows into a batch (if any).
    pub fn flush(&mut self) {
        // The cut ends every hold: a new batch's columns start empty, with no last value.
        self.release();
        if self.rows == 0 {
            return;
        }
        let columns = self.finish_columns();
        self.rows = 0;
        match RecordBatch::try_new(schema(), columns) {
            Ok(b) => self.done.push(b),
            Err(e) => self.error = Some(e),
        }
    }

    /// The sizes of every batch cut so far (by [`BatchBuilder::flush`] or
    /// [`BatchBuilder::take_batches`]), including batches already handed out.
    pub fn sizes(&self) -> &Sizes {
        &self.sizes
    }

    /// Flushes and hands out every finished batch, in row order.
    pub fn take_batches(&mut self) -> Result<Vec<RecordBatch>, ArrowError> {
        self.flush();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        Ok(std::mem::take(&mut self.done))
    }
}

impl Default for BatchBuilder {
    fn default() -> Self {
        Self::new(DEFAULT_BATCH_ROWS)
    }
}

/// The bits of `columns` (positions, [`col`]) in a column mask, as [`RowWriter::hold`] and
/// [`BatchBuilder::held`] take and give them.
pub const fn mask(columns: &[usize]) -> u64 {
    let mut m = 0;
    let mut i = 0;
    while i < columns.len() {
        m |= 1u64 << columns[i];
        i += 1;
    }
    m
}

impl RowWriter<'_> {
    /// Holds the columns of `mask` ([`mask`]) once this row is committed: each keeps this
    /// row's value for the rows after it that start with [`BatchBuilder::row_holding`], which
    /// then skip their setters. A flow record's resource and source file, and a rule group's
    /// rule, are the same for every tuple; a run of them is written once, when the hold ends
    /// (at the next [`BatchBuilder::row`] or batch cut), instead of once a row. A column of
    /// `mask` this row leaves null is not held; it stays null in those rows.
    #[inline]
    pub fn hold(&mut self, mask: u64) -> &mut Self {
        self.hold = mask;
        self
    }

    /// Sets `event_time` and `event_time_extra_ns` together (both null for `None`).
    #[inline]
    pub fn time(&mut self, t: Option<EventTime>) -> &mut Self {
        match t {
            Some(t) => self.event_time(t.micros).event_time_extra_ns(t.extra_ns),
            None => self.event_time(None).event_time_extra_ns(None),
        }
    }

    /// Sets the NOT NULL provenance columns and `item_index`.
    #[inline]
    pub fn provenance(&mut self, source_file: &str, p: &Provenance) -> &mut Self {
        self.source_file(source_file)
            .source_offset(clamp_i64(p.offset))
            .source_length(i32::try_from(p.length).unwrap_or(i32::MAX))
            .source_line(clamp_i64(p.line))
            .record_index(clamp_i64(p.record_index))
            .item_index(p.item_index.map(|i| i32::try_from(i).unwrap_or(i32::MAX)))
    }
}

fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Brings `col` up to `rows` values: the rows since it last got a value left it unset or null,
/// so they get nulls (the neutral value for a NOT NULL column). Usually a no-op.
#[inline]
fn pad<K: ColumnKind>(col: &mut K, rows: usize, nullable: bool) {
    // A column never runs ahead of the committed rows: it gets at most one value per row, and
    // `rows` counts the row being written only once it is dropped.
    let gap = rows.saturating_sub(col.len());
    if gap != 0 {
        pad_gap(col, gap, nullable);
    }
}

#[inline(never)]
fn pad_gap<K: ColumnKind>(col: &mut K, gap: usize, nullable: bool) {
    if nullable {
        col.append_nulls(gap);
    } else {
        col.append_defaults(gap);
    }
}

/// Names of the NOT NULL columns missing from a row's `set` mask (for the debug assertion).
fn unset_not_null(set: u64) -> String {
    let names: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !c.nullable && set & (1u64 << (c.number - 1)) == 0)
        .map(|c| c.name)
        .collect();
    names.join(", ")
}

impl Drop for RowWriter<'_> {
    fn drop(&mut self) {
        // Unset columns are padded later (`pad`); only the NOT NULL check is per row.
        // Not while unwinding (a setter's own assertion): a second panic would abort.
        debug_assert!(
            self.set & NOT_NULL == NOT_NULL || std::thread::panicking(),
            "NOT NULL column unset: {}",
            unset_not_null(self.set)
        );
        self.b.rows += 1;
        if self.hold != 0 {
            self.b.hold_committed(self.hold);
        }
        if self.b.rows >= self.b.batch_rows {
            self.b.flush();
        }
    }
}

/// True for an Arrow type used by the schema as a dictionary column.
pub fn is_dict(dt: &DataType) -> bool {
    matches!(dt, DataType::Dictionary(_, _))
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
    use arrow_array::{Array, DictionaryArray};

    use super::*;

    /// Sets exactly the NOT NULL columns.
    fn not_null(r: &mut RowWriter<'_>, file: &str, i: i64) {
        r.log_family("nsg_flow")
            .source_file(file)
            .source_offset(i)
            .source_length(1)
            .source_line(i + 1)
            .record_index(i);
    }

    /// Rows of each batch.
    fn rows_of(batches: &[RecordBatch]) -> Vec<usize> {
        batches.iter().map(RecordBatch::num_rows).collect()
    }

    fn i64s(b: &RecordBatch, c: usize) -> Vec<Option<i64>> {
        b.column(c).as_primitive::<Int64Type>().iter().collect()
    }

    fn i32s(b: &RecordBatch, c: usize) -> Vec<Option<i32>> {
        b.column(c).as_primitive::<Int32Type>().iter().collect()
    }

    fn strs(b: &RecordBatch, c: usize) -> Vec<Option<&str>> {
        b.column(c).as_string::<i32>().iter().collect()
    }

    fn bins(b: &RecordBatch, c: usize) -> Vec<Option<&[u8]>> {
        b.column(c).as_binary::<i32>().iter().collect()
    }

    /// Dictionary keys and values, so a change of key order shows.
    fn dict(b: &RecordBatch, c: usize) -> (Vec<Option<i32>>, Vec<Option<&str>>) {
        let d: &DictionaryArray<Int32Type> = b.column(c).as_dictionary();
        let values = d.values().as_string::<i32>().iter().collect();
        (d.keys().iter().collect(), values)
    }

    fn lists(b: &RecordBatch, c: usize) -> Vec<Option<Vec<String>>> {
        b.column(c)
            .as_list::<i32>()
            .iter()
            .map(|l| {
                l.map(|a| {
                    a.as_string::<i32>()
                        .iter()
                        .map(|s| s.unwrap_or("<null>").to_string())
                        .collect()
                })
            })
            .collect()
    }

    /// Every nullable column of `b` except `set` is all null; NOT NULL ones have no null.
    fn others_all_null(b: &RecordBatch, set: &[usize]) {
        for (i, c) in COLUMNS.iter().enumerate() {
            let a = b.column(i);
            assert_eq!(a.len(), b.num_rows(), "{}", c.name);
            if !c.nullable {
                assert_eq!(a.null_count(), 0, "{}", c.name);
            } else if !set.contains(&i) {
                assert_eq!(a.null_count(), b.num_rows(), "{}", c.name);
            }
        }
    }

    #[test]
    fn unset_columns_are_null_in_finished_batches() {
        let mut b = BatchBuilder::new(3);
        {
            // Row 0: columns of every kind.
            let mut r = b.row();
            not_null(&mut r, "a", 0);
            r.time(Some(EventTime {
                micros: 10,
                extra_ns: 5,
            }))
            .category("c1")
            .src_port(80)
            .src_bytes(100)
            .url("u0")
            .parse_issues(&["p"][..])
            .raw(&b"r0"[..]);
        }
        {
            // Row 1: no nullable column at all.
            let mut r = b.row();
            not_null(&mut r, "b", 1);
        }
        {
            // Row 2: explicit nulls, a new dictionary value, columns first set here.
            let mut r = b.row();
            not_null(&mut r, "a", 2);
            r.category("c2")
                .src_port(None)
                .url(None)
                .dst_bytes(7)
                .item_index(3);
        }
        assert_eq!(b.pending_rows(), 0, "the batch is cut after 3 rows");
        {
            // Row 3: first row of the second batch.
            let mut r = b.row();
            not_null(&mut r, "b", 3);
            r.raw(&b"r3"[..]).category("c2");
        }
        {
            // Row 4: again no nullable column, the last row.
            let mut r = b.row();
            not_null(&mut r, "b", 4);
        }
        assert_eq!(b.len(), 5);
        let batches = b.take_batches().expect("batches");
        assert_eq!(rows_of(&batches), [3, 2]);

        let b0 = &batches[0];
        others_all_null(
            b0,
            &[
                col::event_time,
                col::event_time_extra_ns,
                col::category,
                col::src_port,
                col::src_bytes,
                col::dst_bytes,
                col::url,
                col::parse_issues,
                col::raw,
                col::item_index,
            ],
        );
        let ts: Vec<_> = b0
            .column(col::event_time)
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .collect();
        assert_eq!(ts, [Some(10), None, None]);
        let ns: Vec<_> = b0
            .column(col::event_time_extra_ns)
            .as_primitive::<Int16Type>()
            .iter()
            .collect();
        assert_eq!(ns, [Some(5), None, None]);
        assert_eq!(
            dict(b0, col::category),
            (vec![Some(0), None, Some(1)], vec![Some("c1"), Some("c2")])
        );
        assert_eq!(i32s(b0, col::src_port), [Some(80), None, None]);
        assert_eq!(i64s(b0, col::src_bytes), [Some(100), None, None]);
        assert_eq!(i64s(b0, col::dst_bytes), [None, None, Some(7)]);
        assert_eq!(strs(b0, col::url), [Some("u0"), None, None]);
        assert_eq!(
            lists(b0, col::parse_issues),
            [Some(vec!["p".to_string()]), None, None]
        );
        assert_eq!(bins(b0, col::raw), [Some(&b"r0"[..]), None, None]);
        assert_eq!(i32s(b0, col::item_index), [None, None, Some(3)]);
        assert_eq!(
            dict(b0, col::source_file),
            (vec![Some(0), Some(1), Some(0)], vec![Some("a"), Some("b")])
        );
        assert_eq!(
            dict(b0, col::log_family),
            (vec![Some(0); 3], vec![Some("nsg_flow")])
        );
        assert_eq!(i64s(b0, col::source_offset), [Some(0), Some(1), Some(2)]);
        assert_eq!(i64s(b0, col::source_line), [Some(1), Some(2), Some(3)]);
        assert_eq!(i32s(b0, col::source_length), [Some(1); 3]);

        let b1 = &batches[1];
        others_all_null(b1, &[col::category, col::raw]);
        assert_eq!(
            dict(b1, col::category),
            (vec![Some(0), None], vec![Some("c2")])
        );
        assert_eq!(bins(b1, col::raw), [Some(&b"r3"[..]), None]);
        assert_eq!(
            dict(b1, col::source_file),
            (vec![Some(0), Some(0)], vec![Some("b")])
        );
        assert_eq!(i64s(b1, col::record_index), [Some(3), Some(4)]);
        assert_eq!(b1.column(col::event_time).null_count(), 2);
        assert_eq!(b1.column(col::dst_bytes).null_count(), 2);
    }

    #[test]
    fn a_builder_is_reusable_after_take_batches() {
        let mut b = BatchBuilder::new(10);
        {
            let mut r = b.row();
            not_null(&mut r, "a", 0);
            r.src_port(1);
        }
        not_null(&mut b.row(), "a", 1);
        // The first batch's padding must not leak into the next one.
        let first = b.take_batches().expect("batches");
        assert_eq!(i32s(&first[0], col::src_port), [Some(1), None]);
        assert_eq!(first[0].column(col::dst_port).null_count(), 2);
        {
            let mut r = b.row();
            not_null(&mut r, "c", 7);
            r.dst_port(9);
        }
        let batches = b.take_batches().expect("batches");
        assert_eq!(batches.len(), 1);
        let b0 = &batches[0];
        others_all_null(b0, &[col::dst_port]);
        assert_eq!(i32s(b0, col::dst_port), [Some(9)]);
        assert_eq!(i32s(b0, col::src_port), [None]);
        assert_eq!(dict(b0, col::source_file), (vec![Some(0)], vec![Some("c")]));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "NOT NULL column unset: source_line, record_index")]
    fn an_unset_not_null_column_trips_the_debug_assertion() {
        let mut b = BatchBuilder::new(10);
        b.row()
            .log_family("x")
            .source_file("f")
            .source_offset(0)
            .source_length(0);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "column set twice or held: src_port")]
    fn a_column_set_twice_trips_the_debug_assertion() {
        let mut b = BatchBuilder::new(10);
        let mut r = b.row();
        not_null(&mut r, "a", 0);
        r.src_port(1).src_port(2);
    }

    /// Without debug assertions: the first value wins and NOT NULL gaps get neutral values,
    /// in the dictionary order the eager fill gave.
    #[test]
    #[cfg(not(debug_assertions))]
    fn release_keeps_the_first_value_and_fills_not_null_gaps() {
        let mut b = BatchBuilder::new(10);
        b.row()
            .log_family("x")
            .src_port(1)
            .src_port(2)
            .dst_port(None)
            .dst_port(4);
        not_null(&mut b.row(), "f", 5);
        b.row().src_port(3);
        let batches = b.take_batches().expect("batches");
        let b0 = &batches[0];
        assert_eq!(i32s(b0, col::src_port), [Some(1), None, Some(3)]);
        assert_eq!(i32s(b0, col::dst_port), [None, None, None]);
        assert_eq!(
            dict(b0, col::source_file),
            (vec![Some(0), Some(1), Some(0)], vec![Some(""), Some("f")])
        );
        assert_eq!(
            dict(b0, col::log_family),
            (
                vec![Some(0), Some(1), Some(2)],
                vec![Some("x"), Some("nsg_flow"), Some("")]
            )
        );
        assert_eq!(i64s(b0, col::source_offset), [Some(0), Some(5), Some(0)]);
        assert_eq!(b0.column(col::source_line).null_count(), 0);
    }

    #[test]
    fn table_is_complete_and_ordered() {
        for (i, c) in COLUMNS.iter().enumerate() {
            assert_eq!(c.number, i + 1, "{}", c.name);
        }
        let s = schema();
        assert_eq!(s.fields().len(), COLUMN_COUNT);
        assert_eq!(s.field(col::source_file).name(), "source_file");
        assert!(!s.field(col::log_family).is_nullable());
        assert_eq!(
            s.field(col::event_time)
                .metadata()
                .get("PARQUET:field_id")
                .map(String::as_str),
            Some("1")
        );
        let not_null: Vec<_> = COLUMNS
            .iter()
            .filter(|c| !c.nullable)
            .map(|c| c.name)
            .collect();
        assert_eq!(
            not_null,
            [
                "log_family",
                "source_file",
                "source_offset",
                "source_length",
                "source_line",
                "record_index"
            ]
        );
    }

    #[test]
    fn rows_become_batches_of_the_schema() {
        let mut b = BatchBuilder::new(2);
        for i in 0..3u64 {
            let mut r = b.row();
            r.log_family("storage_analytics")
                .src_port(443)
                .parse_issues(&["x"][..])
                .provenance(
                    "a.log",
                    &Provenance {
                        offset: i * 10,
                        length: 9,
                        line: i + 1,
                        ..Default::default()
                    },
                );
        }
        let batches = b.take_batches().expect("batches");
        assert_eq!(rows_of(&batches), [2, 1]);
        assert_eq!(batches[0].schema(), schema());
        assert_eq!(batches[0].column(col::event_time).null_count(), 2);
        assert_eq!(batches[0].column(col::src_port).null_count(), 0);
        assert!(b.is_empty());
    }

    /// The columns [`held_rows_equal_rows_that_set_every_column`] holds: one of every kind.
    const HELD: u64 = mask(&[
        col::event_time,
        col::event_time_extra_ns,
        col::http_status,
        col::ocsf_class_uid,
        col::duration_ms,
        col::resource_id,
        col::extra,
        col::raw,
        col::parse_issues,
        col::log_family,
        col::source_file,
    ]);

    /// Sets the columns of `HELD` for run `g` (some of them null in some runs).
    fn group_columns(r: &mut RowWriter<'_>, g: usize) {
        let some = g % 3 != 1;
        let issues = [["p"].as_slice(), &["q", "r"]][g % 2];
        r.time(some.then_some(EventTime {
            micros: g as i64,
            extra_ns: 7,
        }))
        .http_status(some.then_some(200 + g as i16))
        .ocsf_class_uid(4001)
        .duration_ms(g.is_multiple_of(2).then_some(g as i64))
        .resource_id(some.then(|| ["/a", "/b"][g % 2]))
        .extra(some.then(|| ["{}", "{\"k\":1}"][g % 2]))
        .raw(some.then_some(b"raw".as_slice()))
        .parse_issues(some.then_some(issues))
        .log_family("nsg_flow")
        .source_file(["f1", "f2"][g % 2]);
    }

    /// Runs of rows sharing values (a flow group's tuples), cut by batches of 4, with a row
    /// that sets everything itself (a reject) in the middle of one run.
    const RUNS: [usize; 6] = [5, 1, 3, 2, 6, 4];

    #[test]
    fn held_rows_equal_rows_that_set_every_column() {
        let write = |holding: bool| {
            let mut b = BatchBuilder::new(4);
            let mut n = 0i64;
            for (g, &len) in RUNS.iter().enumerate() {
                for i in 0..len {
                    if g == 4 && i == 3 {
                        let mut r = b.row();
                        r.url("reject");
                        not_null(&mut r, "x", n);
                        n += 1;
                    }
                    let cont = holding && i > 0 && b.held() != 0;
                    let mut r = if cont { b.row_holding() } else { b.row() };
                    r.src_port(i as i32)
                        .source_offset(n)
                        .source_length(1)
                        .source_line(n + 1)
                        .record_index(n);
                    if !cont {
                        group_columns(&mut r, g);
                        if holding {
                            r.hold(HELD);
                        }
                    }
                    n += 1;
                }
            }
            b.take_batches().expect("batches")
        };
        let (plain, held) = (write(false), write(true));
        assert_eq!(rows_of(&held), [4, 4, 4, 4, 4, 2]);
        for (i, (h, p)) in held.iter().zip(&plain).enumerate() {
            for (c, def) in COLUMNS.iter().enumerate() {
                assert_eq!(h.column(c), p.column(c), "batch {i}: {}", def.name);
            }
        }
        assert_eq!(held, plain);
        // Nulls came through: a held run of nulls stays null.
        let nulls: usize = held.iter().map(|b| b.column(col::extra).null_count()).sum();
        assert_eq!(nulls, RUNS[1] + RUNS[4] + 1);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "column set twice or held: resource_id")]
    fn setting_a_held_column_trips_the_debug_assertion() {
        let mut b = BatchBuilder::new(8);
        let mut r = b.row();
        r.resource_id("/a").hold(mask(&[col::resource_id]));
        not_null(&mut r, "f", 0);
        drop(r);
        let mut r = b.row_holding();
        not_null(&mut r, "f", 1);
        r.resource_id("/b");
    }

    /// Writes `n` rows with a url of `i` bytes each and a raw column on every other row.
    fn fill(b: &mut BatchBuilder, n: usize) {
        for i in 0..n {
            let url = "u".repeat(i % 50);
            let mut r = b.row();
            not_null(&mut r, "f", i as i64);
            r.url(url.as_str()).src_port(i as i32);
            if i % 2 == 0 {
                r.raw(&b"raw!"[..]);
            }
        }
    }

    #[test]
    fn sizes_count_rows_and_value_bytes_of_every_batch() {
        let mut b = BatchBuilder::new(7);
        fill(&mut b, 20);
        let batches = b.take_batches().expect("batches");
        assert_eq!(batches.len(), 3);
        let s = b.sizes().clone();
        assert_eq!(s.rows, 20);
        assert_eq!(s.bytes[col::url], (0..20).map(|i| i % 50).sum::<usize>());
        assert_eq!(s.bytes[col::raw], 10 * 4);
        assert_eq!(s.bytes[col::src_port], 0, "fixed width: no value bytes");
        assert_eq!(s.bytes[col::user_agent], 0, "never set");
        // Scaling: twice the input, plus a sixteenth.
        let t = s.scaled(2, 1);
        assert_eq!(t.rows, 42);
        assert_eq!(t.bytes[col::raw], 85);
        assert_eq!(s.scaled(1, 0), Sizes::default());
    }

    #[test]
    fn size_hints_scale_the_last_piece_learned() {
        let mut hint = SizeHint::default();
        assert_eq!(hint.expected(100), None, "nothing learned yet");
        assert_eq!(hint.builder(100, 64).sizes(), &Sizes::default());
        let mut b = hint.builder(1000, 64);
        fill(&mut b, 20);
        b.take_batches().expect("batches");
        hint.learn(1000, b.sizes());
        // 20 rows per 1000 bytes: 40 for 2000, plus a sixteenth (rounded down), i.e. 42.
        let e = hint.expected(2000).expect("learned");
        assert_eq!(e.rows, 42);
        assert_eq!(e, b.sizes().scaled(2000, 1000));
        // A piece without rows teaches nothing; a later piece replaces the earlier one.
        hint.learn(500, &Sizes::default());
        assert_eq!(hint.expected(2000).map(|s| s.rows), Some(42));
        let mut c = hint.builder(10, 64);
        fill(&mut c, 5);
        c.take_batches().expect("batches");
        hint.learn(10, c.sizes());
        assert_eq!(hint.expected(20).map(|s| s.rows), Some(10));
    }

    #[test]
    fn presized_builders_make_the_same_batches() {
        let mut plain = BatchBuilder::new(64);
        fill(&mut plain, 150);
        let want = plain.take_batches().expect("batches");
        // Sizes far too small, about right, and far too big: the batches do not change.
        for scale in [1, 150, 10_000] {
            let mut hint = plain.sizes().scaled(scale, 150);
            hint.rows = hint.rows.max(1);
            let mut b = BatchBuilder::with_sizes(64, &hint);
            fill(&mut b, 150);
            let got = b.take_batches().expect("batches");
            assert_eq!(got, want, "scale {scale}");
            assert_eq!(b.sizes(), plain.sizes());
        }
        assert_eq!(BatchBuilder::with_sizes(64, &Sizes::default()).len(), 0);
    }
}
