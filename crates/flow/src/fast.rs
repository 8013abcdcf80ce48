//! Per-tuple fast paths. Each one returns exactly what the general routine in `azlog-schema`
//! returns for the inputs it accepts, and declines (`None`) everything else so the caller can
//! fall back to the general routine. The tests below check that equivalence.

use azlog_schema::EventTime;

/// The positions of `,` in `text`, at most `N` of them stored in `out` (the total count is
/// returned, so a caller can tell "more than N" apart). Word-at-a-time: 8 bytes per step.
#[inline]
pub(crate) fn commas<const N: usize>(text: &[u8], out: &mut [usize; N]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut n = 0usize;
    let mut push = |pos: usize, n: &mut usize| {
        if let Some(slot) = out.get_mut(*n) {
            *slot = pos;
        }
        *n += 1;
    };
    let mut chunks = text.chunks_exact(8);
    let mut base = 0usize;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w) ^ (LO * u64::from(b','));
        // Exact zero-byte mask: the high bit of each byte of `m` is set iff that byte of `x`
        // is zero (no borrow between bytes, unlike the `x - LO` trick).
        let mut m = !(((x & HI7).wrapping_add(HI7)) | x | HI7);
        while m != 0 {
            let bit = m.trailing_zeros() as usize;
            push(base + bit / 8, &mut n);
            m &= m - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b',' {
            push(base + i, &mut n);
        }
    }
    n
}

/// First instant of 2201-01-01 in microseconds: `parse_epoch` accepts years 1970–2200.
const EPOCH_LIMIT_MICROS: i64 = 84_371 * 86_400 * 1_000_000;

/// `azlog_schema::time::parse_epoch` without the string round trip and calendar conversion:
/// 1–16 ASCII digits, seconds below 12 digits and milliseconds from 12.
#[inline]
pub(crate) fn epoch(b: &[u8]) -> Option<EventTime> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    let micros = v.checked_mul(if b.len() >= 12 { 1_000 } else { 1_000_000 })?;
    (micros < EPOCH_LIMIT_MICROS).then_some(EventTime {
        micros,
        extra_ns: 0,
    })
}

/// Up to `max_len` ASCII digits as a `u64` (`None` for empty, too long or a non-digit).
#[inline]
pub(crate) fn digits(s: &[u8], max_len: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_len {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlog_schema::{ip, time};
    use proptest::prelude::*;

    fn commas_ref(s: &[u8]) -> Vec<usize> {
        s.iter()
            .enumerate()
            .filter(|(_, b)| **b == b',')
            .map(|(i, _)| i)
            .collect()
    }

    fn check_commas(s: &[u8]) {
        let mut out = [0usize; 13];
        let n = commas(s, &mut out);
        let want = commas_ref(s);
        assert_eq!(n, want.len());
        let k = n.min(13);
        assert_eq!(&out[..k], &want[..k]);
    }

    fn check_ip(s: &str) {
        let mut scratch = String::new();
        let r = ip::split_ip_port(s, false, "ip_invalid:src", &mut scratch);
        if ip::is_canonical_ipv4(s.as_bytes()) {
            assert_eq!(r.ip, Some(s), "{s:?}");
            assert!(r.exact && r.port.is_none() && r.issue.is_none(), "{s:?}");
        }
        assert_eq!(
            ip::is_canonical_ipv4(s.as_bytes()),
            s.parse::<std::net::Ipv4Addr>().is_ok(),
            "{s:?}"
        );
    }

    #[test]
    fn fixed_cases() {
        for s in [
            "",
            ",",
            ",,",
            "a,b",
            "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
            ",,,,,,,,,,,,,,,,,",
            "1731945600,10.0.0.1,10.0.0.2,443,80,T,I,A,B,,,,",
        ] {
            check_commas(s.as_bytes());
        }
        check_commas(&[0xac, b',', 0x2c, 0xff, 0x2d, 0x2b, 0, 1, 2, b',', 0x80]);
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.1.1.1",
            "1.1.1",
            "1.1.1.1.",
            "1.1.1.1.1",
            ".1.1.1",
            "1..1.1",
            "1.1.1.1 ",
            "10.0.0.1",
            "1.2.3.0",
            "1.2.3.00",
            "001.2.3.4",
            "1.2.3.4:80",
            "::1",
            "::ffff:1.2.3.4",
            "999.1.1.1",
            "1.1.1.1111",
        ] {
            check_ip(s);
        }
        for s in [
            "",
            "0",
            "1731945600",
            "1731945600123",
            "99999999999",
            "999999999999",
            "9999999999999999",
            "99999999999999999",
            "7289654399",
            "7289654400",
            "7289654399999",
            "7289654400000",
            "12a",
            "-1",
            "+1",
        ] {
            assert_eq!(
                epoch(s.as_bytes()),
                time::parse_epoch(s.as_bytes()),
                "{s:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn commas_match(s in proptest::collection::vec(any::<u8>(), 0..80)) {
            check_commas(&s);
        }

        #[test]
        fn commas_match_text(s in "[0-9a-f,.:]{0,90}") {
            check_commas(s.as_bytes());
        }

        #[test]
        fn ipv4_matches_std(s in "[0-9.:a]{0,18}") {
            check_ip(&s);
        }

        #[test]
        fn ipv4_octets(a in 0u32..300, b in 0u32..300, c in 0u32..1000, d in 0u32..300, z in 0usize..3) {
            let s = format!("{a}.{}{b}.{c}.{d}", "0".repeat(z));
            check_ip(&s);
        }

        #[test]
        fn epoch_matches(s in "[0-9]{0,17}") {
            prop_assert_eq!(epoch(s.as_bytes()), time::parse_epoch(s.as_bytes()));
        }

        #[test]
        fn epoch_values(v in 0i64..10_000_000_000_000_000) {
            let s = v.to_string();
            prop_assert_eq!(epoch(s.as_bytes()), time::parse_epoch(s.as_bytes()));
        }
    }
}
