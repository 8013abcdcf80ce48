//! Detection of the log family from the blob path, confirmed or replaced by the content
//! (formats.md §1.1).

/// The log families azlog knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Family {
    /// Storage Analytics `$logs` text lines.
    StorageAnalytics,
    /// NSG or VNet flow logs.
    Flow,
    /// Azure Monitor JSON: activity and resource logs.
    Monitor,
}

impl Family {
    /// The `log_family` value used for rejects of a file of this family (flow and monitor files
    /// hold rows of two `log_family` values; a reject that cannot be framed uses the first).
    pub fn default_log_family(&self) -> &'static str {
        match self {
            Family::StorageAnalytics => "storage_analytics",
            Family::Flow => "nsg_flow",
            Family::Monitor => "resource_log",
        }
    }

    /// Name used on the command line and in summaries.
    pub fn name(&self) -> &'static str {
        match self {
            Family::StorageAnalytics => "storage_analytics",
            Family::Flow => "flow",
            Family::Monitor => "monitor",
        }
    }
}

/// What detection decided for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// Convert it as this family.
    Family(Family),
    /// Not a log azlog converts; the reason says why.
    Skip(String),
}

fn lower_path(path: &str) -> String {
    path.to_ascii_lowercase().replace("%24", "$")
}

/// True for a `YYYY/MM/DD/hhmm/NNNNNN.log` tail.
fn has_storage_tail(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').collect();
    if segs.len() < 5 {
        return false;
    }
    let n = segs.len();
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    digits(segs[n - 5], 4)
        && digits(segs[n - 4], 2)
        && digits(segs[n - 3], 2)
        && digits(segs[n - 2], 4)
        && segs[n - 1]
            .strip_suffix(".log")
            .is_some_and(|s| digits(s, 6))
}

/// True when the bytes (after a BOM and whitespace) start like a Storage Analytics line.
pub fn sniff_storage(head: &[u8]) -> bool {
    let h = head.strip_prefix(azlog_schema::BOM).unwrap_or(head);
    let h = h.trim_ascii_start();
    let Some(semi) = h.iter().take(16).position(|&b| b == b';') else {
        return false;
    };
    let v = &h[..semi];
    let Some(dot) = v.iter().position(|&b| b == b'.') else {
        return false;
    };
    dot > 0
        && dot + 1 < v.len()
        && v.iter()
            .enumerate()
            .all(|(i, b)| i == dot || b.is_ascii_digit())
}

fn sniff_json(head: &[u8]) -> Option<Family> {
    let h = head
        .strip_prefix(azlog_schema::BOM)
        .unwrap_or(head)
        .trim_ascii_start();
    if !h.starts_with(b"{") {
        return None;
    }
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if has(b"\"flowRecords\"")
        || has(b"FlowLogFlowEvent")
        || has(b"NetworkSecurityGroupFlowEvent")
        || has(b"\"flowTuples\"")
    {
        return Some(Family::Flow);
    }
    Some(Family::Monitor)
}

/// Decides what a file is from its `source_file` path and its first bytes.
pub fn detect(source_file: &str, head: &[u8]) -> Detected {
    let p = lower_path(source_file);
    if head.is_empty() {
        // Empty blobs occur; they hold no records. Detect from the path so they are counted.
        if p.contains("$logs/") || has_storage_tail(&p) {
            return Detected::Family(Family::StorageAnalytics);
        }
    }
    if p.contains("insights-metrics-") {
        return Detected::Skip("platform metrics export (insights-metrics-*), not a log".into());
    }
    if sniff_storage(head) {
        return Detected::Family(Family::StorageAnalytics);
    }
    let path_family = if p.contains("insights-logs-networksecuritygroupflowevent/")
        || p.contains("insights-logs-flowlogflowevent/")
        || p.contains("flowlogresourceid=")
        || p.contains("macaddress=")
    {
        Some(Family::Flow)
    } else if p.contains("insights-activity-logs/")
        || p.contains("insights-operational-logs/")
        || p.contains("insights-logs-")
    {
        Some(Family::Monitor)
    } else {
        None
    };
    match (sniff_json(head), path_family) {
        (Some(f), _) => Detected::Family(f),
        (None, Some(f)) if head.trim_ascii().is_empty() => Detected::Family(f),
        (None, Some(f)) => Detected::Skip(format!(
            "path says {} but the content is neither JSON nor Storage Analytics",
            f.name()
        )),
        (None, None) if head.is_empty() => {
            Detected::Skip("empty file outside any known log path".into())
        }
        (None, None) => Detected::Skip(
            "not a recognised log (neither a Storage Analytics line nor JSON)".into(),
        ),
    }
}

/// The UTC date a blob path encodes (`YYYY/MM/DD/hhmm` for `$logs`, `y=/m=/d=` for JSON
/// families): the partition fallback for rows without a time.
pub fn path_date(source_file: &str) -> Option<(i64, u32, u32)> {
    let segs: Vec<&str> = source_file.split('/').collect();
    let num = |s: &str| s.parse::<u32>().ok();
    // y=YYYY/m=MM/d=DD (the first m= is the month).
    if let Some(i) = segs
        .iter()
        .position(|s| s.len() == 6 && s.starts_with("y="))
    {
        let y = num(segs[i].get(2..)?)?;
        let m = num(segs.get(i + 1)?.strip_prefix("m=")?)?;
        let d = num(segs.get(i + 2)?.strip_prefix("d=")?)?;
        return valid(i64::from(y), m, d);
    }
    for w in segs.windows(4) {
        let ok = w[0].len() == 4 && w[1].len() == 2 && w[2].len() == 2 && w[3].len() == 4;
        if ok && w.iter().all(|s| s.bytes().all(|b| b.is_ascii_digit())) {
            return valid(i64::from(num(w[0])?), num(w[1])?, num(w[2])?);
        }
    }
    None
}

/// The UTC hour a blob path encodes (`h=HH`, or the `hhmm` folder of `$logs`).
pub fn path_hour(source_file: &str) -> Option<u32> {
    let segs: Vec<&str> = source_file.split('/').collect();
    if let Some(h) = segs.iter().find_map(|s| s.strip_prefix("h=")) {
        return h.parse().ok().filter(|h| *h < 24);
    }
    for w in segs.windows(4) {
        let ok = w[0].len() == 4 && w[1].len() == 2 && w[2].len() == 2 && w[3].len() == 4;
        if ok && w.iter().all(|s| s.bytes().all(|b| b.is_ascii_digit())) {
            return w[3][..2].parse().ok().filter(|h| *h < 24);
        }
    }
    None
}

fn valid(y: i64, m: u32, d: u32) -> Option<(i64, u32, u32)> {
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_from_path_and_content() {
        let sa = b"1.0;2024-03-05T14:02:11.4213377Z;GetBlob;";
        assert_eq!(
            detect("x/y.bin", sa),
            Detected::Family(Family::StorageAnalytics)
        );
        assert_eq!(
            detect("$logs/blob/2024/03/05/1400/000000.log", b""),
            Detected::Family(Family::StorageAnalytics)
        );
        assert_eq!(
            detect("%24logs/blob/2024/03/05/1400/000000.log", b""),
            Detected::Family(Family::StorageAnalytics)
        );
        assert_eq!(
            detect(
                "a.json",
                b"\xEF\xBB\xBF {\"records\":[{\"category\":\"NetworkSecurityGroupFlowEvent\""
            ),
            Detected::Family(Family::Flow)
        );
        assert_eq!(
            detect(
                "a.json",
                b"{\"time\":\"x\",\"category\":\"Administrative\"}"
            ),
            Detected::Family(Family::Monitor)
        );
        assert!(matches!(detect("notes.txt", b"hello"), Detected::Skip(_)));
        assert!(matches!(
            detect("insights-metrics-pt1m/x/PT1H.json", b"{}"),
            Detected::Skip(_)
        ));
    }

    #[test]
    fn dates_from_blob_paths() {
        assert_eq!(
            path_date("$logs/blob/2024/03/05/1400/000000.log"),
            Some((2024, 3, 5))
        );
        assert_eq!(
            path_date(
                "insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/S/y=2024/m=03/d=05/h=14/m=00/PT1H.json"
            ),
            Some((2024, 3, 5))
        );
        assert_eq!(path_date("a/b.log"), None);
    }
}
