//! Code vocabularies (schema.md §5.5): flow-tuple letters, IANA protocol keywords, outcomes,
//! levels, regions, MACs, GUID case and resource-id parts.

/// `(ip_protocol, network_transport)` for an NSG tuple protocol letter (`T`, `U`).
pub fn nsg_protocol(code: &[u8]) -> Option<(i16, &'static str)> {
    match code {
        b"T" => Some((6, "tcp")),
        b"U" => Some((17, "udp")),
        _ => None,
    }
}

/// The IANA keyword for a protocol number, for the numbers schema.md lists.
pub fn iana_keyword(number: i16) -> Option<&'static str> {
    Some(match number {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        132 => "sctp",
        _ => return None,
    })
}

/// `inbound` / `outbound` for a tuple direction letter.
pub fn direction(code: &[u8]) -> Option<&'static str> {
    match code {
        b"I" => Some("inbound"),
        b"O" => Some("outbound"),
        _ => None,
    }
}

/// `allow` / `deny` for an NSG tuple decision letter.
pub fn decision(code: &[u8]) -> Option<&'static str> {
    match code {
        b"A" => Some("allow"),
        b"D" => Some("deny"),
        _ => None,
    }
}

/// `begin` / `continue` / `end` / `deny` for a flow state letter (`D` only exists in VNet logs;
/// pass `allow_deny` accordingly).
pub fn flow_state(code: &[u8], allow_deny: bool) -> Option<&'static str> {
    match code {
        b"B" => Some("begin"),
        b"C" => Some("continue"),
        b"E" => Some("end"),
        b"D" if allow_deny => Some("deny"),
        _ => None,
    }
}

/// Outcome of a Storage Analytics `request-status`: ending in `Success` is success, empty is
/// unknown, anything else (error codes) failure.
pub fn storage_status_outcome(status: &str) -> &'static str {
    if status.is_empty() {
        "unknown"
    } else if status.ends_with("Success") {
        "success"
    } else {
        "failure"
    }
}

/// Outcome of a JSON `resultType`: `Success`/`Succeeded` success, `Failure`/`Failed` failure,
/// anything else (`Start`, `Accepted`, unknown values) unknown. Case-insensitive.
pub fn result_type_outcome(result_type: &str) -> &'static str {
    let t = result_type.trim();
    if t.eq_ignore_ascii_case("success") || t.eq_ignore_ascii_case("succeeded") {
        "success"
    } else if t.eq_ignore_ascii_case("failure") || t.eq_ignore_ascii_case("failed") {
        "failure"
    } else {
        "unknown"
    }
}

/// Normalised `level`: `1`…`5` and level words (any case, `information` included).
pub fn level(text: &str) -> Option<&'static str> {
    let t = text.trim();
    Some(match t {
        "1" => "critical",
        "2" => "error",
        "3" => "warning",
        "4" => "informational",
        "5" => "verbose",
        _ if t.eq_ignore_ascii_case("critical") => "critical",
        _ if t.eq_ignore_ascii_case("error") => "error",
        _ if t.eq_ignore_ascii_case("warning") || t.eq_ignore_ascii_case("warn") => "warning",
        _ if t.eq_ignore_ascii_case("informational")
            || t.eq_ignore_ascii_case("information")
            || t.eq_ignore_ascii_case("info") =>
        {
            "informational"
        }
        _ if t.eq_ignore_ascii_case("verbose") => "verbose",
        _ => return None,
    })
}

/// Writes a region lowercased without spaces (`West Europe` → `westeurope`); returns whether
/// the result equals the source.
pub fn region(text: &str, out: &mut String) -> bool {
    out.clear();
    out.extend(
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase),
    );
    out == text
}

/// Writes a MAC as upper-case hex pairs joined by `-` (`00-0D-3A-1B-2C-3D`) from 12 hex digits
/// with or without `-`/`:` separators. Returns false (and writes nothing) when it is not a MAC.
pub fn mac(text: &str, out: &mut String) -> bool {
    out.clear();
    let hex: Vec<u8> = text.bytes().filter(|b| !matches!(b, b'-' | b':')).collect();
    if hex.len() != 12 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let sep_ok = text.len() == 12 || text.len() == 17;
    if !sep_ok {
        return false;
    }
    for (i, b) in hex.iter().enumerate() {
        if i > 0 && i % 2 == 0 {
            out.push('-');
        }
        out.push(b.to_ascii_uppercase() as char);
    }
    true
}

/// True for a GUID in 8-4-4-4-12 form (either case, optional braces not accepted).
pub fn is_guid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The value for a GUID column: lowercased when it is a GUID, verbatim otherwise. Borrows when
/// nothing changes; the bool says whether the result equals the source.
pub fn guid_lower<'a>(text: &'a str, scratch: &'a mut String) -> (&'a str, bool) {
    if is_guid(text) && text.bytes().any(|b| b.is_ascii_uppercase()) {
        scratch.clear();
        scratch.push_str(text);
        scratch.make_ascii_lowercase();
        (scratch.as_str(), false)
    } else {
        (text, true)
    }
}

/// The parts of an ARM resource id, lowercased, as byte ranges into a buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceIdParts {
    buf: String,
    sub: (usize, usize),
    rg: (usize, usize),
    ty: (usize, usize),
    name: (usize, usize),
}

fn part(buf: &str, r: (usize, usize)) -> Option<&str> {
    (r.1 > r.0).then(|| &buf[r.0..r.1])
}

impl ResourceIdParts {
    /// Splits `/SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/<rg>/PROVIDERS/<ns>/<type>/<name>[/<t>/<n>…]`
    /// (any case). Missing parts stay `None`; the buffer is reused across calls.
    pub fn parse(&mut self, id: &str) {
        self.buf.clear();
        self.sub = (0, 0);
        self.rg = (0, 0);
        self.ty = (0, 0);
        self.name = (0, 0);
        let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
        let mut i = 0;
        while i < segs.len() {
            let key = segs[i];
            if key.eq_ignore_ascii_case("subscriptions") && i + 1 < segs.len() {
                self.sub = self.push(segs[i + 1]);
                i += 2;
            } else if key.eq_ignore_ascii_case("resourcegroups") && i + 1 < segs.len() {
                self.rg = self.push(segs[i + 1]);
                i += 2;
            } else if key.eq_ignore_ascii_case("providers") && i + 3 < segs.len() {
                // <ns>/<type>/<name> then optional <type>/<name> pairs: the type path joins the
                // namespace and every type; the name is the top-level resource's.
                let start = self.buf.len();
                self.buf.push_str(&segs[i + 1].to_ascii_lowercase());
                let mut j = i + 2;
                while j < segs.len() {
                    self.buf.push('/');
                    self.buf.push_str(&segs[j].to_ascii_lowercase());
                    j += 2;
                }
                self.ty = (start, self.buf.len());
                self.name = self.push(segs[i + 3]);
                break;
            } else {
                i += 1;
            }
        }
    }

    fn push(&mut self, s: &str) -> (usize, usize) {
        let start = self.buf.len();
        self.buf.push_str(s);
        self.buf[start..].make_ascii_lowercase();
        (start, self.buf.len())
    }

    /// Subscription GUID, lowercase.
    pub fn subscription(&self) -> Option<&str> {
        part(&self.buf, self.sub)
    }
    /// Resource group, lowercase.
    pub fn resource_group(&self) -> Option<&str> {
        part(&self.buf, self.rg)
    }
    /// ARM type path, lowercase (`microsoft.keyvault/vaults`).
    pub fn resource_type(&self) -> Option<&str> {
        part(&self.buf, self.ty)
    }
    /// Top-level resource name, lowercase.
    pub fn resource_name(&self) -> Option<&str> {
        part(&self.buf, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_split_in_any_case() {
        let mut p = ResourceIdParts::default();
        p.parse("/SUBSCRIPTIONS/1111-AB/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB");
        assert_eq!(p.subscription(), Some("1111-ab"));
        assert_eq!(p.resource_group(), Some("rg-prod"));
        assert_eq!(
            p.resource_type(),
            Some("microsoft.network/networksecuritygroups")
        );
        assert_eq!(p.resource_name(), Some("nsg-web"));
        p.parse("/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default");
        assert_eq!(
            p.resource_type(),
            Some("microsoft.storage/storageaccounts/blobservices")
        );
        assert_eq!(p.resource_name(), Some("acct"));
        p.parse("/subscriptions/s");
        assert_eq!(
            (p.subscription(), p.resource_group(), p.resource_type()),
            (Some("s"), None, None)
        );
        p.parse("garbage");
        assert_eq!(p.subscription(), None);
    }

    #[test]
    fn vocabularies() {
        assert_eq!(nsg_protocol(b"T"), Some((6, "tcp")));
        assert_eq!(nsg_protocol(b"X"), None);
        assert_eq!(iana_keyword(58), Some("ipv6-icmp"));
        assert_eq!(flow_state(b"D", false), None);
        assert_eq!(flow_state(b"D", true), Some("deny"));
        assert_eq!(storage_status_outcome("SASSuccess"), "success");
        assert_eq!(storage_status_outcome("ContainerNotFound"), "failure");
        assert_eq!(result_type_outcome("succeeded"), "success");
        assert_eq!(result_type_outcome("Start"), "unknown");
        assert_eq!(level("4"), Some("informational"));
        assert_eq!(level("Information"), Some("informational"));
        let mut s = String::new();
        assert!(!region("West Europe", &mut s));
        assert_eq!(s, "westeurope");
        assert!(mac("000d3aF87856", &mut s));
        assert_eq!(s, "00-0D-3A-F8-78-56");
        assert!(mac("00-0D-3A-92-6A-7C", &mut s));
        assert!(!mac("00-0D-3A", &mut s));
        let mut g = String::new();
        assert_eq!(
            guid_lower("9D3F6A52-0000-4000-8000-00000000000A", &mut g),
            ("9d3f6a52-0000-4000-8000-00000000000a", false)
        );
        let mut g = String::new();
        assert_eq!(guid_lower("not-a-guid", &mut g), ("not-a-guid", true));
    }
}
