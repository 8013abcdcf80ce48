//! NSG flow logs v1/v2 (formats.md §3) and VNet flow logs v4 (§4): one `{"records":[...]}`
//! document per NIC and hour.

use std::io;

use crate::fmt::{self, num, s};
use crate::world::{Nic, World};
use crate::{BASE_EPOCH, Counts, FileJob, Out, Rng};

/// NICs writing a blob in the same hour.
const NICS_PER_HOUR: u64 = 4;

fn nic_and_hour<'a>(job: &FileJob<'a>) -> (&'a Nic, i64) {
    let nics = &job.world.nics;
    let nic = &nics[(job.index % nics.len() as u64) as usize];
    (nic, BASE_EPOCH + (job.index / NICS_PER_HOUR) as i64 * 3600)
}

fn hour_path(hour: i64) -> String {
    let c = fmt::split(hour);
    format!("y={:04}/m={:02}/d={:02}/h={:02}/m=00", c.y, c.mo, c.d, c.h)
}

pub(crate) fn nsg_blob_name(job: &FileJob<'_>) -> String {
    let (nic, hour) = nic_and_hour(job);
    format!(
        "insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/{}/RESOURCEGROUPS/{}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/{}/{}/macAddress={}/PT1H.json",
        job.world.subs[0],
        nic.rg,
        nic.nsg,
        hour_path(hour),
        nic.mac
    )
}

pub(crate) fn vnet_blob_name(job: &FileJob<'_>) -> String {
    let (nic, hour) = nic_and_hour(job);
    format!(
        "insights-logs-flowlogflowevent/flowLogResourceID=/{}_NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_VNET-PROD-FLOWLOG/{}/macAddress={}/PT1H.json",
        job.world.subs[0],
        hour_path(hour),
        nic.mac
    )
}

/// How a rule treats traffic.
#[derive(Clone, Copy, PartialEq)]
enum Traffic {
    /// Outbound to the internet.
    OutInternet,
    /// Outbound inside the virtual network.
    OutVnet,
    /// Inbound from the internet to one port.
    In(u64),
    /// Inbound from the virtual network.
    InVnet,
    /// Load-balancer probes.
    Probe,
}

struct Rule {
    name: &'static str,
    traffic: Traffic,
    deny: bool,
    /// User-defined inbound TCP allow rule: stateless, never an `E` tuple (§3.4).
    stateless: bool,
}

const RULES: &[Rule] = &[
    Rule {
        name: "DefaultRule_AllowInternetOutBound",
        traffic: Traffic::OutInternet,
        deny: false,
        stateless: false,
    },
    Rule {
        name: "DefaultRule_AllowVnetOutBound",
        traffic: Traffic::OutVnet,
        deny: false,
        stateless: false,
    },
    Rule {
        name: "DefaultRule_DenyAllInBound",
        traffic: Traffic::In(0),
        deny: true,
        stateless: false,
    },
    Rule {
        name: "UserRule_Allow-HTTPS",
        traffic: Traffic::In(443),
        deny: false,
        stateless: true,
    },
    Rule {
        name: "DefaultRule_AllowVnetInBound",
        traffic: Traffic::InVnet,
        deny: false,
        stateless: false,
    },
    Rule {
        name: "UserRule_Allow-RDP-Admin",
        traffic: Traffic::In(3389),
        deny: false,
        stateless: true,
    },
    Rule {
        name: "UserRule_Deny-SMB-Inbound",
        traffic: Traffic::In(445),
        deny: true,
        stateless: false,
    },
    Rule {
        name: "DefaultRule_AllowAzureLoadBalancerInBound",
        traffic: Traffic::Probe,
        deny: false,
        stateless: false,
    },
    Rule {
        name: "DefaultRule_DenyAllOutBound",
        traffic: Traffic::OutInternet,
        deny: true,
        stateless: false,
    },
];

const OUT_PORTS: &[u64] = &[443, 443, 443, 443, 80, 53, 123, 1433, 5671, 8443, 22];
const IN_SCAN_PORTS: &[u64] = &[22, 3389, 445, 23, 1433, 5900, 8080, 6379, 3306, 25];

/// One tuple's addresses, before formatting.
struct Flow {
    src: Vec<u8>,
    dst: Vec<u8>,
    sport: u64,
    dport: u64,
    udp: bool,
    icmp: bool,
    out: bool,
}

fn flow(rng: &mut Rng, nic: &Nic, nic_host: u64, rule: &Rule, allow_icmp: bool) -> Flow {
    let mut me = Vec::with_capacity(16);
    s(&mut me, "10.");
    num(&mut me, nic.ip_net);
    s(&mut me, ".0.");
    num(&mut me, nic_host);
    let mut other = Vec::with_capacity(40);
    let (out, dport) = match rule.traffic {
        Traffic::OutInternet => {
            fmt::ipv4_public(&mut other, rng);
            (true, *rng.pick(OUT_PORTS))
        }
        Traffic::OutVnet => {
            fmt::ipv4_private(&mut other, nic.ip_net + rng.below(3), rng);
            (true, *rng.pick(&[1433, 443, 5432, 6379, 9200, 445]))
        }
        Traffic::In(0) => {
            fmt::ipv4_public(&mut other, rng);
            (false, *rng.pick(IN_SCAN_PORTS))
        }
        Traffic::In(p) => {
            fmt::ipv4_public(&mut other, rng);
            (false, p)
        }
        Traffic::InVnet => {
            fmt::ipv4_private(&mut other, nic.ip_net + rng.below(3), rng);
            (false, *rng.pick(&[443, 22, 8080, 5985]))
        }
        Traffic::Probe => {
            s(&mut other, "168.63.129.16");
            (false, *rng.pick(&[80, 443, 8080]))
        }
    };
    let udp = matches!(dport, 53 | 123) || (dport == 5671 && rng.chance(10));
    let icmp = allow_icmp && !udp && rng.chance(3);
    let sport = rng.range(49_152, 65_535);
    let (src, dst) = if out { (me, other) } else { (other, me) };
    Flow {
        src,
        dst,
        sport: if icmp { 0 } else { sport },
        dport: if icmp { 0 } else { dport },
        udp,
        icmp,
        out,
    }
}

fn counters(b: &mut Vec<u8>, rng: &mut Rng) {
    let pk_out = rng.range(1, 400);
    let pk_in = if rng.chance(5) { 0 } else { rng.range(1, 500) };
    num(b, pk_out);
    b.push(b',');
    num(b, pk_out * rng.range(60, 1400));
    b.push(b',');
    num(b, pk_in);
    b.push(b',');
    num(b, pk_in * rng.range(60, 1400));
}

fn record_time(job: &FileJob<'_>, w: &Out, hour: i64, rng: &mut Rng) -> i64 {
    let frac = (w.written as f64 / job.target.max(1) as f64).min(0.999);
    (hour * 10_000_000 + (frac * 36e9) as i64 + rng.below(10_000_000) as i64)
        .min((hour + 3600) * 10_000_000 - 1)
}

pub(crate) fn write_nsg(job: FileJob<'_>, w: &mut Out, b: &mut Vec<u8>) -> io::Result<Counts> {
    let (nic, hour) = nic_and_hour(&job);
    let world: &World = job.world;
    let v1 = job.index % 5 == 4;
    let mut counts = Counts::default();
    let mut rng = job.rng.clone();
    w.put(b"{\"records\":[")?;
    let host = 4 + job.index % 8;
    loop {
        b.clear();
        if counts.records > 0 {
            b.push(b',');
        }
        let t = record_time(&job, w, hour, &mut rng);
        s(b, "{\"time\":\"");
        fmt::iso7(b, t);
        s(b, "\",\"systemId\":\"");
        s(b, &nic.system_id);
        if !v1 {
            s(b, "\",\"macAddress\":\"");
            s(b, &nic.mac);
        }
        s(
            b,
            "\",\"category\":\"NetworkSecurityGroupFlowEvent\",\"resourceId\":\"/SUBSCRIPTIONS/",
        );
        s(b, &world.subs[0]);
        s(b, "/RESOURCEGROUPS/");
        s(b, &nic.rg);
        s(b, "/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/");
        s(b, &nic.nsg);
        s(
            b,
            "\",\"operationName\":\"NetworkSecurityGroupFlowEvents\",\"properties\":{\"Version\":",
        );
        s(b, if v1 { "1" } else { "2" });
        s(b, ",\"flows\":[");
        let secs = t / 10_000_000;
        let mut first_rule = true;
        for rule in RULES {
            if !rng.chance(if rule.traffic == Traffic::OutInternet && !rule.deny {
                95
            } else {
                45
            }) {
                continue;
            }
            if !first_rule {
                b.push(b',');
            }
            first_rule = false;
            s(b, "{\"rule\":\"");
            s(b, rule.name);
            s(b, "\",\"flows\":[");
            if rng.chance(95) {
                s(b, "{\"mac\":\"");
                s(b, &nic.mac);
                s(b, "\",\"flowTuples\":[");
                let n = rng.range(5, 45);
                for k in 0..n {
                    if k > 0 {
                        b.push(b',');
                    }
                    b.push(b'"');
                    let f = flow(&mut rng, nic, host, rule, false);
                    num(b, (secs - rng.below(60) as i64) as u64);
                    b.push(b',');
                    b.extend_from_slice(&f.src);
                    b.push(b',');
                    b.extend_from_slice(&f.dst);
                    b.push(b',');
                    num(b, f.sport);
                    b.push(b',');
                    num(b, f.dport);
                    s(b, if f.udp { ",U," } else { ",T," });
                    s(b, if f.out { "O," } else { "I," });
                    s(b, if rule.deny { "D" } else { "A" });
                    if !v1 {
                        let state = if rule.deny {
                            0
                        } else if rule.stateless {
                            rng.weighted(&[50, 50, 0])
                        } else {
                            rng.weighted(&[35, 35, 30])
                        };
                        match state {
                            0 => s(b, ",B,,,,"),
                            1 if rule.stateless => s(b, ",C,,,,"),
                            1 => {
                                s(b, ",C,");
                                counters(b, &mut rng);
                            }
                            _ => {
                                s(b, ",E,");
                                counters(b, &mut rng);
                            }
                        }
                    }
                    b.push(b'"');
                    counts.rows += 1;
                }
                s(b, "]}");
            }
            s(b, "]}");
        }
        s(b, "]}}");
        counts.records += 1;
        w.put(b)?;
        if w.written + 2 >= job.target {
            break;
        }
    }
    w.put(b"]}")?;
    Ok(counts)
}

const ENCRYPTION: &[&str] = &[
    "NX",
    "X",
    "NX_HW_NOT_SUPPORTED",
    "NX_SW_NOT_READY",
    "NX_LOCAL_DST",
    "NX_FALLBACK",
];

pub(crate) fn write_vnet(job: FileJob<'_>, w: &mut Out, b: &mut Vec<u8>) -> io::Result<Counts> {
    let (nic, hour) = nic_and_hour(&job);
    let world: &World = job.world;
    let mut counts = Counts::default();
    let mut rng = job.rng.clone();
    let mac = if job.index % 3 == 2 {
        // Case varies in real records (`0022487bC205`).
        nic.mac.to_ascii_lowercase()
    } else {
        nic.mac.clone()
    };
    let sub_lower = world.subs[0].to_ascii_lowercase();
    let host = 4 + job.index % 8;
    w.put(b"{\"records\":[")?;
    loop {
        b.clear();
        if counts.records > 0 {
            b.push(b',');
        }
        let t = record_time(&job, w, hour, &mut rng);
        s(b, "{\"time\":\"");
        fmt::iso7(b, t);
        s(b, "\",\"flowLogVersion\":4,\"flowLogGUID\":\"");
        s(b, &world.flowlog_guid);
        s(b, "\",\"macAddress\":\"");
        s(b, &mac);
        s(
            b,
            "\",\"category\":\"FlowLogFlowEvent\",\"flowLogResourceID\":\"/SUBSCRIPTIONS/",
        );
        s(b, &world.subs[0]);
        s(
            b,
            "/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNET-PROD-FLOWLOG\",\"targetResourceID\":\"/subscriptions/",
        );
        s(b, &sub_lower);
        s(
            b,
            "/resourceGroups/rg-prod/providers/Microsoft.Network/virtualNetworks/vnet-prod\",\"operationName\":\"FlowLogFlowEvent\",\"flowRecords\":{\"flows\":[",
        );
        let ms = t / 10_000;
        let n_acl = rng.range(1, 2);
        for a in 0..n_acl {
            if a > 0 {
                b.push(b',');
            }
            s(b, "{\"aclID\":\"");
            s(b, rng.pick(&world.acl_ids));
            s(b, "\",\"flowGroups\":[");
            let mut first = true;
            for rule in RULES {
                if !rng.chance(if rule.traffic == Traffic::OutInternet && !rule.deny {
                    90
                } else {
                    35
                }) {
                    continue;
                }
                if !first {
                    b.push(b',');
                }
                first = false;
                s(b, "{\"rule\":\"");
                s(b, rule.name);
                if rule.name.starts_with("UserRule_") && rng.chance(30) {
                    b.push(b'_');
                    fmt::guid(b, &mut rng);
                }
                s(b, "\",\"flowTuples\":[");
                let n = rng.range(5, 40);
                for k in 0..n {
                    if k > 0 {
                        b.push(b',');
                    }
                    vnet_tuple(b, &mut rng, nic, host, rule, ms);
                    counts.rows += 1;
                }
                s(b, "]}");
            }
            if first {
                s(
                    b,
                    "{\"rule\":\"DefaultRule_AllowInternetOutBound\",\"flowTuples\":[",
                );
                vnet_tuple(b, &mut rng, nic, host, &RULES[0], ms);
                counts.rows += 1;
                s(b, "]}");
            }
            s(b, "]}");
        }
        if rng.chance(3) {
            // Traffic dropped because it could not be encrypted.
            s(
                b,
                ",{\"aclID\":\"unspecified\",\"flowGroups\":[{\"rule\":\"unspecified\",\"flowTuples\":[\"",
            );
            num(b, (ms - rng.below(60_000) as i64) as u64);
            s(b, ",10.");
            num(b, nic.ip_net);
            s(b, ".0.");
            num(b, host);
            b.push(b',');
            fmt::ipv4_private(b, nic.ip_net + 1, &mut rng);
            b.push(b',');
            num(b, rng.range(49_152, 65_535));
            s(b, ",1433,6,O,D,NX_NOT_ACCEPTED,0,0,0,0\"]}]}");
            counts.rows += 1;
        }
        s(b, "]}}");
        counts.records += 1;
        w.put(b)?;
        if w.written + 2 >= job.target {
            break;
        }
    }
    w.put(b"]}")?;
    Ok(counts)
}

fn vnet_tuple(b: &mut Vec<u8>, rng: &mut Rng, nic: &Nic, host: u64, rule: &Rule, ms: i64) {
    let f = flow(rng, nic, host, rule, true);
    b.push(b'"');
    num(b, (ms - rng.below(60_000) as i64) as u64);
    b.push(b',');
    b.extend_from_slice(&f.src);
    b.push(b',');
    b.extend_from_slice(&f.dst);
    b.push(b',');
    num(b, f.sport);
    b.push(b',');
    num(b, f.dport);
    s(
        b,
        if f.icmp {
            ",1,"
        } else if f.udp {
            ",17,"
        } else {
            ",6,"
        },
    );
    s(b, if f.out { "O," } else { "I," });
    let state = if rule.deny {
        3
    } else {
        rng.weighted(&[30, 35, 35])
    };
    s(b, ["B,", "C,", "E,", "D,"][state]);
    let enc = ENCRYPTION[rng.weighted(&[80, 8, 8, 2, 1, 1])];
    s(b, enc);
    b.push(b',');
    if state == 0 || state == 3 {
        // Zeros in real samples, empty in one documentation table (§4.3).
        s(
            b,
            if rng.chance_milli(5) {
                ",,,"
            } else {
                "0,0,0,0"
            },
        );
    } else {
        counters(b, rng);
    }
    b.push(b'"');
}
