//! One Azure Monitor record → one row: the common envelope (schema.md §4.1), the category
//! mappings of §4.2 and the leftovers for `extra`.
//!
//! Every value that fills a column is checked against the round-trip rule (schema.md §2
//! rule 3): it is marked consumed only when the column re-renders the source text exactly;
//! otherwise it also stays in `extra`. Values read out of a JSON string (`identity` or
//! `properties` written as text) are never consumed: the string itself stays in `extra`.

use std::borrow::Cow;

use azlog_schema::EventTime;
use azlog_schema::time::{parse_any_text, parse_iso8601};
use azlog_schema::vocab;
use simd_json::Node;

use crate::render::Extra;
use crate::tape;

/// A value on one of the record's tapes. `own` is false for values read from a nested JSON
/// string, which must not be consumed.
#[derive(Clone, Copy)]
pub(crate) struct V<'a> {
    pub(crate) t: &'a [Node<'a>],
    pub(crate) i: usize,
    pub(crate) own: bool,
}

impl<'a> V<'a> {
    /// The member `norm` of this object.
    pub(crate) fn get(self, norm: &str) -> Option<V<'a>> {
        tape::get(self.t, self.i, norm).map(|i| V { i, ..self })
    }
    fn path(self, keys: &[&str]) -> Option<V<'a>> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }
    pub(crate) fn str(self) -> Option<&'a str> {
        tape::str_at(self.t, self.i)
    }
    fn is_object(self) -> bool {
        tape::is_object(self.t, self.i)
    }
    /// For the SDK export's `{value, localizedValue}` objects: the `value` member.
    fn value_of(self) -> V<'a> {
        if self.is_object() {
            self.get("value").unwrap_or(self)
        } else {
            self
        }
    }
    fn first_element(self) -> Option<V<'a>> {
        tape::elements(self.t, self.i)
            .next()
            .map(|i| V { i, ..self })
    }
}

/// Texts that mean "no value" in typed columns (formats.md 5.4, quirk 40).
pub(crate) fn is_sentinel(s: &str) -> bool {
    matches!(s.trim(), "" | "null" | "<null>" | "-")
}

/// The known top-level keys, looked up once per record (first match wins; a second key that
/// differs only in case stays in `extra`).
#[derive(Default, Clone, Copy)]
pub(crate) struct Top {
    pub(crate) time: Option<usize>,
    pub(crate) timestamp: Option<usize>,
    pub(crate) event_time_string: Option<usize>,
    pub(crate) event_timestamp: Option<usize>,
    pub(crate) event_data_id: Option<usize>,
    pub(crate) submission_timestamp: Option<usize>,
    pub(crate) resource_id: Option<usize>,
    pub(crate) tenant_id: Option<usize>,
    pub(crate) operation_name: Option<usize>,
    pub(crate) category: Option<usize>,
    pub(crate) result_type: Option<usize>,
    pub(crate) result_signature: Option<usize>,
    pub(crate) result_description: Option<usize>,
    pub(crate) duration_ms: Option<usize>,
    pub(crate) caller_ip: Option<usize>,
    pub(crate) correlation_id: Option<usize>,
    pub(crate) identity: Option<usize>,
    pub(crate) level: Option<usize>,
    pub(crate) location: Option<usize>,
    pub(crate) properties: Option<usize>,
    pub(crate) schema_version: Option<usize>,
    pub(crate) status_code: Option<usize>,
    pub(crate) status_text: Option<usize>,
    pub(crate) protocol: Option<usize>,
    pub(crate) uri: Option<usize>,
    pub(crate) status: Option<usize>,
    pub(crate) sub_status: Option<usize>,
    pub(crate) caller: Option<usize>,
    pub(crate) claims: Option<usize>,
    pub(crate) http_request: Option<usize>,
}

impl Top {
    pub(crate) fn index(t: &[Node<'_>]) -> Self {
        let mut top = Top::default();
        let mut lower = [0u8; 24];
        for (key, v) in tape::members(t, 0) {
            // Normalise: ASCII lowercase without `_`; longer keys are not known keys.
            let kb = key.as_bytes();
            let mut n = 0;
            let mut fits = true;
            let mut plain = kb.len() <= lower.len();
            if plain {
                // Common case: no `_` to drop, one pass without per-byte filtering.
                for (d, &b) in lower.iter_mut().zip(kb) {
                    plain &= b != b'_';
                    *d = b.to_ascii_lowercase();
                }
                n = kb.len();
            }
            if !plain {
                n = 0;
                for b in kb.iter().copied().filter(|&b| b != b'_') {
                    if n == lower.len() {
                        fits = false;
                        break;
                    }
                    lower[n] = b.to_ascii_lowercase();
                    n += 1;
                }
            }
            if !fits {
                continue;
            }
            let slot = match &lower[..n] {
                b"time" => &mut top.time,
                b"timestamp" => &mut top.timestamp,
                b"eventtimestring" => &mut top.event_time_string,
                b"eventtimestamp" => &mut top.event_timestamp,
                b"eventdataid" => &mut top.event_data_id,
                b"submissiontimestamp" => &mut top.submission_timestamp,
                b"resourceid" => &mut top.resource_id,
                b"tenantid" => &mut top.tenant_id,
                b"operationname" => &mut top.operation_name,
                b"category" => &mut top.category,
                b"resulttype" => &mut top.result_type,
                b"resultsignature" => &mut top.result_signature,
                b"resultdescription" => &mut top.result_description,
                b"durationms" => &mut top.duration_ms,
                b"calleripaddress" => &mut top.caller_ip,
                b"correlationid" => &mut top.correlation_id,
                b"identity" => &mut top.identity,
                b"level" => &mut top.level,
                b"location" => &mut top.location,
                b"properties" => &mut top.properties,
                b"schemaversion" => &mut top.schema_version,
                b"statuscode" => &mut top.status_code,
                b"statustext" => &mut top.status_text,
                b"protocol" => &mut top.protocol,
                b"uri" => &mut top.uri,
                b"status" => &mut top.status,
                b"substatus" => &mut top.sub_status,
                b"caller" => &mut top.caller,
                b"claims" => &mut top.claims,
                b"httprequest" => &mut top.http_request,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        top
    }

    /// The SDK/REST export shape (formats.md 1.1 and 5.5.4).
    pub(crate) fn is_api_export(&self) -> bool {
        self.event_timestamp.is_some()
            || (self.event_data_id.is_some() && self.submission_timestamp.is_some())
    }
}

/// Which mapping of schema.md §4.1/§4.2 applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Activity log in the storage-export shape.
    Activity,
    /// Activity log as returned by the REST API / SDKs.
    ActivityApi,
    /// Key Vault `AuditEvent`.
    KeyVault,
    /// `StorageRead` / `StorageWrite` / `StorageDelete`.
    Storage,
    /// The four Entra sign-in categories.
    SignIn,
    /// Entra `AuditLogs` (and the 2018 preview category `Audit`).
    Audit,
    /// Any other category.
    Generic,
}

const ACTIVITY_CATEGORIES: [&str; 11] = [
    "administrative",
    "security",
    "policy",
    "servicehealth",
    "resourcehealth",
    "alert",
    "autoscale",
    "recommendation",
    // Legacy log-profile exports (insights-operational-logs) wrote the operation kind here.
    "write",
    "delete",
    "action",
];

pub(crate) fn kind_of(category: Option<&str>, top: &Top) -> Kind {
    if top.is_api_export() {
        return Kind::ActivityApi;
    }
    let Some(c) = category else {
        return Kind::Generic;
    };
    let is = |n: &str| c.eq_ignore_ascii_case(n);
    if ACTIVITY_CATEGORIES.iter().any(|n| is(n)) {
        Kind::Activity
    } else if is("auditevent") {
        Kind::KeyVault
    } else if is("storageread") || is("storagewrite") || is("storagedelete") {
        Kind::Storage
    } else if is("signinlogs")
        || is("noninteractiveusersigninlogs")
        || is("serviceprincipalsigninlogs")
        || is("managedidentitysigninlogs")
    {
        Kind::SignIn
    } else if is("auditlogs") || is("audit") {
        Kind::Audit
    } else {
        Kind::Generic
    }
}

/// The column values of one row, borrowed from the tapes. Normalised columns (GUIDs, IPs,
/// region, protocol, method) hold the source text and are normalised when written.
#[derive(Default)]
pub(crate) struct Row<'a> {
    pub(crate) time: Option<EventTime>,
    pub(crate) log_family: &'static str,
    pub(crate) format_version: Option<&'a str>,
    pub(crate) category: Option<&'a str>,
    pub(crate) operation: Option<&'a str>,
    pub(crate) ocsf_class_uid: Option<i32>,
    pub(crate) outcome: Option<&'static str>,
    pub(crate) result_type: Option<Cow<'a, str>>,
    pub(crate) result_signature: Option<Cow<'a, str>>,
    pub(crate) result_description: Option<&'a str>,
    pub(crate) http_status: Option<i16>,
    pub(crate) level: Option<&'static str>,
    pub(crate) user_name: Option<&'a str>,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) app_id: Option<&'a str>,
    pub(crate) app_name: Option<&'a str>,
    pub(crate) tenant_id: Option<&'a str>,
    pub(crate) auth_type: Option<&'a str>,
    pub(crate) src_ip: Option<&'a str>,
    pub(crate) src_geo_country: Option<&'a str>,
    pub(crate) app_protocol: Option<&'a str>,
    pub(crate) src_bytes: Option<i64>,
    pub(crate) dst_bytes: Option<i64>,
    pub(crate) http_method: Option<&'a str>,
    pub(crate) url: Option<&'a str>,
    pub(crate) target_object: Option<&'a str>,
    pub(crate) user_agent: Option<&'a str>,
    pub(crate) duration_ms: Option<i64>,
    pub(crate) server_latency_ms: Option<i64>,
    pub(crate) correlation_id: Option<&'a str>,
    pub(crate) client_request_id: Option<&'a str>,
    pub(crate) record_uid: Option<&'a str>,
    pub(crate) resource_id: Option<&'a str>,
    pub(crate) region: Option<&'a str>,
    pub(crate) issues: Vec<&'static str>,
}

/// Takes values into columns, marking what they fully represent.
pub(crate) struct Taker<'e> {
    pub(crate) extra: &'e mut Extra,
    pub(crate) ip_scratch: String,
}

impl Taker<'_> {
    fn consume(&mut self, v: V<'_>) {
        if v.own {
            self.extra.consume(v.i);
        }
    }

    /// A verbatim text column: strings only (an explicit `""` stays `""`).
    fn text<'a>(&mut self, v: Option<V<'a>>) -> Option<&'a str> {
        let v = v?;
        let s = v.str()?;
        self.consume(v);
        Some(s)
    }

    /// A verbatim text column that also takes integers (written in decimal, so the text is
    /// the source spelling).
    fn text_or_int<'a>(&mut self, v: Option<V<'a>>) -> Option<Cow<'a, str>> {
        let v = v?;
        if let Some(s) = v.str() {
            self.consume(v);
            return Some(Cow::Borrowed(s));
        }
        match v.t.get(v.i)? {
            Node::Static(simd_json::StaticNode::I64(n)) => {
                self.consume(v);
                Some(Cow::Owned(n.to_string()))
            }
            Node::Static(simd_json::StaticNode::U64(n)) => {
                self.consume(v);
                Some(Cow::Owned(n.to_string()))
            }
            _ => None,
        }
    }

    /// A typed integer column: numbers or numeric strings; sentinels and anything else null.
    fn int(&mut self, v: Option<V<'_>>) -> Option<i64> {
        let v = v?;
        let (n, exact) = tape::int_at(v.t, v.i)?;
        if exact {
            self.consume(v);
        }
        Some(n)
    }

    /// `http_status` (Int16): consumed only when the value fits the column.
    fn http(&mut self, v: Option<V<'_>>) -> Option<i16> {
        let v = v?;
        let (n, _) = tape::int_at(v.t, v.i)?;
        let n = i16::try_from(n).ok()?;
        self.int(Some(v));
        Some(n)
    }

    /// A GUID column: lowercased when it is a GUID, consumed when that changes nothing.
    fn guid<'a>(&mut self, v: Option<V<'a>>) -> Option<&'a str> {
        let v = v?;
        let s = v.str()?;
        if is_sentinel(s) {
            return None;
        }
        if !crate::fast::guid_needs_lower(s) {
            self.consume(v);
        }
        Some(s)
    }

    /// `src_ip`/`src_port`: consumed when the canonical text and port reproduce the source.
    fn ip<'a>(&mut self, v: Option<V<'a>>, row: &mut Row<'a>) -> bool {
        let Some(v) = v else { return false };
        let Some(s) = v.str() else { return false };
        if is_sentinel(s) {
            return false;
        }
        let r = azlog_schema::ip::split_ip_port(s, false, "ip_invalid:src", &mut self.ip_scratch);
        if let Some(issue) = r.issue {
            row.issues.push(issue);
        }
        if r.ip.is_none() {
            return false;
        }
        if r.exact {
            self.consume(v);
        }
        row.src_ip = Some(s);
        true
    }

    /// A time column: consumed only for the canonical 7-digit `Z` form.
    fn time(&mut self, v: V<'_>, row: &mut Row<'_>) {
        let Some(s) = v.str() else {
            row.issues.push("time_unparsed");
            return;
        };
        if let Some(iso) = parse_iso8601(s.as_bytes()) {
            if iso.is_canonical7() {
                self.consume(v);
            }
            row.time = Some(iso.time);
        } else if let Some(t) = parse_any_text(s.trim().as_bytes()) {
            row.time = Some(t);
        } else {
            row.issues.push("time_unparsed");
        }
    }

    /// `region`: lowercase without spaces; consumed when that is the source text.
    fn region<'a>(&mut self, v: Option<V<'a>>) -> Option<&'a str> {
        let v = v?;
        let s = v.str()?;
        if s.trim().is_empty() {
            return None;
        }
        if !s
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
            && s.is_ascii()
        {
            self.consume(v);
        }
        Some(s)
    }

    /// `level` from a word or a number.
    fn level(&mut self, v: Option<V<'_>>) -> Option<&'static str> {
        let v = v?;
        let buf;
        let text: &str = match v.t.get(v.i)? {
            Node::String(s) => s,
            Node::Static(simd_json::StaticNode::I64(n)) => {
                buf = n.to_string();
                &buf
            }
            Node::Static(simd_json::StaticNode::U64(n)) => {
                buf = n.to_string();
                &buf
            }
            _ => return None,
        };
        let level = vocab::level(text)?;
        if level == text {
            self.consume(v);
        }
        Some(level)
    }

    /// A column that is the lowercase of the source (`app_protocol`).
    fn lower<'a>(&mut self, v: Option<V<'a>>) -> Option<&'a str> {
        let v = v?;
        let s = v.str()?;
        if is_sentinel(s) {
            return None;
        }
        if !s.bytes().any(|b| b.is_ascii_uppercase()) {
            self.consume(v);
        }
        Some(s)
    }

    /// A column that is the uppercase of the source (`http_method`).
    fn upper<'a>(&mut self, v: Option<V<'a>>) -> Option<&'a str> {
        let v = v?;
        let s = v.str()?;
        if is_sentinel(s) {
            return None;
        }
        if !s.bytes().any(|b| b.is_ascii_lowercase()) {
            self.consume(v);
        }
        Some(s)
    }
}

/// The parsed parts of a record that mappings read from.
pub(crate) struct Parts<'a> {
    pub(crate) root: V<'a>,
    pub(crate) top: Top,
    /// `identity` as an object (own, or parsed from a JSON string).
    pub(crate) identity: Option<V<'a>>,
    /// `identity.claims` / `identity.claim` (or the API export's top-level `claims`).
    pub(crate) claims: Option<V<'a>>,
    /// `properties` as an object (own, or parsed from a JSON string).
    pub(crate) props: Option<V<'a>>,
}

impl<'a> Parts<'a> {
    fn top(&self, i: Option<usize>) -> Option<V<'a>> {
        i.map(|i| V { i, ..self.root })
    }
    fn prop(&self, norm: &str) -> Option<V<'a>> {
        self.props?.get(norm)
    }
    fn prop_path(&self, keys: &[&str]) -> Option<V<'a>> {
        self.props?.path(keys)
    }
    fn claim(&self, names: &[&str]) -> Option<V<'a>> {
        let c = self.claims?;
        names.iter().find_map(|n| c.get(n))
    }
}

/// Long claim-type URIs, normalised for [`tape::key_is`] (lowercase, no `_`).
const UPN_URI: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const OID_URI: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const TID_URI: &str = "http://schemas.microsoft.com/identity/claims/tenantid";

/// Fills `row` from `p` and marks the consumed values.
pub(crate) fn map<'a>(p: &Parts<'a>, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let top = &p.top;
    let category_v = p.top(top.category).map(V::value_of);
    let category = category_v.and_then(V::str);
    let kind = kind_of(category, top);
    row.category = tk.text(category_v);
    row.operation = tk.text(p.top(top.operation_name).map(V::value_of));

    let api = kind == Kind::ActivityApi;
    row.log_family = match kind {
        Kind::Activity | Kind::ActivityApi => "activity_log",
        _ => "resource_log",
    };
    row.ocsf_class_uid = match kind {
        Kind::SignIn => Some(3002),
        Kind::Generic => None,
        _ => Some(6003),
    };
    row.format_version = match kind {
        Kind::Activity => Some("storage-export"),
        Kind::ActivityApi => Some("api-export"),
        _ => tk.text(p.top(top.schema_version)),
    };

    event_time(p, kind, tk, row);
    common(p, kind, tk, row);
    match kind {
        Kind::Activity | Kind::ActivityApi => activity(p, api, tk, row),
        Kind::KeyVault => key_vault(p, tk, row),
        Kind::Storage => storage(p, tk, row),
        Kind::SignIn => sign_in(p, tk, row),
        Kind::Audit => audit(p, tk, row),
        Kind::Generic => {
            row.outcome = row.result_type.as_deref().map(vocab::result_type_outcome);
        }
    }
}

/// `time` and its fallbacks (formats.md 5.3).
fn event_time<'a>(p: &Parts<'a>, kind: Kind, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let t = &p.top;
    let mut v = p
        .top(t.time)
        .or_else(|| p.top(t.event_timestamp))
        .or_else(|| p.top(t.timestamp))
        .or_else(|| p.top(t.event_time_string));
    if v.is_none() {
        v = match kind {
            Kind::SignIn => p.prop("createddatetime"),
            Kind::Audit => p.prop("activitydatetime"),
            _ => None,
        };
    }
    match v {
        Some(v) if !v.str().is_some_and(is_sentinel) => tk.time(v, row),
        Some(_) => row.issues.push("time_unparsed"),
        None => row.issues.push("time_missing"),
    }
}

/// The envelope fields every category shares.
fn common<'a>(p: &Parts<'a>, kind: Kind, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let t = &p.top;
    if !matches!(kind, Kind::Storage | Kind::Audit | Kind::ActivityApi) {
        row.result_type = tk.text_or_int(p.top(t.result_type));
    }
    if kind != Kind::ActivityApi {
        row.result_signature = tk.text_or_int(p.top(t.result_signature));
    }
    if !matches!(kind, Kind::ActivityApi | Kind::SignIn) {
        row.result_description = tk.text(p.top(t.result_description));
    }
    // `-1` is the "not measured" placeholder (formats.md 5.3): null, the text stays in extra.
    let duration = p.top(t.duration_ms);
    if duration
        .and_then(|v| tape::int_at(v.t, v.i))
        .is_some_and(|(n, _)| n != -1)
    {
        row.duration_ms = tk.int(duration);
    }
    row.correlation_id = tk.text(p.top(t.correlation_id));
    row.level = tk.level(p.top(t.level));
    row.resource_id = tk.text(p.top(t.resource_id));
    if kind != Kind::SignIn {
        row.region = tk.region(p.top(t.location));
    }
    if !matches!(kind, Kind::SignIn | Kind::Audit) {
        tk.ip(p.top(t.caller_ip), row);
    }
}

fn activity<'a>(p: &Parts<'a>, api: bool, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let t = &p.top;
    if api {
        let status = p.top(t.status).or_else(|| p.top(t.result_type));
        row.result_type = tk.text_or_int(status.map(V::value_of));
        let sub = p.top(t.sub_status).or_else(|| p.top(t.result_signature));
        row.result_signature = tk.text_or_int(sub.map(V::value_of));
        row.result_description = tk.text(p.prop("statusmessage"));
        row.record_uid = tk.text(p.top(t.event_data_id));
        let http = p.top(t.http_request);
        if row.src_ip.is_none() {
            tk.ip(http.and_then(|h| h.get("clientipaddress")), row);
        }
        row.http_method = tk.upper(http.and_then(|h| h.get("method")));
        row.client_request_id = tk.text(http.and_then(|h| h.get("clientrequestid")));
    }
    row.outcome = row.result_type.as_deref().map(vocab::result_type_outcome);
    row.http_status = tk.http(p.prop("statuscode"));
    // Acting principal from the claims (formats.md 5.5.2): UPN, object id, app id, tenant.
    row.user_name = tk.text(p.claim(&[UPN_URI, "upn"]));
    if row.user_name.is_none() && api {
        let caller = p.top(t.caller);
        if caller.and_then(V::str).is_some_and(|c| c.contains('@')) {
            row.user_name = tk.text(caller);
        }
    }
    row.user_id = tk.guid(p.claim(&[OID_URI, "oid"]));
    row.app_id = tk.guid(p.claim(&["appid"]));
    row.tenant_id = tk.guid(p.claim(&[TID_URI, "tid"]));
    if row.tenant_id.is_none() {
        row.tenant_id = tk.guid(p.top(t.tenant_id));
    }
}

/// Key Vault HTTP status names, for the outcome when `httpStatusCode` is absent.
fn status_name_outcome(sig: &str) -> Option<&'static str> {
    let s: String = sig.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.to_ascii_lowercase();
    Some(match s.as_str() {
        "ok" | "created" | "accepted" | "nocontent" | "partialcontent" | "notmodified" => "success",
        "badrequest"
        | "unauthorized"
        | "forbidden"
        | "notfound"
        | "methodnotallowed"
        | "conflict"
        | "gone"
        | "preconditionfailed"
        | "toomanyrequests"
        | "internalservererror"
        | "notimplemented"
        | "badgateway"
        | "serviceunavailable"
        | "gatewaytimeout"
        | "requesttimeout" => "failure",
        _ => return None,
    })
}

fn key_vault<'a>(p: &Parts<'a>, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let status = tk.http(p.prop("httpstatuscode"));
    row.http_status = status;
    row.outcome = match status {
        Some(n) if n < 400 => Some("success"),
        Some(_) => Some("failure"),
        None => row
            .result_signature
            .as_deref()
            .and_then(status_name_outcome)
            .or(Some("unknown")),
    };
    row.user_name = tk.text(p.claim(&["upn", UPN_URI]));
    row.user_id = tk.guid(p.claim(&["oid", OID_URI]));
    row.app_id = tk.guid(p.claim(&["appid"]));
    row.tenant_id = tk.guid(p.claim(&["tid", TID_URI]));
    if row.tenant_id.is_none() {
        row.tenant_id = tk.guid(p.top(p.top.tenant_id));
    }
    row.url = tk.text(p.prop("requesturi"));
    row.target_object = tk.text(p.prop("id"));
    row.user_agent = tk.text(p.prop("clientinfo"));
}

fn storage<'a>(p: &Parts<'a>, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let t = &p.top;
    row.result_type = tk.text(p.top(t.status_text)).map(Cow::Borrowed);
    row.outcome = row
        .result_type
        .as_deref()
        .map(vocab::storage_status_outcome);
    row.http_status = tk.http(p.top(t.status_code));
    let requester = p.identity.and_then(|i| i.get("requester"));
    row.user_name = tk.text(requester.and_then(|r| r.get("upn")));
    row.user_id = tk.guid(requester.and_then(|r| r.get("objectid")));
    row.app_id = tk.guid(requester.and_then(|r| r.get("appid")));
    row.tenant_id = tk.guid(requester.and_then(|r| r.get("tenantid")));
    row.auth_type = tk.text(p.identity.and_then(|i| i.get("type")));
    row.app_protocol = tk.lower(p.top(t.protocol));
    row.src_bytes = tk.int(p.prop("requestbodysize"));
    row.dst_bytes = tk.int(p.prop("responsebodysize"));
    row.url = tk.text(p.top(t.uri));
    row.target_object = tk.text(p.prop("objectkey"));
    row.user_agent = tk.text(p.prop("useragentheader"));
    row.server_latency_ms = tk.int(p.prop("serverlatencyms"));
    row.client_request_id = tk.text(p.prop("clientrequestid"));
}

fn sign_in<'a>(p: &Parts<'a>, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let t = &p.top;
    let non_empty = |v: &V<'a>| v.str().is_some_and(|s| !s.is_empty());
    row.outcome = match row.result_type.as_deref() {
        Some(r) => Some(if r.trim() == "0" {
            "success"
        } else {
            "failure"
        }),
        None => match p
            .prop_path(&["status", "errorcode"])
            .and_then(|v| tape::int_at(v.t, v.i))
        {
            Some((0, _)) => Some("success"),
            Some(_) => Some("failure"),
            None => Some("unknown"),
        },
    };
    // An empty resultDescription gives way to the failure reason (the `""` stays in extra).
    let desc = p.top(t.result_description);
    let reason = p.prop_path(&["status", "failurereason"]).filter(non_empty);
    row.result_description = match desc.filter(non_empty).or(reason) {
        Some(v) => tk.text(Some(v)),
        None => tk.text(desc),
    };
    row.user_name = tk.text(p.prop("userprincipalname"));
    row.user_id = tk.guid(p.prop("userid"));
    row.app_id = tk.guid(p.prop("appid"));
    row.app_name = tk.text(p.prop("appdisplayname"));
    row.tenant_id = tk.guid(p.top(t.tenant_id));
    row.auth_type = tk.text(p.prop("authenticationrequirement"));
    if !tk.ip(p.prop("ipaddress"), row) {
        tk.ip(p.top(t.caller_ip), row);
    }
    let country = p
        .prop_path(&["location", "countryorregion"])
        .filter(non_empty);
    row.src_geo_country = tk.text(country.or_else(|| p.top(t.location).filter(non_empty)));
    row.target_object = tk.text(p.prop("resourcedisplayname"));
    row.user_agent = tk.text(p.prop("useragent"));
    row.record_uid = tk.text(p.prop("id"));
}

fn audit<'a>(p: &Parts<'a>, tk: &mut Taker<'_>, row: &mut Row<'a>) {
    let t = &p.top;
    match tk.text_or_int(p.prop("result")) {
        Some(r) => {
            row.outcome = Some(match r.trim() {
                x if x.eq_ignore_ascii_case("success") || x == "0" => "success",
                x if x.eq_ignore_ascii_case("failure") => "failure",
                _ => "unknown",
            });
            row.result_type = Some(r);
        }
        None => {
            // 2018 preview shape: no `properties.result`; fall back to `resultType`.
            row.result_type = tk.text_or_int(p.top(t.result_type));
            row.outcome = row.result_type.as_deref().map(vocab::result_type_outcome);
        }
    }
    if row.result_description.is_none() {
        row.result_description = tk.text(p.prop("resultreason"));
    }
    let user = p.prop_path(&["initiatedby", "user"]);
    let app = p.prop_path(&["initiatedby", "app"]);
    row.user_name = tk.text(user.and_then(|u| u.get("userprincipalname")));
    row.user_id = tk.guid(user.and_then(|u| u.get("id")));
    row.app_id = tk.guid(app.and_then(|a| a.get("appid")));
    row.app_name = tk.text(app.and_then(|a| a.get("displayname")));
    row.tenant_id = tk.guid(p.top(t.tenant_id));
    if !tk.ip(user.and_then(|u| u.get("ipaddress")), row) {
        tk.ip(p.top(t.caller_ip), row);
    }
    // First target (design rule 1): the array itself stays whole in `extra`.
    if let Some(first) = p.prop("targetresources").and_then(V::first_element) {
        row.target_object = ["userprincipalname", "displayname", "id"]
            .iter()
            .find_map(|k| first.get(k).and_then(V::str).filter(|s| !s.is_empty()));
    }
    row.record_uid = tk.text(p.prop("id"));
}
