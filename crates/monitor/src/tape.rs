//! Navigation over a simd-json tape: objects are walked in source order, keys compared
//! case-insensitively (and, for the SDK export's snake_case, ignoring `_`).

use simd_json::{Node, StaticNode};

/// Number of tape nodes the value at `i` occupies (itself plus everything nested in it).
#[inline]
pub(crate) fn size(t: &[Node<'_>], i: usize) -> usize {
    match t.get(i) {
        Some(Node::Object { count, .. } | Node::Array { count, .. }) => count + 1,
        _ => 1,
    }
}

/// True when `key` equals `norm` (lowercase ASCII, no `_`) ignoring ASCII case and `_`.
#[inline]
pub(crate) fn key_is(key: &str, norm: &str) -> bool {
    // `norm` holds no `_`, so a key of the same length matches only without any `_`, and a
    // shorter key never does: only longer keys (snake_case) need the slow walk.
    match key.len().cmp(&norm.len()) {
        std::cmp::Ordering::Equal => return key.as_bytes().eq_ignore_ascii_case(norm.as_bytes()),
        std::cmp::Ordering::Less => return false,
        std::cmp::Ordering::Greater => {
            // Two cheap necessary conditions first: claim-type URIs share long prefixes, so
            // walking them found the difference only after dozens of bytes. A last byte that
            // is not `_` ends the key without `_`s, and the key holds exactly as many `_`s as
            // it is longer than `norm`.
            let (k, n) = (key.as_bytes(), norm.as_bytes());
            if let (Some(&kl), Some(&nl)) = (k.last(), n.last())
                && kl != b'_'
                && kl.to_ascii_lowercase() != nl
            {
                return false;
            }
            if k.iter().filter(|&&b| b == b'_').count() != k.len() - n.len() {
                return false;
            }
        }
    }
    let mut n = norm.bytes();
    for b in key.bytes() {
        if b == b'_' {
            continue;
        }
        match n.next() {
            Some(c) if c == b.to_ascii_lowercase() => {}
            _ => return false,
        }
    }
    n.next().is_none()
}

/// Members `(key, value index)` of the object at `i`, in source order; empty for non-objects.
pub(crate) fn members<'t, 'a>(
    t: &'t [Node<'a>],
    i: usize,
) -> impl Iterator<Item = (&'a str, usize)> + 't {
    let len = match t.get(i) {
        Some(Node::Object { len, .. }) => *len,
        _ => 0,
    };
    let mut j = i + 1;
    (0..len).map_while(move |_| {
        let key = match t.get(j) {
            Some(Node::String(k)) => *k,
            _ => return None,
        };
        let v = j + 1;
        j = v + size(t, v);
        Some((key, v))
    })
}

/// Elements (value indexes) of the array at `i`; empty for non-arrays.
pub(crate) fn elements<'t>(t: &'t [Node<'_>], i: usize) -> impl Iterator<Item = usize> + 't {
    let len = match t.get(i) {
        Some(Node::Array { len, .. }) => *len,
        _ => 0,
    };
    let mut j = i + 1;
    (0..len).map(move |_| {
        let v = j;
        j += size(t, v);
        v
    })
}

/// The first member of the object at `i` whose key matches `norm` (see [`key_is`]).
pub(crate) fn get(t: &[Node<'_>], i: usize, norm: &str) -> Option<usize> {
    members(t, i).find(|(k, _)| key_is(k, norm)).map(|(_, v)| v)
}

/// The string at `i`.
#[inline]
pub(crate) fn str_at<'a>(t: &[Node<'a>], i: usize) -> Option<&'a str> {
    match t.get(i) {
        Some(Node::String(s)) => Some(s),
        _ => None,
    }
}

/// True when the node at `i` is an object.
pub(crate) fn is_object(t: &[Node<'_>], i: usize) -> bool {
    matches!(t.get(i), Some(Node::Object { .. }))
}

/// An integer from a number node or a numeric string, and whether `value.to_string()`
/// reproduces the source text (so the column alone represents it).
pub(crate) fn int_at(t: &[Node<'_>], i: usize) -> Option<(i64, bool)> {
    match t.get(i)? {
        Node::Static(StaticNode::I64(v)) => Some((*v, true)),
        Node::Static(StaticNode::U64(v)) => i64::try_from(*v).ok().map(|v| (v, true)),
        Node::Static(StaticNode::F64(f)) => {
            // `12.0` has a value but its spelling is not that of an integer.
            (f.fract() == 0.0 && f.abs() < 9.0e15).then_some((*f as i64, false))
        }
        Node::String(s) => {
            let v: i64 = s.trim().parse().ok()?;
            Some((v, exact_int_text(s, v)))
        }
        _ => None,
    }
}

/// True when `s` is exactly how `v` is written in decimal.
fn exact_int_text(s: &str, v: i64) -> bool {
    let mut buf = [0u8; 24];
    let mut n = v.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    s.as_bytes() == &buf[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_case_and_snake_insensitively() {
        assert!(key_is("eventTimestamp", "eventtimestamp"));
        assert!(key_is("event_timestamp", "eventtimestamp"));
        assert!(key_is("Level", "level"));
        assert!(!key_is("levels", "level"));
        assert!(!key_is("leve", "level"));
        assert!(!key_is("lev_l", "level"));
        assert!(key_is("LE_VEL", "level"));
        assert!(!key_is("le_vels", "level"));
        assert!(key_is("_", ""));
        assert!(key_is("", ""));
        assert!(key_is("LEVEL_", "level"));
        assert!(!key_is("levelx_", "level"));
        assert!(!key_is("level_x", "level"));
    }

    /// `key_is` against its definition (drop `_`, lowercase ASCII, compare) on every key up to
    /// five bytes over a small alphabet, for several `norm`s.
    #[test]
    fn key_matching_agrees_with_its_definition() {
        let alphabet = ["a", "B", "_", "b", "é"];
        let norms = ["", "a", "ab", "ba", "abb", "aab"];
        let mut keys = vec![String::new()];
        let mut last = keys.clone();
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|k| alphabet.iter().map(move |c| format!("{k}{c}")))
                .collect();
            keys.extend(last.iter().cloned());
        }
        for k in &keys {
            let stripped: String = k.chars().filter(|&c| c != '_').collect();
            for n in norms {
                let want = stripped.to_ascii_lowercase() == n;
                assert_eq!(key_is(k, n), want, "{k:?} vs {n:?}");
            }
        }
    }

    #[test]
    fn walks_objects_in_order() {
        let mut v = br#"{"a":{"b":1,"c":[1,2.5,{}]},"D":"x","n":"041"}"#.to_vec();
        let t = simd_json::to_tape(&mut v).expect("json");
        let keys: Vec<_> = members(&t.0, 0).map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "D", "n"]);
        assert_eq!(str_at(&t.0, get(&t.0, 0, "d").expect("d")), Some("x"));
        let a = get(&t.0, 0, "a").expect("a");
        let c = get(&t.0, a, "c").expect("c");
        assert_eq!(elements(&t.0, c).count(), 3);
        assert_eq!(
            int_at(&t.0, get(&t.0, 0, "n").expect("n")),
            Some((41, false))
        );
        assert!(exact_int_text("-12", -12) && !exact_int_text("+12", 12));
    }
}
