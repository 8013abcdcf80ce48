//! Throughput of the monitor parser on ~20 MB of generated JSON Lines (seeded): a realistic
//! mix of Activity log, Key Vault, storage, sign-in, audit and generic resource-log records.

use std::fmt::Write as _;
use std::hint::black_box;

use azlog_monitor::MonitorParser;
use azlog_schema::{DEFAULT_BATCH_ROWS, Origin, RecordParser, SizeHint};
use criterion::{Criterion, Throughput, criterion_group};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn guid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }
}

fn time(r: &mut Rng) -> String {
    format!(
        "2024-07-14T{:02}:{:02}:{:02}.{:07}Z",
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(10_000_000)
    )
}

fn record(r: &mut Rng, out: &mut String) {
    let t = time(r);
    let sub = "00000000-1111-4222-8333-444444444444";
    match r.below(6) {
        0 => {
            let _ = write!(
                out,
                r#"{{"time":"{t}","resourceId":"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/RG-WEB/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM-{n}","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.OK","durationMs":"{d}","callerIpAddress":"203.0.113.{ip}","correlationId":"{c}","identity":{{"authorization":{{"scope":"/subscriptions/{sub}/resourceGroups/rg-web","action":"Microsoft.Compute/virtualMachines/write","evidence":{{"role":"Owner","principalType":"User"}}}},"claims":{{"aud":"https://management.core.windows.net/","iat":"1709647831","appid":"{a}","http://schemas.microsoft.com/identity/claims/objectidentifier":"{o}","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"user{n}@contoso.example","http://schemas.microsoft.com/identity/claims/tenantid":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","name":"User {n}"}}}},"level":"Information","location":"global","properties":{{"statusCode":"OK","serviceRequestId":"{s}","eventCategory":"Administrative","entity":"/subscriptions/{sub}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-{n}","message":"Microsoft.Compute/virtualMachines/write","hierarchy":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/{sub}"}}}}"#,
                n = r.below(500),
                d = r.below(5000),
                ip = r.below(255),
                c = r.guid(),
                a = r.guid(),
                o = r.guid(),
                s = r.guid(),
            );
        }
        1 => {
            let code = [200, 200, 200, 403, 404][r.below(5) as usize];
            let _ = write!(
                out,
                r#"{{"time":"{t}","resourceId":"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/RG-SEC/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PROD","operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"{d}","callerIpAddress":"198.51.100.{ip}","correlationId":"{c}","identity":{{"claim":{{"oid":"{o}","appid":"{a}","tid":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","idtyp":"app"}}}},"properties":{{"id":"https://kv-prod.vault.azure.net/secrets/s{n}","clientInfo":"azsdk-python-keyvault-secrets/4.8.0","httpStatusCode":{code},"requestUri":"https://kv-prod.vault.azure.net/secrets/s{n}?api-version=7.4","isAccessPolicyMatch":true,"tlsVersion":"TLS1_2"}},"location":"westeurope"}}"#,
                d = r.below(100),
                ip = r.below(255),
                c = r.guid(),
                o = r.guid(),
                a = r.guid(),
                n = r.below(1000),
            );
        }
        2 => {
            let _ = write!(
                out,
                r#"{{"time":"{t}","resourceId":"/subscriptions/{sub}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosodata/blobServices/default","category":"StorageRead","operationName":"GetBlob","operationVersion":"2023-11-03","schemaVersion":"1.0","statusCode":200,"statusText":"Success","durationMs":{d},"callerIpAddress":"10.1.{a}.{b}:{port}","correlationId":"{c}","identity":{{"type":"OAuth","tokenHash":"6A0B3C1D2E4F5A6B7C8D9E0F1A2B3C4D","requester":{{"appId":"{ap}","objectId":"{o}","tenantId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","upn":"svc@contoso.example"}}}},"location":"westeurope","protocol":"HTTPS","uri":"https://contosodata.blob.core.windows.net/c/b{n}.bin","properties":{{"accountName":"contosodata","userAgentHeader":"azsdk-net-Storage.Blobs/12.19.1","clientRequestId":"{cr}","etag":"\"0x8DCA3E0B7F21C44\"","serverLatencyMs":{sl},"serviceType":"blob","objectKey":"/contosodata/c/b{n}.bin","requestHeaderSize":1874,"responseHeaderSize":612,"responseBodySize":{rb},"tlsVersion":"TLS 1.2"}}}}"#,
                d = r.below(200),
                a = r.below(255),
                b = r.below(255),
                port = 1024 + r.below(60000),
                c = r.guid(),
                ap = r.guid(),
                o = r.guid(),
                n = r.below(10000),
                cr = r.guid(),
                sl = r.below(50),
                rb = r.below(1 << 22),
            );
        }
        3 => {
            let ok = r.below(4) > 0;
            let _ = write!(
                out,
                r#"{{"time":"{t}","resourceId":"/tenants/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/providers/Microsoft.aadiam","operationName":"Sign-in activity","operationVersion":"1.0","category":"SignInLogs","tenantId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","resultType":"{rt}","resultSignature":"None","durationMs":0,"callerIpAddress":"198.51.100.{ip}","correlationId":"{c}","identity":"User {n}","Level":4,"location":"NL","properties":{{"id":"{id}","createdDateTime":"{t}","userDisplayName":"User {n}","userPrincipalName":"user{n}@contoso.example","userId":"{u}","appId":"{a}","appDisplayName":"Contoso Portal","ipAddress":"198.51.100.{ip}","status":{{"errorCode":{ec}}},"clientAppUsed":"Browser","userAgent":"Mozilla/5.0","deviceDetail":{{"deviceId":"","operatingSystem":"Windows10","browser":"Edge 126.0.0"}},"location":{{"city":"Amsterdam","countryOrRegion":"NL","geoCoordinates":{{"latitude":52.37,"longitude":4.89}}}},"conditionalAccessStatus":"notApplied","appliedConditionalAccessPolicies":[],"isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","riskDetail":"none","resourceDisplayName":"Microsoft Graph","resourceId":"{g}"}}}}"#,
                rt = if ok { "0" } else { "50126" },
                ec = if ok { 0 } else { 50126 },
                ip = r.below(255),
                c = r.guid(),
                n = r.below(500),
                id = r.guid(),
                u = r.guid(),
                a = r.guid(),
                g = r.guid(),
            );
        }
        4 => {
            let _ = write!(
                out,
                r#"{{"time":"{t}","resourceId":"/tenants/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/providers/Microsoft.aadiam","operationName":"Update user","operationVersion":"1.0","category":"AuditLogs","tenantId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","resultType":"Success","resultSignature":"None","durationMs":0,"callerIpAddress":"203.0.113.{ip}","correlationId":"{c}","identity":"MS-PIM","level":"Informational","properties":{{"id":"Directory_{c}","category":"UserManagement","correlationId":"{c}","result":"success","resultReason":"","activityDisplayName":"Update user","activityDateTime":"{t}","loggedByService":"Core Directory","operationType":"Update","initiatedBy":{{"user":{{"id":"{u}","displayName":null,"userPrincipalName":"admin@contoso.example","ipAddress":"203.0.113.{ip}"}}}},"targetResources":[{{"id":"{g}","displayName":null,"type":"User","userPrincipalName":"user@contoso.example","modifiedProperties":[{{"displayName":"AccountEnabled","oldValue":"[true]","newValue":"[false]"}}]}}],"additionalDetails":[]}}}}"#,
                ip = r.below(255),
                c = r.guid(),
                u = r.guid(),
                g = r.guid(),
            );
        }
        _ => {
            let _ = write!(
                out,
                r#"{{"timeStamp":"2024-07-14T09:15:02+00:00","resourceId":"/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/RG-EDGE/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/AGW-PUBLIC","listenerName":"https-listener","ruleName":"rule-portal","operationName":"ApplicationGatewayAccess","category":"ApplicationGatewayAccessLog","properties":{{"instanceId":"appgw_1","clientIP":"198.51.100.{ip}","clientPort":{port},"httpMethod":"GET","requestUri":"/p/{n}","userAgent":"-","httpStatus":200,"httpVersion":"HTTP/2.0","receivedBytes":612,"sentBytes":{sb},"timeTaken":0.0{tt},"WAFEvaluationTime":"0.001","serverStatus":"200","serverResponseLatency":"0.010","host":"portal.contoso.example"}}}}"#,
                ip = r.below(255),
                port = 1024 + r.below(60000),
                n = r.below(1000),
                sb = r.below(100_000),
                tt = r.below(100),
            );
        }
    }
    out.push('\n');
}

fn corpus(target_bytes: usize) -> (String, u64) {
    let mut r = Rng(0x05ee_da21_0c0f_fee5);
    let mut s = String::with_capacity(target_bytes + 4096);
    let mut n = 0u64;
    while s.len() < target_bytes {
        record(&mut r, &mut s);
        n += 1;
    }
    (s, n)
}

/// The corpus as ~8 MiB newline-aligned pieces, what the engine hands a parser.
fn pieces(input: &str) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = input.as_bytes();
    while !rest.is_empty() {
        let mut cut = rest.len().min(8 << 20);
        if cut < rest.len() {
            cut = memchr::memrchr(b'\n', &rest[..cut]).map_or(rest.len(), |k| k + 1);
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

/// Parses every piece, each into a builder sized from the piece before (as the engine sizes
/// it); returns the rows.
fn run(p: &mut MonitorParser, pieces: &[&[u8]], hint: &mut SizeHint) -> u64 {
    let mut rows = 0;
    for piece in pieces {
        let mut out = hint.builder(piece.len(), DEFAULT_BATCH_ROWS);
        let mut rejects = Vec::new();
        let origin = Origin::whole_file("bench.jsonl");
        rows += p.parse(piece, &origin, &mut out, &mut rejects).rows;
        black_box(out.take_batches().map(|b| b.len()).unwrap_or(0));
        hint.learn(piece.len(), out.sizes());
    }
    rows
}

fn bench(c: &mut Criterion) {
    let (input, records) = corpus(20 << 20);
    let pieces = pieces(&input);
    let mut parser = MonitorParser::new();
    let mut hint = SizeHint::default();
    let mut run = |p: &mut MonitorParser| assert_eq!(run(p, &pieces, &mut hint), records);
    let mut g = c.benchmark_group("monitor_jsonl_bytes");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("parse", |b| b.iter(|| run(&mut parser)));
    g.finish();
    let mut g = c.benchmark_group("monitor_jsonl_records");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records));
    g.bench_function("parse", |b| b.iter(|| run(&mut parser)));
    g.finish();
}

criterion_group!(benches, bench);

/// `AZLOG_BENCH_ONCE=<MiB>` parses one corpus of that size once, in the same pieces, and exits (for instruction
/// counts under callgrind); otherwise the criterion benches run.
fn main() {
    if let Ok(spec) = std::env::var("AZLOG_BENCH_ONCE") {
        let (input, records) = corpus(spec.parse::<usize>().unwrap_or(1) << 20);
        let rows = run(
            &mut MonitorParser::new(),
            &pieces(&input),
            &mut SizeHint::default(),
        );
        assert_eq!(rows, records);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
