//! The fields of log versions 1.0 (30) and 2.0 (38), by position (formats.md §2.3–2.4).

/// Field names as the Microsoft format names them, used as `extra` keys.
pub(crate) const NAMES: [&str; 38] = [
    "version-number",
    "request-start-time",
    "operation-type",
    "request-status",
    "http-status-code",
    "end-to-end-latency-in-ms",
    "server-latency-in-ms",
    "authentication-type",
    "requester-account-name",
    "owner-account-name",
    "service-type",
    "request-url",
    "requested-object-key",
    "request-id-header",
    "operation-count",
    "requester-ip-address",
    "request-version-header",
    "request-header-size",
    "request-packet-size",
    "response-header-size",
    "response-packet-size",
    "request-content-length",
    "request-md5",
    "server-md5",
    "etag-identifier",
    "last-modified-time",
    "conditions-used",
    "user-agent-header",
    "referrer-header",
    "client-request-id",
    "user-object-id",
    "tenant-id",
    "application-id",
    "audience",
    "issuer",
    "user-principal-name",
    "reserved-field",
    "authorization-detail",
];

/// `parse_issues` codes for a number field that did not parse, by field position.
pub(crate) const fn number_issue(i: usize) -> &'static str {
    match i {
        F_HTTP_STATUS => "number_invalid:http-status-code",
        F_E2E_LATENCY => "number_invalid:end-to-end-latency-in-ms",
        F_SERVER_LATENCY => "number_invalid:server-latency-in-ms",
        F_REQUEST_PACKET => "number_invalid:request-packet-size",
        F_RESPONSE_PACKET => "number_invalid:response-packet-size",
        _ => "number_invalid",
    }
}

pub(crate) const F_VERSION: usize = 0;
pub(crate) const F_START_TIME: usize = 1;
pub(crate) const F_OPERATION: usize = 2;
pub(crate) const F_STATUS: usize = 3;
pub(crate) const F_HTTP_STATUS: usize = 4;
pub(crate) const F_E2E_LATENCY: usize = 5;
pub(crate) const F_SERVER_LATENCY: usize = 6;
pub(crate) const F_AUTH_TYPE: usize = 7;
pub(crate) const F_OWNER_ACCOUNT: usize = 9;
pub(crate) const F_SERVICE_TYPE: usize = 10;
pub(crate) const F_URL: usize = 11;
pub(crate) const F_OBJECT_KEY: usize = 12;
pub(crate) const F_REQUEST_ID: usize = 13;
pub(crate) const F_REQUESTER_IP: usize = 15;
pub(crate) const F_REQUEST_PACKET: usize = 18;
pub(crate) const F_RESPONSE_PACKET: usize = 20;
pub(crate) const F_USER_AGENT: usize = 27;
pub(crate) const F_CLIENT_REQUEST_ID: usize = 29;
pub(crate) const F_USER_OBJECT_ID: usize = 30;
pub(crate) const F_TENANT_ID: usize = 31;
pub(crate) const F_APPLICATION_ID: usize = 32;
pub(crate) const F_UPN: usize = 35;

/// Field count of a known version, or `None`.
pub(crate) fn expected_fields(version: &[u8]) -> Option<usize> {
    match version {
        b"1.0" => Some(30),
        b"2.0" => Some(38),
        _ => None,
    }
}

/// True for `^[0-9]+\.[0-9]+$`.
pub(crate) fn looks_like_version(v: &[u8]) -> bool {
    let Some(dot) = v.iter().position(|&b| b == b'.') else {
        return false;
    };
    let (a, b) = (&v[..dot], &v[dot + 1..]);
    !a.is_empty()
        && !b.is_empty()
        && a.iter().all(u8::is_ascii_digit)
        && b.iter().all(u8::is_ascii_digit)
}
