//! Storage Analytics `$logs` lines (formats.md §2): mixed 1.0 (30 fields) and 2.0 (38 fields).

use std::io;

use crate::fmt::{self, guid, hex, num, s};
use crate::{BASE_EPOCH, Counts, FileJob, Out, Rng};

/// Blobs per hour: busy accounts roll over to `000001.log` within the hour.
const BLOBS_PER_HOUR: u64 = 2;

pub(crate) fn blob_name(job: &FileJob<'_>) -> String {
    let hour = BASE_EPOCH + (job.index / BLOBS_PER_HOUR) as i64 * 3600;
    let c = fmt::split(hour);
    format!(
        "$logs/blob/{:04}/{:02}/{:02}/{:02}00/{:06}.log",
        c.y,
        c.mo,
        c.d,
        c.h,
        job.index % BLOBS_PER_HOUR
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Read,
    List,
    Write,
    Delete,
    Meta,
}

const OPS: &[(&str, Kind, u32)] = &[
    ("GetBlob", Kind::Read, 30),
    ("GetBlobProperties", Kind::Meta, 14),
    ("ListBlobs", Kind::List, 8),
    ("PutBlob", Kind::Write, 10),
    ("PutBlock", Kind::Write, 8),
    ("PutBlockList", Kind::Write, 4),
    ("GetContainerProperties", Kind::Meta, 3),
    ("GetBlobMetadata", Kind::Meta, 2),
    ("SetBlobMetadata", Kind::Write, 1),
    ("DeleteBlob", Kind::Delete, 4),
    ("GetBlockList", Kind::Meta, 2),
    ("ListContainers", Kind::List, 1),
    ("GetBlobServiceProperties", Kind::Meta, 1),
    ("BlobPreflightRequest", Kind::Meta, 1),
    ("AcquireBlobLease", Kind::Write, 1),
    ("RenewBlobLease", Kind::Write, 1),
    ("CopyBlob", Kind::Write, 2),
    ("GetContainerServiceMetadata", Kind::Meta, 1),
    ("RenamePathFile", Kind::Write, 1),
];

const CONTAINERS: &[&str] = &[
    "reports",
    "evidence",
    "upload",
    "backups",
    "logs-archive",
    "public",
    "images",
    "$web",
];
const DIRS: &[&str] = &[
    "2024/07",
    "daily",
    "raw/ingest",
    "exports",
    "vm-disks",
    "tmp",
    "q3/finance",
];
const EXTS: &[&str] = &["csv", "json", "parquet", "vhd", "png", "txt", "gz", "log"];
const SVC_VERSIONS: &[&str] = &[
    "2021-08-06",
    "2022-11-02",
    "2023-11-03",
    "2020-10-02",
    "2019-12-12",
    "2024-08-04",
];

const AGENTS: &[&str] = &[
    "azsdk-python-storage-blob/12.19.0 Python/3.11.4 (Linux-6.2.0-x86_64-with-glibc2.35)",
    "azsdk-net-Storage.Blobs/12.19.1 (.NET 8.0.6; Microsoft Windows 10.0.22631)",
    "Microsoft Azure Storage Explorer, 1.33.0, win32, AzCopy/10.22.2 Azure-Storage/0.15 (go1.21.3; Windows_NT)",
    "AzCopy/10.25.1 azsdk-go-azblob/v1.3.2 (go1.22.5; linux)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "azsdk-java-azure-storage-blob/12.26.1 (17.0.11; Linux; 5.15.0-1066-azure)",
    "curl/8.5.0",
    "APN/1.0 Azure Blob FS/3.3.6 (PrivateBuild JavaJRE 1.8.0_402; Linux 5.15.0-1064-azure/amd64; SunJSSE-1.8; UNKNOWN/UNKNOWN) HDInsight",
    "Terraform/1.8.5 terraform-provider-azurerm/3.110.0 azsdk-go-azblob/v1.3.2 (go1.22.3; linux)",
];

/// Authentication of one request.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    Key,
    Sas,
    Anon,
    Bearer,
}

pub(crate) fn write_file(mut job: FileJob<'_>, w: &mut Out, b: &mut Vec<u8>) -> io::Result<Counts> {
    let world = job.world;
    let account = world.accounts[(job.index as usize) % world.accounts.len()].clone();
    let hour_ticks = (BASE_EPOCH + (job.index / BLOBS_PER_HOUR) as i64 * 3600) * 10_000_000;
    let mut counts = Counts::default();
    let weights: Vec<u32> = OPS.iter().map(|o| o.2).collect();
    let rng = &mut job.rng;
    while w.written < job.target {
        b.clear();
        // Position in the hour follows the position in the file, with jitter (not sorted).
        let frac = (w.written as f64 / job.target.max(1) as f64).min(0.999);
        let jitter = rng.below(20_000_000) as i64;
        let t = (hour_ticks + (frac * 36e9) as i64 + jitter).min(hour_ticks + 36_000_000_000 - 1);
        let op = rng.weighted(&weights);
        let (name, kind, _) = OPS[op];
        let mut ctx = Line::new(rng, &account, t, kind);
        if name == "CopyBlob" {
            // CopyBlob logs three lines sharing the request id (§2.6).
            for (k, sub) in ["CopyBlob", "CopyBlobSource", "CopyBlobDestination"]
                .iter()
                .enumerate()
            {
                ctx.line(b, rng, &account, sub, k as u64, world);
                counts.records += 1;
            }
        } else {
            ctx.line(b, rng, &account, name, 0, world);
            counts.records += 1;
        }
        w.put(b)?;
    }
    counts.rows = counts.records;
    Ok(counts)
}

/// Fields shared by the lines of one request.
struct Line {
    t: i64,
    v2: bool,
    auth: Auth,
    kind: Kind,
    request_id: [u8; 36],
    container: &'static str,
    blob: Vec<u8>,
    ip: Vec<u8>,
    status: (&'static str, &'static str),
    user: usize,
    agent: &'static str,
}

impl Line {
    fn new(rng: &mut Rng, _account: &str, t: i64, kind: Kind) -> Line {
        let v2 = rng.chance(70);
        let auth = match rng.weighted(&[45, 25, 10, 20]) {
            0 => Auth::Key,
            1 => Auth::Sas,
            2 => Auth::Anon,
            _ if v2 => Auth::Bearer,
            _ => Auth::Key,
        };
        let mut rid = Vec::with_capacity(36);
        hex(&mut rid, rng, 8, false);
        rid.push(b'-');
        hex(&mut rid, rng, 1, false);
        rid.extend_from_slice(b"01e-");
        hex(&mut rid, rng, 4, false);
        rid.push(b'-');
        hex(&mut rid, rng, 4, false);
        rid.push(b'-');
        hex(&mut rid, rng, 6, false);
        rid.extend_from_slice(b"000000");
        let mut request_id = [0u8; 36];
        request_id.copy_from_slice(&rid);
        let container = *rng.pick(CONTAINERS);
        let mut blob = Vec::with_capacity(64);
        s(&mut blob, rng.pick(DIRS));
        blob.push(b'/');
        if rng.chance_milli(8) {
            // A blob literally named with `;` and quotes (SA-2).
            s(&mut blob, "notes;v2 &quot;final&quot;");
        } else {
            s(
                &mut blob,
                rng.pick(&["disk", "q", "export", "img", "part", "report", "invoice"]),
            );
            blob.push(b'-');
            num(&mut blob, rng.below(100_000));
        }
        blob.push(b'.');
        s(&mut blob, rng.pick(EXTS));
        let mut ip = Vec::with_capacity(48);
        match rng.weighted(&[78, 10, 12]) {
            0 => fmt::ipv4_public(&mut ip, rng),
            1 => fmt::ipv4_private(&mut ip, rng.below(8), rng),
            _ => {
                ip.push(b'[');
                fmt::ipv6(&mut ip, rng);
                ip.push(b']');
            }
        }
        ip.push(b':');
        num(&mut ip, rng.range(1024, 65535));
        let prefix = match auth {
            Auth::Sas => "SAS",
            Auth::Anon => "Anonymous",
            _ => "",
        };
        let status = match rng.weighted(&[86, 5, 2, 2, 1, 1, 1, 1, 1]) {
            0 => (ok_code(kind), "Success"),
            1 if kind == Kind::Read || kind == Kind::Meta => ("404", "BlobNotFound"),
            1 => ("404", "ContainerNotFound"),
            2 => ("304", "Success"),
            3 => ("403", "AuthorizationPermissionMismatch"),
            4 => ("412", "ConditionNotMet"),
            5 => ("503", "ThrottlingError"),
            6 => ("500", "ServerOtherError"),
            7 => ("Unknown", "NetworkError"),
            _ => ("Unknown", "ClientTimeoutError"),
        };
        let status = match (prefix, status.1) {
            ("SAS", "Success") => (status.0, "SASSuccess"),
            ("Anonymous", "Success") => (status.0, "AnonymousSuccess"),
            ("SAS", "NetworkError") => (status.0, "SASNetworkError"),
            ("Anonymous", "NetworkError") => (status.0, "AnonymousNetworkError"),
            ("Anonymous", "BlobNotFound") => (status.0, "AnonymousClientOtherError"),
            _ => status,
        };
        Line {
            t,
            v2,
            auth,
            kind,
            request_id,
            container,
            blob,
            ip,
            status,
            user: rng.below(400) as usize,
            agent: AGENTS[rng.below(AGENTS.len() as u64) as usize],
        }
    }

    fn line(
        &mut self,
        b: &mut Vec<u8>,
        rng: &mut Rng,
        account: &str,
        op: &str,
        op_count: u64,
        world: &crate::world::World,
    ) {
        let failed = !self.status.1.ends_with("Success");
        let unknown = self.status.0 == "Unknown";
        // 1-5
        s(b, if self.v2 { "2.0;" } else { "1.0;" });
        fmt::iso7(b, self.t + op_count as i64 * 1234);
        b.push(b';');
        s(b, op);
        b.push(b';');
        s(b, self.status.1);
        b.push(b';');
        s(b, self.status.0);
        b.push(b';');
        // 6-7 latencies
        let server = rng.range(1, 40)
            + if self.kind == Kind::Write {
                rng.below(400)
            } else {
                0
            };
        let e2e = server + rng.below(if unknown { 60_000 } else { 60 });
        num(b, e2e);
        b.push(b';');
        num(b, server);
        b.push(b';');
        // 8-11
        s(
            b,
            match self.auth {
                Auth::Key => "authenticated;",
                Auth::Sas => "sas;",
                Auth::Anon => "anonymous;",
                Auth::Bearer => "bearer;",
            },
        );
        if self.auth == Auth::Key {
            s(b, account);
        }
        b.push(b';');
        s(b, account);
        s(b, ";blob;");
        // 12 request-url, 13 object key
        let sub_op = op_count > 0 && rng.chance(50);
        b.push(b'"');
        if !sub_op {
            s(b, "https://");
            s(b, account);
            s(b, ".blob.core.windows.net:443/");
            s(b, self.container);
            match self.kind {
                Kind::List => {
                    s(b, "?restype=container&amp;comp=list&amp;prefix=");
                    s(b, rng.pick(DIRS));
                    s(b, "&amp;maxresults=5000");
                }
                _ => {
                    b.push(b'/');
                    b.extend_from_slice(&self.blob);
                    if self.auth == Auth::Sas {
                        s(
                            b,
                            "?sv=2022-11-02&amp;sr=b&amp;sp=rcw&amp;se=2024-07-15T00:00:00Z&amp;sig=XXXXX",
                        );
                    } else if op == "PutBlock" {
                        s(b, "?comp=block&amp;blockid=");
                        hex(b, rng, 24, true);
                        s(b, "&amp;timeout=30");
                    } else {
                        s(b, "?timeout=");
                        num(b, *rng.pick(&[30, 60, 90, 901]));
                    }
                }
            }
        }
        s(b, "\";\"/");
        s(b, account);
        b.push(b'/');
        s(b, self.container);
        if self.kind != Kind::List {
            b.push(b'/');
            b.extend_from_slice(&self.blob);
        }
        s(b, "\";");
        // 14-17
        b.extend_from_slice(&self.request_id);
        b.push(b';');
        num(b, op_count);
        b.push(b';');
        b.extend_from_slice(&self.ip);
        b.push(b';');
        if !(self.auth == Auth::Anon && rng.chance(40)) {
            s(b, rng.pick(SVC_VERSIONS));
        }
        b.push(b';');
        // 18-22 sizes; empty for some failed requests
        let body = match self.kind {
            Kind::Read => rng.below(8 << 20),
            Kind::List => rng.range(300, 200_000),
            _ => rng.below(2000),
        };
        let upload = if self.kind == Kind::Write {
            rng.below(4 << 20)
        } else {
            0
        };
        if failed && rng.chance(40) {
            s(b, ";;;;;");
        } else {
            num(b, rng.range(300, 2200));
            b.push(b';');
            num(b, upload);
            b.push(b';');
            num(b, rng.range(200, 700));
            b.push(b';');
            num(b, if failed { rng.below(300) } else { body });
            b.push(b';');
            if self.kind == Kind::Write {
                num(b, upload);
            }
            b.push(b';');
        }
        // 23-24 md5
        if self.kind == Kind::Write && !failed && rng.chance(60) {
            let mut md5 = Vec::with_capacity(24);
            base64ish(&mut md5, rng);
            b.push(b'"');
            b.extend_from_slice(&md5);
            s(b, "\";\"");
            b.extend_from_slice(&md5);
            s(b, "\";");
        } else if self.kind == Kind::Read && !failed && rng.chance(50) {
            s(b, ";\"");
            base64ish(b, rng);
            s(b, "\";");
        } else {
            s(b, ";;");
        }
        // 25 etag, 26 last-modified
        let lmt = self.t / 10_000_000 - rng.range(60, 90 * 86_400) as i64;
        if !failed && self.kind != Kind::List && !sub_op {
            s(b, "\"&quot;0x8DC");
            hex(b, rng, 12, true);
            s(b, "&quot;\";");
            fmt::rfc850(b, lmt);
            b.push(b';');
        } else {
            s(b, ";;");
        }
        // 27 conditions-used (raw `;` between items)
        match rng.weighted(&[88, 8, 4]) {
            1 => {
                s(b, "\"If-None-Match=&quot;0x8DC");
                hex(b, rng, 12, true);
                s(b, "&quot;\"");
            }
            2 => {
                s(b, "\"If-Modified-Since=");
                fmt::rfc850(b, lmt - 3600);
                s(b, ";If-Match=&quot;0x8DC");
                hex(b, rng, 12, true);
                s(b, "&quot;\"");
            }
            _ => {}
        }
        b.push(b';');
        // 28 user agent, 29 referrer, 30 client request id
        b.push(b'"');
        s(b, self.agent);
        s(b, "\";");
        if self.agent.starts_with("Mozilla") && rng.chance(50) {
            s(b, "\"https://portal.contoso.example/files?view=");
            num(b, rng.below(1000));
            s(b, "&amp;sort=name\"");
        }
        b.push(b';');
        if rng.chance(85) {
            b.push(b'"');
            guid(b, rng);
            b.push(b'"');
        }
        // 31-38 (2.0 only)
        if self.v2 {
            if self.auth == Auth::Bearer {
                let u = &world.users[self.user];
                let app = rng.pick(&world.apps);
                s(b, ";\"");
                s(b, &u.oid);
                s(b, "\";\"");
                s(b, &world.tenant);
                s(b, "\";\"");
                s(b, &app.0);
                s(
                    b,
                    "\";\"https://storage.azure.com/\";\"https://sts.windows.net/",
                );
                s(b, &world.tenant);
                s(b, "/\";");
                if !u.upn.is_empty() {
                    b.push(b'"');
                    s(b, &u.upn);
                    b.push(b'"');
                }
                s(
                    b,
                    ";;\"[{&quot;action&quot;:&quot;Microsoft.Storage/storageAccounts/blobServices/containers/blobs/",
                );
                s(
                    b,
                    if self.kind == Kind::Write {
                        "write"
                    } else {
                        "read"
                    },
                );
                s(b, "&quot;,&quot;roleAssignmentId&quot;:&quot;");
                guid(b, rng);
                s(
                    b,
                    "&quot;,&quot;roleDefinitionId&quot;:&quot;2a2b9908-6ea1-4ae2-8e65-a410df84e7d1&quot;,&quot;principalId&quot;:&quot;",
                );
                s(b, &u.oid);
                s(b, "&quot;,&quot;principalType&quot;:&quot;");
                s(
                    b,
                    if u.upn.is_empty() {
                        "ServicePrincipal"
                    } else {
                        "User"
                    },
                );
                s(b, "&quot;}]\"");
            } else {
                s(b, ";;;;;;;;");
            }
        }
        b.push(b'\n');
    }
}

fn ok_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Write => "201",
        Kind::Delete => "202",
        _ => "200",
    }
}

/// 24 characters that look like a base64 MD5.
fn base64ish(b: &mut Vec<u8>, rng: &mut Rng) {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = 0;
    for i in 0..22 {
        if i % 10 == 0 {
            x = rng.next_u64();
        }
        b.push(A[(x & 63) as usize]);
        x >>= 6;
    }
    b.extend_from_slice(b"==");
}
