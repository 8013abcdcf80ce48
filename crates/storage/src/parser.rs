//! Storage Analytics lines to rows (formats.md §2, schema.md §4.1).

use azlog_schema::ip::split_ip_port;
use azlog_schema::time::parse_iso8601;
use azlog_schema::vocab::{guid_lower, storage_status_outcome};
use azlog_schema::{
    BOM, BatchBuilder, JsonObject, Origin, ParseStats, Provenance, RecordParser, Reject,
    member_prefix,
};
use memchr::memchr;

use crate::fields::*;
use crate::tokenize::{FieldSpan, decode_entities, tokenize};

/// Where a field's value lives once decoded: in the line itself or in the decode arena.
#[derive(Debug, Clone, Copy)]
enum Val {
    Line(u32, u32),
    Arena(u32, u32),
}

/// The Storage Analytics (`$logs`) parser for log versions 1.0 and 2.0. One per worker: it owns
/// the buffers it reuses across lines and files (field spans, the entity-decoding arena, the
/// `extra` object), so a line allocates nothing once they are warm.
#[derive(Debug, Default)]
pub struct StorageParser {
    spans: Vec<FieldSpan>,
    vals: Vec<Val>,
    arena: String,
    lossy: String,
    ip: String,
    guid: [String; 3],
    service: String,
    account: String,
    extra: JsonObject,
    issues: Vec<&'static str>,
    prefixes: Prefixes,
}

/// The `"name":` text of every field's `extra` member ([`NAMES`]), made once per parser.
#[derive(Debug)]
struct Prefixes(Vec<String>);

impl Default for Prefixes {
    fn default() -> Self {
        Self(NAMES.iter().map(|n| member_prefix(n)).collect())
    }
}

/// Why a line became a reject.
struct LineError {
    reason: &'static str,
    detail: String,
}

fn err(reason: &'static str, detail: String) -> LineError {
    LineError { reason, detail }
}

/// A non-negative decimal integer, and whether its text is the canonical spelling (so the
/// column re-renders it exactly).
fn integer(v: &str) -> Option<(i64, bool)> {
    if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = v.parse().ok()?;
    Some((n, v.len() == 1 || !v.starts_with('0')))
}

impl StorageParser {
    /// A parser with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tokenizes, validates and converts one line (no terminator). On error nothing was
    /// appended to `out`.
    fn line(
        &mut self,
        line: &[u8],
        prov: &Provenance,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
    ) -> Result<(), LineError> {
        let mut lossy = std::mem::take(&mut self.lossy);
        let r = self.line_inner(line, &mut lossy, prov, origin, out);
        self.lossy = lossy;
        r
    }

    fn line_inner(
        &mut self,
        line: &[u8],
        lossy: &mut String,
        prov: &Provenance,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
    ) -> Result<(), LineError> {
        // Invalid UTF-8 never aborts a line: convert it with replacement characters, flag the
        // row and keep the exact bytes in `raw`.
        // simdutf8 checks a ~640-byte line 32 bytes at a time.
        let (text, bad_utf8) = match simdutf8::basic::from_utf8(line) {
            Ok(t) => (t, false),
            Err(_) => {
                lossy.clear();
                lossy.push_str(&String::from_utf8_lossy(line));
                (lossy.as_str(), true)
            }
        };
        let bytes = text.as_bytes();
        if let Err(u) = tokenize(bytes, false, &mut self.spans) {
            return Err(err(
                "unterminated_quote",
                format!("quoted field opened at column {} is never closed", u.at + 1),
            ));
        }
        let first = self.spans[0];
        let version = &bytes[first.start as usize..first.end as usize];
        if !looks_like_version(version) {
            return Err(err(
                "not_storage_analytics",
                format!(
                    "first field {:?} is not a log version (expected e.g. 1.0 or 2.0)",
                    String::from_utf8_lossy(&version[..version.len().min(40)])
                ),
            ));
        }
        let expected = expected_fields(version);
        let count_ok = |n: usize| match expected {
            Some(e) => n == e,
            None => n >= 30,
        };
        if !count_ok(self.spans.len()) {
            let plain = self.spans.len();
            // A bare field holding `&amp;` splits wrongly; retry keeping references whole.
            if tokenize(bytes, true, &mut self.spans).is_err() || !count_ok(self.spans.len()) {
                let want = expected.map_or("at least 30".to_string(), |e| e.to_string());
                return Err(err(
                    "field_count",
                    format!(
                        "version {} line has {plain} fields, expected {want}",
                        String::from_utf8_lossy(version)
                    ),
                ));
            }
        }
        self.decode(text);
        self.emit(text, version, bad_utf8, line, prov, origin, out);
        Ok(())
    }

    /// Resolves every field: a slice of the line, or its entity-decoded text in the arena.
    fn decode(&mut self, text: &str) {
        self.arena.clear();
        self.vals.clear();
        // Where the next `&` is, at or after the current field: most lines have none, and a
        // line with one (a request URL's `&amp;`) is searched once past it, not once per field.
        let bytes = text.as_bytes();
        let mut next_amp = memchr(b'&', bytes).unwrap_or(bytes.len());
        for s in &self.spans {
            let (start, end) = (s.start as usize, s.end as usize);
            if next_amp < start {
                next_amp = memchr(b'&', &bytes[start..]).map_or(bytes.len(), |k| start + k);
            }
            if next_amp < end {
                let a = self.arena.len();
                decode_entities(&text[start..end], &mut self.arena);
                self.vals
                    .push(Val::Arena(a as u32, self.arena.len() as u32));
            } else {
                self.vals.push(Val::Line(s.start, s.end));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        text: &str,
        version: &[u8],
        bad_utf8: bool,
        line: &[u8],
        prov: &Provenance,
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
    ) {
        let Self {
            vals,
            arena,
            ip,
            guid,
            service,
            account,
            extra,
            issues,
            prefixes,
            ..
        } = self;
        extra.clear();
        issues.clear();
        let arena: &str = arena;
        let value = |v: &Val| -> &str {
            match *v {
                Val::Line(a, b) => &text[a as usize..b as usize],
                Val::Arena(a, b) => &arena[a as usize..b as usize],
            }
        };
        let mut r = out.row();
        r.log_family("storage_analytics").ocsf_class_uid(6003);
        // `version` passed the version check, so it is ASCII.
        r.format_version(std::str::from_utf8(version).unwrap_or("?"));
        let mut status = "";
        for (i, v) in vals.iter().enumerate() {
            let v = value(v);
            if v.is_empty() || i == F_VERSION {
                continue; // an empty field is null
            }
            match i {
                F_START_TIME => match parse_iso8601(v.as_bytes()) {
                    Some(t) => {
                        r.time(Some(t.time));
                        if !t.is_canonical7() {
                            extra.string_prefixed(&prefixes.0[i], v);
                        }
                    }
                    None => {
                        issues.push("time_unparsed");
                        extra.string_prefixed(&prefixes.0[i], v);
                    }
                },
                F_OPERATION => {
                    r.operation(v);
                }
                F_STATUS => {
                    r.result_type(v);
                    status = v;
                }
                F_HTTP_STATUS => {
                    match integer(v).and_then(|(n, e)| Some((i16::try_from(n).ok()?, e))) {
                        Some((n, exact)) => {
                            r.http_status(n);
                            if !exact {
                                extra.string_prefixed(&prefixes.0[i], v);
                            }
                        }
                        None => {
                            // `Unknown` is a documented value, anything else is a problem.
                            if v != "Unknown" {
                                issues.push(number_issue(i));
                            }
                            extra.string_prefixed(&prefixes.0[i], v);
                        }
                    }
                }
                F_E2E_LATENCY | F_SERVER_LATENCY | F_REQUEST_PACKET | F_RESPONSE_PACKET => {
                    match integer(v) {
                        Some((n, exact)) => {
                            match i {
                                F_E2E_LATENCY => r.duration_ms(n),
                                F_SERVER_LATENCY => r.server_latency_ms(n),
                                F_REQUEST_PACKET => r.src_bytes(n),
                                _ => r.dst_bytes(n),
                            };
                            if !exact {
                                extra.string_prefixed(&prefixes.0[i], v);
                            }
                        }
                        None => {
                            issues.push(number_issue(i));
                            extra.string_prefixed(&prefixes.0[i], v);
                        }
                    }
                }
                F_AUTH_TYPE => {
                    r.auth_type(v);
                }
                F_OWNER_ACCOUNT => {
                    account.clear();
                    account.push_str(v);
                    account.make_ascii_lowercase();
                    r.resource_name(account.as_str());
                    if account != v {
                        extra.string_prefixed(&prefixes.0[i], v);
                    }
                }
                F_SERVICE_TYPE => {
                    service.clear();
                    service.push_str("microsoft.storage/storageaccounts/");
                    let start = service.len();
                    service.push_str(v);
                    service[start..].make_ascii_lowercase();
                    let exact = service[start..] == *v;
                    service.push_str("services");
                    r.resource_type(service.as_str());
                    if !exact {
                        extra.string_prefixed(&prefixes.0[i], v);
                    }
                }
                F_URL => {
                    r.url(v);
                }
                F_OBJECT_KEY => {
                    r.target_object(v);
                }
                F_REQUEST_ID => {
                    r.correlation_id(v);
                }
                F_REQUESTER_IP => {
                    let s = split_ip_port(v, true, "ip_invalid:src", ip);
                    r.src_ip(s.ip);
                    r.src_port(s.port.map(i32::from));
                    if let Some(issue) = s.issue {
                        issues.push(issue);
                    }
                    if !s.exact {
                        extra.string_prefixed(&prefixes.0[i], v);
                    }
                }
                F_USER_AGENT => {
                    r.user_agent(v);
                }
                F_CLIENT_REQUEST_ID => {
                    r.client_request_id(v);
                }
                F_USER_OBJECT_ID | F_TENANT_ID | F_APPLICATION_ID => {
                    let k = i - F_USER_OBJECT_ID;
                    let (g, same) = guid_lower(v, &mut guid[k]);
                    match i {
                        F_USER_OBJECT_ID => r.user_id(g),
                        F_TENANT_ID => r.tenant_id(g),
                        _ => r.app_id(g),
                    };
                    if !same {
                        extra.string_prefixed(&prefixes.0[i], v);
                    }
                }
                F_UPN => {
                    r.user_name(v);
                }
                _ if i < NAMES.len() => extra.string_prefixed(&prefixes.0[i], v),
                // Surplus fields of an unknown version, by 1-based position.
                _ => extra.string(&format!("field-{}", i + 1), v),
            }
        }
        r.outcome(storage_status_outcome(status));
        if expected_fields(version).is_none() {
            issues.push("unknown_version");
        }
        if bad_utf8 {
            issues.push("invalid_utf8");
        }
        if origin.keep_raw || bad_utf8 {
            r.raw(line);
        }
        r.extra(extra.finish());
        r.parse_issues(&issues[..]);
        r.provenance(origin.source_file, prov);
    }
}

impl RecordParser for StorageParser {
    fn parse(
        &mut self,
        input: &[u8],
        origin: &Origin<'_>,
        out: &mut BatchBuilder,
        rejects: &mut Vec<Reject>,
    ) -> ParseStats {
        let mut stats = ParseStats::default();
        let mut pos = if origin.base_offset == 0 && input.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let mut line_no = origin.first_line;
        let mut record = origin.first_record;
        while pos < input.len() {
            let (end, next, terminated) = match memchr(b'\n', &input[pos..]) {
                Some(k) => (pos + k, pos + k + 1, true),
                None => (input.len(), input.len(), false),
            };
            let mut line_end = end;
            if line_end > pos && input[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            let line = &input[pos..line_end];
            if !line.is_empty() {
                stats.records_read += 1;
                let prov = Provenance {
                    offset: origin.base_offset + pos as u64,
                    length: line.len() as u64,
                    line: line_no,
                    record_index: record,
                    item_index: None,
                };
                match self.line(line, &prov, origin, out) {
                    Ok(()) => stats.rows += 1,
                    Err(e) => {
                        stats.rejected += 1;
                        // A line that fails at the very end of a file without its newline
                        // is what a cut-off copy looks like.
                        let (reason, detail) = if !terminated && origin.at_eof {
                            (
                                "truncated",
                                format!(
                                    "last line has no newline and does not parse ({})",
                                    e.detail
                                ),
                            )
                        } else {
                            (e.reason, e.detail)
                        };
                        rejects.push(Reject {
                            offset: prov.offset,
                            length: prov.length,
                            line: line_no,
                            record_index: record,
                            reason,
                            detail,
                            raw: line.to_vec(),
                        });
                    }
                }
            }
            pos = next;
            line_no += 1;
            record += 1;
        }
        stats
    }
}
