//! IP addresses: `ip:port` splitting (schema.md §5.6) and canonical text (§5.4).

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The result of splitting a caller address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIp<'a> {
    /// Canonical IP text (IPv4-mapped IPv6 folded to IPv4), when the address parsed.
    pub ip: Option<&'a str>,
    /// The port, when there was one.
    pub port: Option<u16>,
    /// A `parse_issues` code for a partial problem (`ip_invalid:src`, `ip_port_split_unbracketed`).
    pub issue: Option<&'static str>,
    /// True when re-rendering `ip` and `port` in the family's form gives back the source text
    /// exactly, so the source need not be kept in `extra`.
    pub exact: bool,
}

/// Canonical text of an address: IPv4 dotted decimal, IPv6 per RFC 5952, IPv4-mapped IPv6
/// folded to IPv4.
pub fn write_canonical(ip: IpAddr, out: &mut String) {
    let ip = fold_mapped(ip);
    let _ = write!(out, "{ip}");
}

/// Folds `::ffff:a.b.c.d` to `a.b.c.d`.
pub fn fold_mapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Dotted-quad IPv4 exactly as `Ipv4Addr::from_str` accepts it (four decimal octets, no
/// leading zeros, each at most 255). Such a text is already canonical.
#[inline]
pub fn is_canonical_ipv4(s: &[u8]) -> bool {
    if s.len() < 7 || s.len() > 15 {
        return false;
    }
    let mut octets = 0u32;
    let mut i = 0usize;
    while i < s.len() {
        let start = i;
        let mut v = 0u32;
        while let Some(&b) = s.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            v = v * 10 + u32::from(b - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || len > 3 || v > 255 || (len > 1 && s[start] == b'0') {
            return false;
        }
        octets += 1;
        if i == s.len() {
            break;
        }
        if s[i] != b'.' || octets == 4 {
            return false;
        }
        i += 1;
        if i == s.len() {
            return false;
        }
    }
    octets == 4
}

fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an address (no port, no brackets); a zone suffix (`%eth0`) is dropped from the
/// canonical form.
fn parse_addr(s: &str) -> Option<IpAddr> {
    if let Ok(v4) = s.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    let s = s.split_once('%').map_or(s, |(a, _)| a);
    s.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Splits a caller address into canonical IP and port, following schema.md §5.6:
///
/// 1. `[v6]:port` splits at `]:`.
/// 2. Exactly one `:` is IPv4 and port.
/// 3. A text that is a whole address, when the family does not always append a port, is an IP
///    with no port.
/// 4. When the family always appends a port (`always_port`), several colons and no brackets
///    split at the last `:` if the prefix is IPv6 and the suffix a port, with the issue
///    `ip_port_split_unbracketed` (and `exact` false, so the source is kept).
/// 5. Anything else: no IP, no port, the issue `ip_invalid:<side>`.
///
/// `scratch` holds the canonical text when it differs from the source.
pub fn split_ip_port<'a>(
    text: &'a str,
    always_port: bool,
    side_issue: &'static str,
    scratch: &'a mut String,
) -> SplitIp<'a> {
    // The common case first: a dotted quad and a port, as Storage Analytics writes every
    // IPv4 requester. Same result as the rules (`split_by_rules`), without the general parsers.
    if let Some((a, p)) = text.split_once(':')
        && is_canonical_ipv4(a.as_bytes())
        && let Some(port) = parse_port(p)
    {
        return SplitIp {
            ip: Some(a),
            port: Some(port),
            issue: None,
            exact: p == "0" || !p.starts_with('0'),
        };
    }
    split_by_rules(text, always_port, side_issue, scratch)
}

/// [`split_ip_port`] by its rules alone.
fn split_by_rules<'a>(
    text: &'a str,
    always_port: bool,
    side_issue: &'static str,
    scratch: &'a mut String,
) -> SplitIp<'a> {
    let invalid = SplitIp {
        ip: None,
        port: None,
        issue: Some(side_issue),
        exact: false,
    };
    let (addr_text, port, bracketed) = if let Some(rest) = text.strip_prefix('[') {
        match rest.split_once("]:") {
            Some((a, p)) => match parse_port(p) {
                Some(p) => (a, Some(p), true),
                None => return invalid,
            },
            None => match rest.strip_suffix(']') {
                Some(a) => (a, None, true),
                None => return invalid,
            },
        }
    } else {
        let colons = text.bytes().filter(|&b| b == b':').count();
        match colons {
            0 => (text, None, false),
            1 => {
                let (a, p) = text.split_once(':').unwrap_or((text, ""));
                match parse_port(p) {
                    Some(p) => (a, Some(p), false),
                    None => return invalid,
                }
            }
            _ => {
                if !always_port {
                    (text, None, false)
                } else {
                    // Rule 4: ambiguous unbracketed IPv6 with a port.
                    let Some((a, p)) = text.rsplit_once(':') else {
                        return invalid;
                    };
                    match (a.parse::<Ipv6Addr>(), parse_port(p)) {
                        (Ok(v6), Some(p)) => {
                            scratch.clear();
                            write_canonical(IpAddr::V6(v6), scratch);
                            return SplitIp {
                                ip: Some(scratch.as_str()),
                                port: Some(p),
                                issue: Some("ip_port_split_unbracketed"),
                                exact: false,
                            };
                        }
                        _ => return invalid,
                    }
                }
            }
        }
    };
    let Some(addr) = parse_addr(addr_text) else {
        return invalid;
    };
    let folded = fold_mapped(addr);
    // `Ipv4Addr` parsing refuses leading zeros and other spellings, so a parsed IPv4 text is
    // already canonical and can be borrowed. Anything else is rendered and compared.
    let same_text;
    let ip: &'a str = if matches!(addr, IpAddr::V4(_)) {
        same_text = true;
        addr_text
    } else {
        scratch.clear();
        write_canonical(folded, scratch);
        same_text = scratch.as_str() == addr_text;
        scratch.as_str()
    };
    // The family's rendering: IPv6 with a port is bracketed; without one it is bare.
    let form_ok = match (folded, port) {
        (IpAddr::V6(_), Some(_)) => bracketed,
        (_, None) => !bracketed,
        (IpAddr::V4(_), Some(_)) => !bracketed,
    };
    // A port spelt with leading zeros does not re-render.
    let port_exact = match port {
        Some(_) => text
            .rsplit_once(':')
            .is_some_and(|(_, p)| p == "0" || !p.starts_with('0')),
        None => !always_port,
    };
    SplitIp {
        ip: Some(ip),
        port,
        issue: None,
        exact: same_text && form_ok && port_exact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str, always: bool) {
        let (mut a, mut b) = (String::new(), String::new());
        let fast = split_ip_port(text, always, "ip_invalid:src", &mut a);
        let rules = split_by_rules(text, always, "ip_invalid:src", &mut b);
        assert_eq!(
            (fast.ip, fast.port, fast.issue, fast.exact),
            (rules.ip, rules.port, rules.issue, rules.exact),
            "{text:?} always_port {always}"
        );
    }

    proptest::proptest! {
        #[test]
        fn the_dotted_quad_shortcut_agrees_with_the_rules(s in "[0-9.:\\[\\]a]{0,24}", always: bool) {
            both(&s, always);
        }

        #[test]
        fn the_shortcut_agrees_on_near_addresses(
            a in 0u32..300, b in 0u32..300, c in 0u32..1000, d in 0u32..300,
            zero in 0usize..3, port in 0u32..70000, pad in 0usize..2, always: bool,
        ) {
            let first = format!("{}{a}", "0".repeat(zero));
            let port = format!("{}{port}", "0".repeat(pad));
            both(&format!("{first}.{b}.{c}.{d}:{port}"), always);
            both(&format!("{first}.{b}.{c}.{d}"), always);
        }
    }

    fn split(
        text: &str,
        always: bool,
    ) -> (Option<String>, Option<u16>, Option<&'static str>, bool) {
        let mut s = String::new();
        let r = split_ip_port(text, always, "ip_invalid:src", &mut s);
        (r.ip.map(str::to_owned), r.port, r.issue, r.exact)
    }

    #[test]
    fn the_rules_of_5_6() {
        assert_eq!(
            split("203.0.113.45:51234", true),
            (Some("203.0.113.45".into()), Some(51234), None, true)
        );
        assert_eq!(
            split("[2001:db8:52::17]:61533", true),
            (Some("2001:db8:52::17".into()), Some(61533), None, true)
        );
        assert_eq!(
            split("2603:c022:1:52::b4d7", false),
            (Some("2603:c022:1:52::b4d7".into()), None, None, true)
        );
        assert_eq!(
            split("2001:db8::1:4362", true),
            (
                Some("2001:db8::1".into()),
                Some(4362),
                Some("ip_port_split_unbracketed"),
                false
            )
        );
        assert_eq!(
            split("268.20.203.21:4362", true),
            (None, None, Some("ip_invalid:src"), false)
        );
        assert_eq!(
            split("1.2.3.4:99999", true),
            (None, None, Some("ip_invalid:src"), false)
        );
        assert_eq!(split("", true), (None, None, Some("ip_invalid:src"), false));
        assert_eq!(
            split("1.2.3.4", false),
            (Some("1.2.3.4".into()), None, None, true)
        );
    }

    #[test]
    fn canonical_forms_keep_the_source_when_they_change_it() {
        assert_eq!(
            split("[::ffff:203.0.113.9]:80", true),
            (Some("203.0.113.9".into()), Some(80), None, false)
        );
        assert_eq!(
            split("2001:DB8::0001", false),
            (Some("2001:db8::1".into()), None, None, false)
        );
        assert_eq!(
            split("fe80::1%eth0", false),
            (Some("fe80::1".into()), None, None, false)
        );
        assert_eq!(
            split("1.2.3.4:0080", true),
            (Some("1.2.3.4".into()), Some(80), None, false)
        );
        assert_eq!(
            split("1.2.3.4", true),
            (Some("1.2.3.4".into()), None, None, false)
        );
    }
}
