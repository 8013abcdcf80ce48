//! Hand-written formatting into a byte buffer: numbers, hex, GUIDs, timestamps, IPs.

use crate::Rng;

const HEX_UP: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LO: &[u8; 16] = b"0123456789abcdef";

/// Appends the decimal form of `n`.
pub(crate) fn num(b: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

/// Appends `n` zero-padded to `width` digits.
pub(crate) fn pad(b: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = tmp.len();
    let mut n = n;
    while n > 0 {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = (tmp.len() - width).min(i);
    b.extend_from_slice(&tmp[start..]);
}

/// Appends `digits` random hex digits.
pub(crate) fn hex(b: &mut Vec<u8>, rng: &mut Rng, digits: usize, upper: bool) {
    let table = if upper { HEX_UP } else { HEX_LO };
    let mut left = digits;
    while left > 0 {
        let mut x = rng.next_u64();
        for _ in 0..left.min(16) {
            b.push(table[(x & 15) as usize]);
            x >>= 4;
        }
        left -= left.min(16);
    }
}

/// Appends the hex form of the low `digits` nibbles of `x`.
pub(crate) fn hex_of(b: &mut Vec<u8>, x: u64, digits: usize, upper: bool) {
    let table = if upper { HEX_UP } else { HEX_LO };
    for i in (0..digits).rev() {
        b.push(table[((x >> (4 * i)) & 15) as usize]);
    }
}

/// A random version-4-looking GUID (lower case).
pub(crate) fn guid(b: &mut Vec<u8>, rng: &mut Rng) {
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    hex_of(b, hi >> 32, 8, false);
    b.push(b'-');
    hex_of(b, hi >> 16, 4, false);
    b.extend_from_slice(b"-4");
    hex_of(b, hi, 3, false);
    b.push(b'-');
    b.push(HEX_LO[8 + (lo >> 62) as usize]);
    hex_of(b, lo >> 48, 3, false);
    b.push(b'-');
    hex_of(b, lo, 12, false);
}

/// A GUID as an owned string.
pub(crate) fn guid_string(rng: &mut Rng) -> String {
    let mut b = Vec::with_capacity(36);
    guid(&mut b, rng);
    String::from_utf8(b).unwrap_or_default()
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's algorithm).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
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

/// The calendar fields of a Unix time in seconds.
pub(crate) struct Civil {
    pub(crate) y: u64,
    pub(crate) mo: u64,
    pub(crate) d: u64,
    pub(crate) h: u64,
    pub(crate) mi: u64,
    pub(crate) s: u64,
    /// 0 = Sunday.
    pub(crate) wd: usize,
}

pub(crate) fn split(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u64;
    let (y, mo, d) = civil(days);
    Civil {
        y: y as u64,
        mo: u64::from(mo),
        d: u64::from(d),
        h: rem / 3600,
        mi: rem / 60 % 60,
        s: rem % 60,
        wd: (days + 4).rem_euclid(7) as usize,
    }
}

/// `YYYY-MM-DDThh:mm:ss.fffffffZ` from a time in 100 ns ticks since the Unix epoch.
pub(crate) fn iso7(b: &mut Vec<u8>, ticks: i64) {
    let c = split(ticks.div_euclid(10_000_000));
    date(b, &c);
    b.push(b'T');
    clock(b, &c);
    b.push(b'.');
    pad(b, ticks.rem_euclid(10_000_000) as u64, 7);
    b.push(b'Z');
}

/// `YYYY-MM-DDThh:mm:ss.fffffff+00:00` (Entra style).
pub(crate) fn iso7_offset(b: &mut Vec<u8>, ticks: i64) {
    iso7(b, ticks);
    b.pop();
    b.extend_from_slice(b"+00:00");
}

/// `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn iso_secs(b: &mut Vec<u8>, secs: i64) {
    let c = split(secs);
    date(b, &c);
    b.push(b'T');
    clock(b, &c);
    b.push(b'Z');
}

pub(crate) fn date(b: &mut Vec<u8>, c: &Civil) {
    pad(b, c.y, 4);
    b.push(b'-');
    pad(b, c.mo, 2);
    b.push(b'-');
    pad(b, c.d, 2);
}

fn clock(b: &mut Vec<u8>, c: &Civil) {
    pad(b, c.h, 2);
    b.push(b':');
    pad(b, c.mi, 2);
    b.push(b':');
    pad(b, c.s, 2);
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// RFC 850 style `Tuesday, 05-Mar-24 13:58:40 GMT`.
pub(crate) fn rfc850(b: &mut Vec<u8>, secs: i64) {
    let c = split(secs);
    b.extend_from_slice(WEEKDAYS[c.wd].as_bytes());
    b.extend_from_slice(b", ");
    pad(b, c.d, 2);
    b.push(b'-');
    b.extend_from_slice(MONTHS[(c.mo - 1) as usize].as_bytes());
    b.push(b'-');
    pad(b, c.y % 100, 2);
    b.push(b' ');
    clock(b, &c);
    b.extend_from_slice(b" GMT");
}

/// US style `7/13/2024 10:47:09 PM` (storage resource log `lastModifiedTime`).
pub(crate) fn us_time(b: &mut Vec<u8>, secs: i64) {
    let c = split(secs);
    num(b, c.mo);
    b.push(b'/');
    num(b, c.d);
    b.push(b'/');
    num(b, c.y);
    b.push(b' ');
    let h12 = if c.h.is_multiple_of(12) { 12 } else { c.h % 12 };
    num(b, h12);
    b.push(b':');
    pad(b, c.mi, 2);
    b.push(b':');
    pad(b, c.s, 2);
    b.extend_from_slice(if c.h < 12 { b" AM" } else { b" PM" });
}

/// A public-looking IPv4 address, drawn from the whole unicast space (many distinct values).
pub(crate) fn ipv4_public(b: &mut Vec<u8>, rng: &mut Rng) {
    let x = rng.next_u64();
    let mut a = 1 + (x % 223) as u8;
    if a == 10 || a == 127 || a == 100 || a == 172 || a == 192 || a == 169 {
        a = a.wrapping_add(3);
    }
    num(b, u64::from(a));
    for i in 1..4 {
        b.push(b'.');
        let o = (x >> (8 * i + 8)) & 0xff;
        num(b, if i == 3 { o.max(1) } else { o });
    }
}

/// A private IPv4 address in `10.<net>.<sub>.<host>`.
pub(crate) fn ipv4_private(b: &mut Vec<u8>, net: u64, rng: &mut Rng) {
    b.extend_from_slice(b"10.");
    num(b, net % 256);
    b.push(b'.');
    num(b, rng.below(8));
    b.push(b'.');
    num(b, rng.range(4, 250));
}

/// An IPv6 address in the documentation prefix `2001:db8::/32`, compressed form.
pub(crate) fn ipv6(b: &mut Vec<u8>, rng: &mut Rng) {
    let x = rng.next_u64();
    b.extend_from_slice(b"2001:db8:");
    hex_trim(b, x & 0xffff);
    b.push(b':');
    hex_trim(b, (x >> 16) & 0xfff);
    b.extend_from_slice(b"::");
    hex_trim(b, ((x >> 32) & 0xffff).max(1));
}

fn hex_trim(b: &mut Vec<u8>, v: u64) {
    let mut started = false;
    for i in (0..4).rev() {
        let d = (v >> (4 * i)) & 15;
        if d != 0 || started || i == 0 {
            started = true;
            b.push(HEX_LO[d as usize]);
        }
    }
}

/// Appends `s`.
pub(crate) fn s(b: &mut Vec<u8>, s: impl AsRef<[u8]>) {
    b.extend_from_slice(s.as_ref());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates() {
        let mut b = Vec::new();
        num(&mut b, 0);
        b.push(b' ');
        num(&mut b, 18_446_744_073_709_551_615);
        b.push(b' ');
        pad(&mut b, 42, 7);
        assert_eq!(b, b"0 18446744073709551615 0000042");
        let mut b = Vec::new();
        iso7(&mut b, 17_209_476_770_032_165);
        assert_eq!(b, b"2024-07-14T09:01:17.0032165Z");
        let mut b = Vec::new();
        rfc850(&mut b, 1_709_647_120);
        assert_eq!(b, b"Tuesday, 05-Mar-24 13:58:40 GMT");
        let mut b = Vec::new();
        us_time(&mut b, 1_720_910_829);
        assert_eq!(b, b"7/13/2024 10:47:09 PM");
    }
}
