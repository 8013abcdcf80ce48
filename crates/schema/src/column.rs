//! Typed column builders: one concrete Arrow builder per column kind.
//!
//! Every column of the unified schema has one of these kinds. The kind fixes the Arrow type, the
//! value a row appends and how a null or a "not set" value is written, so `BatchBuilder` never
//! boxes a builder or downcasts per value.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BinaryBuilder, Int16Builder, Int32Builder, Int64Builder, ListBuilder,
    StringBuilder, StringDictionaryBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray};
use arrow_schema::{DataType, Field, TimeUnit};

/// What every column kind can do. Implemented by the builders in this module.
pub trait ColumnKind {
    /// The value one row appends (borrowed where the column holds bytes).
    type Value<'a>;
    /// The Arrow type of the finished array.
    fn data_type() -> DataType;
    /// A new builder with room for `rows` values.
    fn with_capacity(rows: usize) -> Self;
    /// A new builder with room for `rows` values of `bytes` bytes in all (the bytes matter only
    /// to the variable-width kinds; see [`ColumnKind::data_bytes`]).
    fn with_capacity_bytes(rows: usize, bytes: usize) -> Self
    where
        Self: Sized,
    {
        let _ = bytes;
        Self::with_capacity(rows)
    }
    /// Value bytes appended since the builder was made or last finished (0 for the fixed-width
    /// kinds, whose size follows from their length).
    fn data_bytes(&self) -> usize {
        0
    }
    /// Appends one value.
    fn append(&mut self, v: Self::Value<'_>);
    /// Appends `v`, which the caller knows equals the last value this builder appended (the
    /// same flow record's resource on its next tuple). A kind may then skip looking `v` up:
    /// [`DictCol`] reuses its last key without comparing the strings. A wrong promise writes
    /// the last value instead of `v` (a debug assertion catches it); the default appends `v`.
    #[inline]
    fn append_repeat(&mut self, v: Self::Value<'_>) {
        self.append(v)
    }
    /// Appends a null.
    fn append_null(&mut self);
    /// Appends `n` nulls at once.
    fn append_nulls(&mut self, n: usize);
    /// Appends the neutral value of a NOT NULL column that a parser failed to set.
    fn append_default(&mut self);
    /// Appends the neutral value `n` times (see [`ColumnKind::append_default`]).
    fn append_defaults(&mut self, n: usize);
    /// Values appended since the builder was made or last finished.
    fn len(&self) -> usize;
    /// True when no value was appended since the builder was made or last finished.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Finishes the array and resets the builder.
    fn finish(&mut self) -> ArrayRef;
}

/// `Timestamp(Microsecond, "UTC")`.
pub struct TsCol(TimestampMicrosecondBuilder);
/// `Int16`.
pub struct I16Col(Int16Builder);
/// `Int32`.
pub struct I32Col(Int32Builder);
/// `Int64`.
pub struct I64Col(Int64Builder);
/// `Utf8`.
pub struct StrCol(StringBuilder);
/// `Dictionary(Int32, Utf8)`.
///
/// Most dictionary columns repeat the previous row's value (`log_family`, `source_file`, the
/// resource columns of one account...), so the key of the last value is kept: a repeat costs
/// one comparison instead of a hash and a probe, and the keys of a run of one value are
/// appended together when the run ends (a flow record's ~16 repeated columns on each of its
/// tuples were 7 % of an NSG conversion's samples one key at a time). The dictionary itself is
/// still the arrow builder's (values in order of first appearance), and the keys are the ones
/// it would have given, so the finished array is the same.
pub struct DictCol {
    /// Deduplicates values; its own keys are ignored (it only sees values missing the cache).
    dict: StringDictionaryBuilder<Int32Type>,
    keys: Int32Builder,
    last: String,
    last_key: Option<i32>,
    /// Rows of `last_key` not yet in `keys`: the run being counted.
    run: usize,
    /// The first [`RECENT`] short values of the batch and their keys, looked through before
    /// `dict`: a vocabulary column (`allow`/`deny`, `tcp`/`udp`) changes value from row to row,
    /// and hashing each change into `dict` cost 272 instructions (VNet: 133 K changes in
    /// 123 K rows).
    recent: Vec<(Box<str>, i32)>,
}

/// How many values [`DictCol`] keeps in its `recent` list, and the longest one it keeps.
const RECENT: usize = 8;
const RECENT_LEN: usize = 32;
/// `Binary`.
pub struct BinCol(BinaryBuilder);
/// `List(Utf8)`.
pub struct ListCol(ListBuilder<StringBuilder>);

/// The UTC zone string every timestamp column carries.
pub const UTC: &str = "UTC";

macro_rules! primitive_kind {
    ($t:ident, $b:ident, $v:ty, $dt:expr) => {
        impl ColumnKind for $t {
            type Value<'a> = $v;
            fn data_type() -> DataType {
                $dt
            }
            fn with_capacity(rows: usize) -> Self {
                Self($b::with_capacity(rows))
            }
            #[inline]
            fn append(&mut self, v: $v) {
                self.0.append_value(v)
            }
            #[inline]
            fn append_null(&mut self) {
                self.0.append_null()
            }
            #[inline]
            fn append_nulls(&mut self, n: usize) {
                self.0.append_nulls(n)
            }
            fn append_default(&mut self) {
                self.0.append_value(Default::default())
            }
            fn append_defaults(&mut self, n: usize) {
                self.0.append_value_n(Default::default(), n)
            }
            #[inline]
            fn len(&self) -> usize {
                ArrayBuilder::len(&self.0)
            }
            fn finish(&mut self) -> ArrayRef {
                Arc::new(self.0.finish())
            }
        }
    };
}

primitive_kind!(I16Col, Int16Builder, i16, DataType::Int16);
primitive_kind!(I32Col, Int32Builder, i32, DataType::Int32);
primitive_kind!(I64Col, Int64Builder, i64, DataType::Int64);

impl ColumnKind for TsCol {
    type Value<'a> = i64;
    fn data_type() -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
    }
    fn with_capacity(rows: usize) -> Self {
        Self(TimestampMicrosecondBuilder::with_capacity(rows).with_timezone(UTC))
    }
    #[inline]
    fn append(&mut self, v: i64) {
        self.0.append_value(v)
    }
    #[inline]
    fn append_null(&mut self) {
        self.0.append_null()
    }
    #[inline]
    fn append_nulls(&mut self, n: usize) {
        self.0.append_nulls(n)
    }
    fn append_default(&mut self) {
        self.0.append_value(0)
    }
    fn append_defaults(&mut self, n: usize) {
        self.0.append_value_n(0, n)
    }
    #[inline]
    fn len(&self) -> usize {
        ArrayBuilder::len(&self.0)
    }
    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

impl ColumnKind for StrCol {
    type Value<'a> = &'a str;
    fn data_type() -> DataType {
        DataType::Utf8
    }
    fn with_capacity(rows: usize) -> Self {
        Self(StringBuilder::with_capacity(rows, rows * 16))
    }
    fn with_capacity_bytes(rows: usize, bytes: usize) -> Self {
        Self(StringBuilder::with_capacity(rows, bytes))
    }
    fn data_bytes(&self) -> usize {
        self.0.values_slice().len()
    }
    #[inline]
    fn append(&mut self, v: &str) {
        self.0.append_value(v)
    }
    #[inline]
    fn append_null(&mut self) {
        self.0.append_null()
    }
    #[inline]
    fn append_nulls(&mut self, n: usize) {
        self.0.append_nulls(n)
    }
    fn append_default(&mut self) {
        self.0.append_value("")
    }
    fn append_defaults(&mut self, n: usize) {
        self.0.append_value_n("", n)
    }
    #[inline]
    fn len(&self) -> usize {
        ArrayBuilder::len(&self.0)
    }
    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

impl ColumnKind for DictCol {
    type Value<'a> = &'a str;
    fn data_type() -> DataType {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    }
    fn with_capacity(rows: usize) -> Self {
        Self {
            dict: StringDictionaryBuilder::with_capacity(64, 64, 1024),
            keys: Int32Builder::with_capacity(rows),
            last: String::new(),
            last_key: None,
            run: 0,
            recent: Vec::with_capacity(RECENT),
        }
    }
    #[inline]
    fn append(&mut self, v: &str) {
        if self.last_key.is_some() && self.last == v {
            self.run += 1;
        } else {
            self.miss(v);
        }
    }
    #[inline]
    fn append_repeat(&mut self, v: &str) {
        if self.last_key.is_some() {
            debug_assert_eq!(self.last, v, "append_repeat of a new value");
            self.run += 1;
        } else {
            self.append(v)
        }
    }
    #[inline]
    fn append_null(&mut self) {
        self.end_run();
        self.keys.append_null()
    }
    #[inline]
    fn append_nulls(&mut self, n: usize) {
        self.end_run();
        self.keys.append_nulls(n)
    }
    fn append_default(&mut self) {
        self.append("")
    }
    fn append_defaults(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        // What `append("")` would do each time (the cache makes repeats hit it).
        self.append("");
        self.run += n - 1;
    }
    #[inline]
    fn len(&self) -> usize {
        ArrayBuilder::len(&self.keys) + self.run
    }
    fn finish(&mut self) -> ArrayRef {
        self.end_run();
        let values = self.dict.finish().values().clone();
        self.last_key = None;
        self.recent.clear();
        let keys = self.keys.finish();
        match DictionaryArray::<Int32Type>::try_new(keys, values) {
            Ok(a) => Arc::new(a),
            // Every key came from `dict`, so it is in range: unreachable.
            Err(e) => panic!("dictionary keys out of range: {e}"),
        }
    }
}

impl DictCol {
    /// Appends `v`, which is not the last value: ends the run and starts one of its key.
    fn miss(&mut self, v: &str) {
        self.end_run();
        // `append` fails only when the Int32 key space is exhausted, as the arrow builder's
        // `append_value` would (it panics then too).
        let key = match self.recent.iter().find(|(s, _)| **s == *v) {
            Some(&(_, k)) => k,
            None => {
                let k = match self.dict.append(v) {
                    Ok(k) => k,
                    Err(e) => panic!("dictionary overflow: {e}"),
                };
                if self.recent.len() < RECENT && v.len() <= RECENT_LEN {
                    self.recent.push((v.into(), k));
                }
                k
            }
        };
        self.last.clear();
        self.last.push_str(v);
        self.last_key = Some(key);
        self.run = 1;
    }

    /// Appends the keys of the run being counted.
    #[inline]
    fn end_run(&mut self) {
        if self.run > 0 {
            if let Some(k) = self.last_key {
                self.keys.append_value_n(k, self.run);
            }
            self.run = 0;
        }
    }
}

impl ColumnKind for BinCol {
    type Value<'a> = &'a [u8];
    fn data_type() -> DataType {
        DataType::Binary
    }
    fn with_capacity(rows: usize) -> Self {
        Self(BinaryBuilder::with_capacity(rows, 0))
    }
    fn with_capacity_bytes(rows: usize, bytes: usize) -> Self {
        Self(BinaryBuilder::with_capacity(rows, bytes))
    }
    fn data_bytes(&self) -> usize {
        self.0.values_slice().len()
    }
    #[inline]
    fn append(&mut self, v: &[u8]) {
        self.0.append_value(v)
    }
    #[inline]
    fn append_null(&mut self) {
        self.0.append_null()
    }
    #[inline]
    fn append_nulls(&mut self, n: usize) {
        self.0.append_nulls(n)
    }
    fn append_default(&mut self) {
        self.0.append_value(b"")
    }
    fn append_defaults(&mut self, n: usize) {
        self.0.append_value_n(b"", n)
    }
    #[inline]
    fn len(&self) -> usize {
        ArrayBuilder::len(&self.0)
    }
    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

/// The child field of `parse_issues`.
pub fn list_item_field() -> Field {
    Field::new("item", DataType::Utf8, true)
}

impl ColumnKind for ListCol {
    type Value<'a> = &'a [&'a str];
    fn data_type() -> DataType {
        DataType::List(Arc::new(list_item_field()))
    }
    fn with_capacity(rows: usize) -> Self {
        Self(ListBuilder::with_capacity(StringBuilder::new(), rows).with_field(list_item_field()))
    }
    fn append(&mut self, v: &[&str]) {
        if v.is_empty() {
            // An empty list of issues means a clean row: null, as the schema says.
            self.0.append_null();
            return;
        }
        for s in v {
            self.0.values().append_value(s);
        }
        self.0.append(true);
    }
    #[inline]
    fn append_null(&mut self) {
        self.0.append_null()
    }
    #[inline]
    fn append_nulls(&mut self, n: usize) {
        self.0.append_nulls(n)
    }
    fn append_default(&mut self) {
        self.0.append_null()
    }
    fn append_defaults(&mut self, n: usize) {
        self.0.append_nulls(n)
    }
    #[inline]
    fn len(&self) -> usize {
        ArrayBuilder::len(&self.0)
    }
    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;

    use super::*;

    /// `DictCol` gives the keys and values arrow's own dictionary builder gives, whether a value
    /// comes from its last-value check, its `recent` list or the dictionary, and afresh after
    /// `finish`.
    #[test]
    fn dict_col_matches_the_arrow_dictionary_builder() {
        // Short values (kept in `recent`, more of them than it holds) and long ones (never).
        let pool: Vec<String> = (0..20)
            .map(|i| {
                if i % 3 == 0 {
                    format!("a value longer than the recent list keeps, number {i}")
                } else {
                    format!("v{i}")
                }
            })
            .collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut ours = DictCol::with_capacity(16);
        for batch in 0..3 {
            let mut theirs = StringDictionaryBuilder::<Int32Type>::new();
            let mut last: Option<String> = None;
            for _ in 0..2000 {
                let r = next();
                match r % 10 {
                    0 => {
                        ours.append_null();
                        theirs.append_null();
                    }
                    1 | 2 => match &last {
                        // The value before, again (a run).
                        Some(v) => {
                            ours.append_repeat(v);
                            theirs.append_value(v);
                        }
                        None => {
                            ours.append_null();
                            theirs.append_null();
                        }
                    },
                    _ => {
                        // Batch 1 draws from fewer values, so a later batch's keys differ.
                        let n = if batch == 1 { 5 } else { pool.len() as u64 };
                        let v = &pool[((r >> 8) % n) as usize];
                        ours.append(v);
                        theirs.append_value(v);
                        last = Some(v.clone());
                        continue;
                    }
                }
                if r % 10 == 0 {
                    last = None;
                }
            }
            let a = ours.finish();
            let b = theirs.finish();
            let a = a.as_dictionary::<Int32Type>();
            assert_eq!(a.keys(), b.keys(), "batch {batch}: keys");
            assert_eq!(
                a.values().as_string::<i32>(),
                b.values().as_string::<i32>(),
                "batch {batch}: values"
            );
        }
    }
}
