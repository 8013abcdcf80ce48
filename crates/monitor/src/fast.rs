//! Allocation-free, single-pass versions of `azlog_schema::vocab` helpers that run for every
//! record. Each returns exactly what the schema routine returns (checked by the tests below).

/// `vocab::is_guid(s) && s` has an uppercase letter: the GUID column must lowercase it.
#[inline]
pub(crate) fn guid_needs_lower(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return false;
    }
    // OR of the classes of the 32 hex positions: an invalid byte sets bit 2, an uppercase
    // hex letter bit 1.
    let mut acc = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if !matches!(i, 8 | 13 | 18 | 23) {
            acc |= HEX_CLASS[usize::from(c)];
        }
    }
    acc == 2
}

/// 0 for `0-9a-f`, 2 for `A-F`, 6 (invalid, and forces the answer false) otherwise.
const HEX_CLASS: [u8; 256] = {
    let mut t = [6u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_digit() || (b >= b'a' && b <= b'f') {
            t[c] = 0;
        } else if b >= b'A' && b <= b'F' {
            t[c] = 2;
        }
        c += 1;
    }
    t
};

/// The value for a GUID column, as `vocab::guid_lower(s, scratch).0`.
#[inline]
pub(crate) fn guid_lower<'a>(s: &'a str, scratch: &'a mut String) -> &'a str {
    if guid_needs_lower(s) {
        scratch.clear();
        scratch.push_str(s);
        scratch.make_ascii_lowercase();
        scratch.as_str()
    } else {
        s
    }
}

/// Resource-id parts, lowercased, as `vocab::ResourceIdParts` computes them, without the
/// per-call `Vec` of segments, and remembered for the last few ids (a dump holds records of
/// a handful of resources, so most records find their id here and skip the split).
#[derive(Debug, Default)]
pub(crate) struct Rid {
    entries: Vec<RidEntry>,
    /// The entry the accessors read.
    cur: usize,
    /// The entry the next miss replaces once the cache is full.
    next: usize,
    segs: Vec<(usize, usize)>,
}

/// Ids remembered.
const RID_CACHE: usize = 8;

#[derive(Debug, Default)]
struct RidEntry {
    /// The id the parts below belong to.
    id: String,
    buf: String,
    sub: (usize, usize),
    rg: (usize, usize),
    ty: (usize, usize),
    name: (usize, usize),
}

fn part(buf: &str, r: (usize, usize)) -> Option<&str> {
    (r.1 > r.0).then(|| buf.get(r.0..r.1)).flatten()
}

impl Rid {
    /// Splits `id` (see `ResourceIdParts::parse`).
    pub(crate) fn parse(&mut self, id: &str) {
        if let Some(k) = self.entries.iter().position(|e| e.id == id) {
            self.cur = k;
            return;
        }
        let k = if self.entries.len() < RID_CACHE {
            self.entries.push(RidEntry::default());
            self.entries.len() - 1
        } else {
            let k = self.next;
            self.next = (k + 1) % RID_CACHE;
            k
        };
        self.cur = k;
        let e = &mut self.entries[k];
        e.id.clear();
        e.id.push_str(id);
        e.split(id, &mut self.segs);
    }

    fn entry(&self) -> Option<&RidEntry> {
        self.entries.get(self.cur)
    }

    /// Subscription GUID, lowercase.
    pub(crate) fn subscription(&self) -> Option<&str> {
        self.entry().and_then(|e| part(&e.buf, e.sub))
    }
    /// Resource group, lowercase.
    pub(crate) fn resource_group(&self) -> Option<&str> {
        self.entry().and_then(|e| part(&e.buf, e.rg))
    }
    /// ARM type path, lowercase.
    pub(crate) fn resource_type(&self) -> Option<&str> {
        self.entry().and_then(|e| part(&e.buf, e.ty))
    }
    /// Top-level resource name, lowercase.
    pub(crate) fn resource_name(&self) -> Option<&str> {
        self.entry().and_then(|e| part(&e.buf, e.name))
    }
}

impl RidEntry {
    fn split(&mut self, id: &str, segs: &mut Vec<(usize, usize)>) {
        self.buf.clear();
        self.sub = (0, 0);
        self.rg = (0, 0);
        self.ty = (0, 0);
        self.name = (0, 0);
        segs.clear();
        let mut start = 0usize;
        for (k, &b) in id.as_bytes().iter().enumerate() {
            if b == b'/' {
                if k > start {
                    segs.push((start, k));
                }
                start = k + 1;
            }
        }
        if id.len() > start {
            segs.push((start, id.len()));
        }
        let seg = |i: usize| {
            let (s, e) = segs[i];
            &id[s..e]
        };
        let n = segs.len();
        let mut i = 0;
        while i < n {
            let key = seg(i);
            if key.eq_ignore_ascii_case("subscriptions") && i + 1 < n {
                self.sub = push_lower(&mut self.buf, seg(i + 1));
                i += 2;
            } else if key.eq_ignore_ascii_case("resourcegroups") && i + 1 < n {
                self.rg = push_lower(&mut self.buf, seg(i + 1));
                i += 2;
            } else if key.eq_ignore_ascii_case("providers") && i + 3 < n {
                let start = self.buf.len();
                push_lower(&mut self.buf, seg(i + 1));
                let mut j = i + 2;
                while j < n {
                    self.buf.push('/');
                    push_lower(&mut self.buf, seg(j));
                    j += 2;
                }
                self.ty = (start, self.buf.len());
                self.name = push_lower(&mut self.buf, seg(i + 3));
                break;
            } else {
                i += 1;
            }
        }
    }
}

fn push_lower(buf: &mut String, s: &str) -> (usize, usize) {
    let start = buf.len();
    buf.push_str(s);
    if let Some(tail) = buf.get_mut(start..) {
        tail.make_ascii_lowercase();
    }
    (start, buf.len())
}

/// For tests: the schema's parts of `id`.
#[cfg(test)]
fn reference(id: &str) -> [Option<String>; 4] {
    let mut p = azlog_schema::vocab::ResourceIdParts::default();
    p.parse(id);
    [
        p.subscription().map(str::to_owned),
        p.resource_group().map(str::to_owned),
        p.resource_type().map(str::to_owned),
        p.resource_name().map(str::to_owned),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlog_schema::vocab;
    use proptest::prelude::*;

    fn check_rid(r: &mut Rid, id: &str) {
        r.parse(id);
        let got = [
            r.subscription().map(str::to_owned),
            r.resource_group().map(str::to_owned),
            r.resource_type().map(str::to_owned),
            r.resource_name().map(str::to_owned),
        ];
        assert_eq!(got, reference(id), "{id:?}");
    }

    fn check_guid(s: &str) {
        let mut a = String::new();
        let mut b = String::new();
        assert_eq!(
            guid_lower(s, &mut a),
            vocab::guid_lower(s, &mut b).0,
            "{s:?}"
        );
        assert_eq!(
            guid_needs_lower(s),
            vocab::is_guid(s) && s.bytes().any(|b| b.is_ascii_uppercase()),
            "{s:?}"
        );
    }

    #[test]
    fn fixed_cases() {
        let mut r = Rid::default();
        let mut many = Rid::default();
        for round in 0..3 {
            for n in 0..(RID_CACHE + 3) {
                let id = format!("/subscriptions/S{n}/resourceGroups/G{round}/providers/A/B/N{n}");
                check_rid(&mut many, &id);
                check_rid(
                    &mut many,
                    "/subscriptions/S0/resourceGroups/G0/providers/A/B/N0",
                );
            }
        }
        for id in [
            "",
            "/",
            "//",
            "/SUBSCRIPTIONS/1111-AB/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default",
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default",
            "/tenants/aaaa/providers/Microsoft.aadiam",
            "/subscriptions",
            "subscriptions/x",
            "/subscriptions//x///resourcegroups/Y/providers/a/b",
            "/providers/A/B/C/D/E/F",
            "/providers/A/B/C/D/E/F/G",
            "/SUBSCRIPTIONS/É/RESOURCEGROUPS/ÀB",
        ] {
            check_rid(&mut r, id);
        }
        for s in [
            "",
            "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908",
            "6E5D4C3B-2A19-4807-9F6E-5D4C3B2A1908",
            "6E5D4C3B-2A19-4807-9F6E-5D4C3B2A190G",
            "6E5D4C3B-2A19-4807-9F6E05D4C3B2A1908",
            "{6E5D4C3B-2A19-4807-9F6E-5D4C3B2A19}",
            "not a guid",
        ] {
            check_guid(s);
        }
    }

    proptest! {
        #[test]
        fn rid_matches(ids in proptest::collection::vec(

            "(/|(?i:subscriptions)|(?i:resourcegroups)|(?i:providers)|[A-Za-z.]{1,4}|É){0,12}", 1..4)) {
            let mut r = Rid::default();
            for id in &ids {
                check_rid(&mut r, id);
                check_rid(&mut r, id);
            }
            for id in ids.iter().rev() {
                check_rid(&mut r, id);
            }
        }

        #[test]
        fn guid_matches(s in "[0-9a-fA-FgG-]{34,37}") {
            check_guid(&s);
        }

        #[test]
        fn guid_shapes(a in "[0-9a-fA-F]{8}", b in "[0-9a-fA-F]{4}", c in "[0-9a-fA-Fx]{4}") {
            check_guid(&format!("{a}-{b}-{c}-{b}-{a}{c}"));
        }
    }
}
