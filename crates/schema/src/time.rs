//! Time parsers shared by every family: ISO 8601 with 0–9 fraction digits, RFC 850 / RFC 1123
//! dates, US-style `M/d/yyyy h:mm:ss AM` dates, and epoch seconds / milliseconds.
//!
//! All parsers take bytes, allocate nothing and return `None` on anything they do not accept;
//! the caller keeps the source text when that happens.

/// An instant as the schema stores it: microseconds since the epoch (floored) plus the
/// nanoseconds beyond them (0–999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime {
    /// Microseconds since 1970-01-01T00:00:00Z, floored.
    pub micros: i64,
    /// Nanoseconds beyond `micros`, 0–999.
    pub extra_ns: i16,
}

impl EventTime {
    /// From whole seconds since the epoch.
    pub fn from_secs(secs: i64) -> Option<Self> {
        Some(Self {
            micros: secs.checked_mul(1_000_000)?,
            extra_ns: 0,
        })
    }

    /// From milliseconds since the epoch.
    pub fn from_millis(ms: i64) -> Option<Self> {
        Some(Self {
            micros: ms.checked_mul(1_000)?,
            extra_ns: 0,
        })
    }

    /// From seconds since the epoch plus a 0–999,999,999 nanosecond fraction.
    pub fn from_secs_nanos(secs: i64, nanos: u32) -> Option<Self> {
        let micros = secs
            .checked_mul(1_000_000)?
            .checked_add(i64::from(nanos / 1_000))?;
        Some(Self {
            micros,
            extra_ns: (nanos % 1_000) as i16,
        })
    }

    /// The UTC calendar date `(year, month, day)` of this instant.
    pub fn date(&self) -> (i64, u32, u32) {
        let days = self.micros.div_euclid(86_400_000_000);
        civil_from_days(days)
    }
}

/// The zone designator an ISO 8601 text carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// `Z`.
    Utc,
    /// `+hh:mm` / `-hh:mm` (or without the colon), in minutes east of UTC.
    Offset(i32),
    /// No designator; read as UTC.
    None,
}

/// A parsed ISO 8601 timestamp and the shape of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iso8601 {
    /// The instant.
    pub time: EventTime,
    /// Number of fraction digits in the text (0 when there was no `.`).
    pub fraction_digits: u8,
    /// The zone designator.
    pub zone: Zone,
}

impl Iso8601 {
    /// True when the text was `YYYY-MM-DDThh:mm:ss.fffffffZ`, the 100 ns form Azure writes, so
    /// [`write_iso7`] reproduces it byte for byte (the parser accepts only `T` and two-digit
    /// fields, so nothing else can differ).
    pub fn is_canonical7(&self) -> bool {
        self.fraction_digits == 7 && self.zone == Zone::Utc
    }
}

#[inline]
fn digits2(b: &[u8], i: usize) -> Option<u32> {
    let (a, c) = (*b.get(i)?, *b.get(i + 1)?);
    if a.is_ascii_digit() && c.is_ascii_digit() {
        Some(u32::from(a - b'0') * 10 + u32::from(c - b'0'))
    } else {
        None
    }
}

#[inline]
fn digits4(b: &[u8], i: usize) -> Option<u32> {
    Some(digits2(b, i)? * 100 + digits2(b, i + 2)?)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn instant(
    (y, mo, d): (i64, u32, u32),
    (h, mi, s): (u32, u32, u32),
    nanos: u32,
    off_min: i32,
) -> Option<EventTime> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    // A leap second (:60) is folded onto the next second.
    let secs = days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s)
        - i64::from(off_min) * 60;
    EventTime::from_secs_nanos(secs, nanos)
}

/// Reads `.fffffffff` at `i` (any number of digits; beyond 9 truncated). Returns the
/// nanoseconds, the digit count and the index after the digits.
fn fraction(b: &[u8], mut i: usize) -> (u32, u8, usize) {
    let mut nanos = 0u32;
    let mut n = 0u8;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if n < 9 {
            nanos = nanos * 10 + u32::from(c - b'0');
        }
        n = n.saturating_add(1);
        i += 1;
    }
    let kept = n.min(9);
    for _ in kept..9 {
        nanos *= 10;
    }
    (nanos, n, i)
}

/// Parses ISO 8601 `YYYY-MM-DD[T ]hh:mm[:ss[.f{0,}]][Z|±hh:mm|±hhmm]`. A missing zone means UTC.
pub fn parse_iso8601(b: &[u8]) -> Option<Iso8601> {
    let y = digits4(b, 0)?;
    if *b.get(4)? != b'-' || *b.get(7)? != b'-' {
        return None;
    }
    let mo = digits2(b, 5)?;
    let d = digits2(b, 8)?;
    if !matches!(*b.get(10)?, b'T' | b't' | b' ') {
        return None;
    }
    let h = digits2(b, 11)?;
    if *b.get(13)? != b':' {
        return None;
    }
    let mi = digits2(b, 14)?;
    let mut i = 16;
    let mut s = 0;
    if b.get(i) == Some(&b':') {
        s = digits2(b, i + 1)?;
        i += 3;
    }
    let (mut nanos, mut nd) = (0, 0);
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        let (n, count, next) = fraction(b, i + 1);
        if count == 0 {
            return None;
        }
        (nanos, nd, i) = (n, count, next);
    }
    let zone = match b.get(i) {
        None => Zone::None,
        Some(b'Z') | Some(b'z') => {
            i += 1;
            Zone::Utc
        }
        Some(&c @ (b'+' | b'-')) => {
            let oh = digits2(b, i + 1)?;
            let (om, next) = if b.get(i + 3) == Some(&b':') {
                (digits2(b, i + 4)?, i + 6)
            } else if b.len() > i + 3 {
                (digits2(b, i + 3)?, i + 5)
            } else {
                (0, i + 3)
            };
            if oh > 23 || om > 59 {
                return None;
            }
            i = next;
            let m = (oh * 60 + om) as i32;
            Zone::Offset(if c == b'-' { -m } else { m })
        }
        Some(_) => return None,
    };
    if i != b.len() {
        return None;
    }
    let off = if let Zone::Offset(m) = zone { m } else { 0 };
    let time = instant((i64::from(y), mo, d), (h, mi, s), nanos, off)?;
    Some(Iso8601 {
        time,
        fraction_digits: nd,
        zone,
    })
}

/// Writes `t` as `YYYY-MM-DDThh:mm:ss.fffffffZ` (7 fraction digits, truncating below 100 ns).
pub fn write_iso7(t: EventTime, out: &mut String) {
    use std::fmt::Write;
    let secs = t.micros.div_euclid(1_000_000);
    let sub_us = t.micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let ticks = sub_us * 10 + i64::from(t.extra_ns) / 100;
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ticks:07}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    );
}

fn month_from_abbrev(b: &[u8]) -> Option<u32> {
    const M: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let key = [
        b.first()?.to_ascii_lowercase(),
        b.get(1)?.to_ascii_lowercase(),
        b.get(2)?.to_ascii_lowercase(),
    ];
    M.iter().position(|m| **m == key).map(|p| p as u32 + 1)
}

/// Parses `hh:mm:ss` at the start of `b`, returning the fields and the rest.
fn hms(b: &[u8]) -> Option<(u32, u32, u32, &[u8])> {
    let h = digits2(b, 0)?;
    if *b.get(2)? != b':' || *b.get(5)? != b':' {
        return None;
    }
    Some((h, digits2(b, 3)?, digits2(b, 6)?, &b[8..]))
}

/// Parses the HTTP dates Storage Analytics writes: RFC 850 `Tuesday, 05-Mar-24 13:58:40 GMT`
/// (two-digit year read as 20YY, weekday ignored) and RFC 1123 `Tue, 05 Mar 2024 13:58:40 GMT`.
pub fn parse_http_date(b: &[u8]) -> Option<EventTime> {
    let comma = b.iter().position(|&c| c == b',')?;
    let rest = b.get(comma + 1..)?;
    let rest = rest.strip_prefix(b" ")?;
    let d = digits2(rest, 0)?;
    let sep = *rest.get(2)?;
    let mo = month_from_abbrev(rest.get(3..6)?)?;
    if *rest.get(6)? != sep || !(sep == b'-' || sep == b' ') {
        return None;
    }
    let (y, rest) = if sep == b'-' {
        (2000 + i64::from(digits2(rest, 7)?), rest.get(9..)?)
    } else {
        (i64::from(digits4(rest, 7)?), rest.get(11..)?)
    };
    let rest = rest.strip_prefix(b" ")?;
    let (h, mi, s, rest) = hms(rest)?;
    if rest != b" GMT" && rest != b" UTC" {
        return None;
    }
    instant((y, mo, d), (h, mi, s), 0, 0)
}

fn number(b: &[u8], mut i: usize, max_digits: usize) -> Option<(u32, usize)> {
    let start = i;
    let mut v = 0u32;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() || i - start == max_digits {
            break;
        }
        v = v * 10 + u32::from(c - b'0');
        i += 1;
    }
    (i > start).then_some((v, i))
}

/// Parses US-style dates: `M/d/yyyy h:mm:ss[.f] [AM|PM] [±hh:mm]`, month first, 12- or 24-hour
/// clock; also the slash-separated ISO-like `yyyy/MM/dd HH:mm:ss[.f]`. No zone means UTC.
pub fn parse_us_datetime(b: &[u8]) -> Option<EventTime> {
    let (a, i) = number(b, 0, 4)?;
    if *b.get(i)? != b'/' {
        return None;
    }
    let (bb, j) = number(b, i + 1, 2)?;
    if *b.get(j)? != b'/' {
        return None;
    }
    let (c, k) = number(b, j + 1, 4)?;
    let (y, mo, d) = if i == 4 {
        (a, bb, c)
    } else if k - j - 1 == 4 {
        (c, a, bb)
    } else {
        return None;
    };
    if *b.get(k)? != b' ' {
        return None;
    }
    let (mut h, p) = number(b, k + 1, 2)?;
    if *b.get(p)? != b':' {
        return None;
    }
    let (mi, p) = number(b, p + 1, 2)?;
    let (mut s, mut p) = (0, p);
    if b.get(p) == Some(&b':') {
        let (sv, np) = number(b, p + 1, 2)?;
        (s, p) = (sv, np);
    }
    let mut nanos = 0;
    if b.get(p) == Some(&b'.') {
        let (n, count, np) = fraction(b, p + 1);
        if count == 0 {
            return None;
        }
        (nanos, p) = (n, np);
    }
    let mut rest = &b[p..];
    if let Some(r) = rest.strip_prefix(b" ") {
        let ampm = r
            .get(..2)
            .map(|x| [x[0].to_ascii_uppercase(), x[1].to_ascii_uppercase()]);
        match ampm {
            Some([b'A', b'M']) | Some([b'P', b'M']) => {
                if h == 0 || h > 12 {
                    return None;
                }
                let pm = r[0].eq_ignore_ascii_case(&b'p');
                h = match (h, pm) {
                    (12, false) => 0,
                    (12, true) => 12,
                    (h, true) => h + 12,
                    (h, false) => h,
                };
                rest = &r[2..];
            }
            _ => {}
        }
    }
    let mut off = 0;
    if let Some(r) = rest.strip_prefix(b" ") {
        let sign = match r.first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let oh = digits2(r, 1)?;
        if *r.get(3)? != b':' || r.len() != 6 {
            return None;
        }
        let om = digits2(r, 4)?;
        off = sign * (oh * 60 + om) as i32;
        rest = &[];
    }
    if !rest.is_empty() {
        return None;
    }
    if s > 59 {
        s = 60;
    }
    instant((i64::from(y), mo, d), (h, mi, s), nanos, off)
}

/// Tries every text form the JSON families use: ISO 8601, then US-style / slash-ISO, then
/// RFC 850 / RFC 1123.
pub fn parse_any_text(b: &[u8]) -> Option<EventTime> {
    if let Some(t) = parse_iso8601(b) {
        return Some(t.time);
    }
    parse_us_datetime(b).or_else(|| parse_http_date(b))
}

/// Epoch seconds (10 digits or fewer) or milliseconds (13 digits) by digit count, as flow
/// tuples write them. Years outside 1970–2200 are refused.
pub fn parse_epoch(b: &[u8]) -> Option<EventTime> {
    if b.is_empty() || b.len() > 16 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(b).ok()?.parse().ok()?;
    let t = if b.len() >= 12 {
        EventTime::from_millis(v)?
    } else {
        EventTime::from_secs(v)?
    };
    let (y, _, _) = t.date();
    (1970..=2200).contains(&y).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<EventTime> {
        parse_iso8601(s.as_bytes()).map(|t| t.time)
    }

    #[test]
    fn seven_digits_keep_the_100ns_digit() {
        let t = parse_iso8601(b"2024-03-05T14:07:31.4821097Z").expect("parses");
        assert_eq!(t.time.micros, 1_709_647_651_482_109);
        assert_eq!(t.time.extra_ns, 700);
        assert!(t.is_canonical7());
        let mut s = String::new();
        write_iso7(t.time, &mut s);
        assert_eq!(s, "2024-03-05T14:07:31.4821097Z");
    }

    #[test]
    fn fraction_digits_zero_to_nine_and_beyond() {
        assert_eq!(iso("2007-01-09T09:41:00"), iso("2007-01-09T09:41:00.000Z"));
        let t = iso("2007-01-09T09:41:00.535404056Z").expect("9 digits");
        assert_eq!((t.micros % 1_000_000, t.extra_ns), (535_404, 56));
        let t = iso("2007-01-09T09:41:00.5354040569999Z").expect("13 digits");
        assert_eq!((t.micros % 1_000_000, t.extra_ns), (535_404, 56));
        assert_eq!(
            iso("2007-01-09T09:41:00.53Z").map(|t| t.micros % 1_000_000),
            Some(530_000)
        );
        assert_eq!(iso("2007-01-09T09:41:00.Z"), None);
    }

    #[test]
    fn offsets_convert_to_utc() {
        assert_eq!(
            iso("2021-10-14T22:17:11+02:00"),
            iso("2021-10-14T20:17:11Z")
        );
        assert_eq!(iso("2021-10-14T22:17:11-0500"), iso("2021-10-15T03:17:11Z"));
        assert_eq!(
            iso("2021-10-14T22:17:11+00:00"),
            iso("2021-10-14T22:17:11Z")
        );
    }

    #[test]
    fn bad_times_are_refused() {
        for s in [
            "",
            "x",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-03-05T25:00:00Z",
            "2024-03-05T14:07:31Zjunk",
            "2024-03-05T14:07:31+25:00",
            "2024-3-5T14:07:31Z",
        ] {
            assert_eq!(parse_iso8601(s.as_bytes()), None, "{s}");
        }
        assert!(iso("2024-03-05 14:07").is_some(), "minutes only is ISO");
        assert!(iso("2024-02-29T00:00:00Z").is_some(), "leap day");
    }

    #[test]
    fn before_1970_floors() {
        let t = iso("1969-12-31T23:59:59.9999995Z").expect("parses");
        assert_eq!((t.micros, t.extra_ns), (-1, 500));
        assert_eq!(
            iso("0001-01-01T00:00:00").map(|t| t.date()),
            Some((1, 1, 1))
        );
    }

    #[test]
    fn http_dates() {
        let a = parse_http_date(b"Tuesday, 05-Mar-24 13:58:40 GMT");
        let b = parse_http_date(b"Tue, 05 Mar 2024 13:58:40 GMT");
        assert_eq!(a, b);
        assert_eq!(a, iso("2024-03-05T13:58:40Z"));
        // The weekday is ignored (a documentation sample pairs Friday with a Tuesday).
        assert_eq!(
            parse_http_date(b"Friday, 09-Aug-11 21:44:36 GMT"),
            iso("2011-08-09T21:44:36Z")
        );
        assert_eq!(parse_http_date(b"Tuesday, 05-Mar-24 13:58:40"), None);
    }

    #[test]
    fn us_dates() {
        assert_eq!(
            parse_us_datetime(b"11/3/2020 9:06:42 AM +00:00"),
            iso("2020-11-03T09:06:42Z")
        );
        assert_eq!(
            parse_us_datetime(b"1/9/2007 9:41:00 PM"),
            iso("2007-01-09T21:41:00Z")
        );
        assert_eq!(
            parse_us_datetime(b"12/9/2007 12:41:00 AM"),
            iso("2007-12-09T00:41:00Z")
        );
        assert_eq!(
            parse_us_datetime(b"4/11/2023 13:35:20"),
            iso("2023-04-11T13:35:20Z")
        );
        assert_eq!(
            parse_us_datetime(b"01/09/2007 09:41:00 -02:00"),
            iso("2007-01-09T11:41:00Z")
        );
        assert_eq!(
            parse_us_datetime(b"2018/11/08 21:09:36.6900118"),
            iso("2018-11-08T21:09:36.6900118Z")
        );
        assert_eq!(parse_us_datetime(b"13/1/2020 10:00:00"), None);
        assert_eq!(parse_us_datetime(b"1/1/2020 13:00:00 PM"), None);
    }

    #[test]
    fn epochs_by_digit_count() {
        assert_eq!(parse_epoch(b"1542110379"), iso("2018-11-13T11:59:39Z"));
        assert_eq!(
            parse_epoch(b"1720947677123"),
            iso("2024-07-14T09:01:17.123Z")
        );
        assert_eq!(parse_epoch(b""), None);
        assert_eq!(parse_epoch(b"12a"), None);
    }

    proptest::proptest! {
        #[test]
        fn iso7_round_trips(micros in -62_000_000_000_000_000i64..253_000_000_000_000_000i64, hundreds in 0i16..10) {
            let t = EventTime { micros, extra_ns: hundreds * 100 };
            let mut s = String::new();
            write_iso7(t, &mut s);
            let back = parse_iso8601(s.as_bytes()).expect("own output parses");
            proptest::prop_assert_eq!(back.time, t);
            proptest::prop_assert!(back.is_canonical7());
        }

        #[test]
        fn days_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            proptest::prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
