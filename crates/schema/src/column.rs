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
    /// Appends the last value again `n` times: null if it was null (or nothing was
    /// appended since the builder was made or last finished).
    fn repeat_last(&mut self, n: usize);
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
/// `Utf8`. The `String` is scratch for [`ColumnKind::repeat_last`], which cannot append a
/// value borrowed from the builder it appends to.
pub struct StrCol(StringBuilder, String);
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

/// Whether row `i` is valid in a builder's validity bitmap (`None`: every row is).
fn valid_at(validity: Option<&[u8]>, i: usize) -> bool {
    validity.is_none_or(|bits| bits.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1))
}

/// The value range of a variable-width builder's last row, unless it has none or is null.
fn last_bytes(offsets: &[i32], validity: Option<&[u8]>) -> Option<std::ops::Range<usize>> {
    let [.., a, b] = offsets else { return None };
    valid_at(validity, offsets.len() - 2).then_some(*a as usize..*b as usize)
}

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
            fn repeat_last(&mut self, n: usize) {
                let len = ArrayBuilder::len(&self.0);
                match self.0.values_slice().last() {
                    Some(&v) if valid_at(self.0.validity_slice(), len - 1) => {
                        self.0.append_value_n(v, n)
                    }
                    _ => self.0.append_nulls(n),
                }
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
    fn repeat_last(&mut self, n: usize) {
        let len = ArrayBuilder::len(&self.0);
        match self.0.values_slice().last() {
            Some(&v) if valid_at(self.0.validity_slice(), len - 1) => self.0.append_value_n(v, n),
            _ => self.0.append_nulls(n),
        }
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
        Self(StringBuilder::with_capacity(rows, rows * 16), String::new())
    }
    fn with_capacity_bytes(rows: usize, bytes: usize) -> Self {
        Self(StringBuilder::with_capacity(rows, bytes), String::new())
    }
    fn data_bytes(&self) -> usize {
        self.0.values_slice().len()
    }
    #[inline]
    fn append(&mut self, v: &str) {
        self.0.append_value(v)
    }
    fn repeat_last(&mut self, n: usize) {
        match last_bytes(self.0.offsets_slice(), self.0.validity_slice()) {
            Some(r) => {
                // Offsets and values of a `StringBuilder` only ever hold whole strings, so the
                // lossy branch is never taken; the scratch keeps its room from call to call.
                let bytes = &self.0.values_slice()[r];
                self.1.clear();
                match std::str::from_utf8(bytes) {
                    Ok(v) => self.1.push_str(v),
                    Err(_) => self.1.push_str(&String::from_utf8_lossy(bytes)),
                }
                self.0.append_value_n(&self.1, n);
            }
            None => self.0.append_nulls(n),
        }
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
    fn repeat_last(&mut self, n: usize) {
        // A run is open exactly when the last value was not null (`miss` opens one, a null
        // closes it).
        if self.run > 0 {
            self.run += n;
        } else {
            self.keys.append_nulls(n);
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
    fn repeat_last(&mut self, n: usize) {
        match last_bytes(self.0.offsets_slice(), self.0.validity_slice()) {
            Some(r) => {
                let v = self.0.values_slice()[r].to_vec();
                self.0.append_value_n(v, n);
            }
            None => self.0.append_nulls(n),
        }
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
    fn repeat_last(&mut self, n: usize) {
        let Some(r) = last_bytes(self.0.offsets_slice(), self.0.validity_slice()) else {
            return self.0.append_nulls(n);
        };
        let items = self.0.values_ref();
        let (offsets, values) = (items.offsets_slice(), items.values_slice());
        let last: Vec<String> = r
            .map(|i| {
                let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                String::from_utf8_lossy(&values[a..b]).into_owned()
            })
            .collect();
        let last: Vec<&str> = last.iter().map(String::as_str).collect();
        for _ in 0..n {
            self.append(&last);
        }
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

    /// `repeat_last` of every kind: the last value again, a null after a null, nulls at the
    /// start. Rows are shown as `-` for null and `v` for a row equal to the appended value.
    #[test]
    fn repeat_last_repeats_values_and_nulls_in_every_kind() {
        fn rows<K: ColumnKind>(mut col: K, v: K::Value<'_>) -> String {
            col.repeat_last(1);
            col.append(v);
            col.repeat_last(2);
            col.append_null();
            col.repeat_last(2);
            let a = col.finish();
            let value = a.slice(1, 1);
            (0..a.len())
                .map(|i| match (a.is_valid(i), *a.slice(i, 1) == *value) {
                    (false, _) => '-',
                    (true, true) => 'v',
                    (true, false) => '?',
                })
                .collect()
        }
        let want = "-vvv---";
        assert_eq!(rows(I16Col::with_capacity(4), 7), want, "Int16");
        assert_eq!(rows(I32Col::with_capacity(4), 7), want, "Int32");
        assert_eq!(rows(I64Col::with_capacity(4), 7), want, "Int64");
        assert_eq!(rows(TsCol::with_capacity(4), 7), want, "Timestamp");
        assert_eq!(rows(StrCol::with_capacity(4), "ab"), want, "Utf8");
        assert_eq!(rows(DictCol::with_capacity(4), "ab"), want, "Dictionary");
        assert_eq!(rows(BinCol::with_capacity(4), b"ab"), want, "Binary");
        assert_eq!(rows(ListCol::with_capacity(4), &["a", "b"]), want, "List");
    }

    /// `DictCol` gives the keys and values arrow's own dictionary builder gives, whether a value
    /// comes from its last-value check, its `recent` list, the dictionary or `repeat_last`, and
    /// afresh after `finish`.
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
                    1 | 2 => {
                        // The value before, again (a run), or a null after a null or at the
                        // start of a batch.
                        ours.repeat_last(1 + (r >> 40) as usize % 3);
                        for _ in 0..1 + (r >> 40) % 3 {
                            match &last {
                                Some(v) => theirs.append_value(v),
                                None => theirs.append_null(),
                            }
                        }
                    }
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
