//! Azure Monitor JSON Lines (formats.md §5): Activity log records and resource logs
//! (Key Vault AuditEvent, StorageRead/Write/Delete, SignInLogs).

use std::io;

use crate::fmt::{self, guid, hex, num, s};
use crate::world::{Principal, World};
use crate::{BASE_EPOCH, Counts, FileJob, Out, Rng};

fn hour_path(hour: i64) -> String {
    let c = fmt::split(hour);
    format!(
        "y={:04}/m={:02}/d={:02}/h={:02}/m=00/PT1H.json",
        c.y, c.mo, c.d, c.h
    )
}

/// Subscriptions exporting an Activity log in the same hour.
const SUBS_PER_HOUR: u64 = 3;

pub(crate) fn activity_blob_name(job: &FileJob<'_>) -> String {
    let sub = &job.world.subs[(job.index % SUBS_PER_HOUR) as usize];
    let hour = BASE_EPOCH + (job.index / SUBS_PER_HOUR) as i64 * 3600;
    format!(
        "insights-activity-logs/resourceId=/SUBSCRIPTIONS/{sub}/{}",
        hour_path(hour)
    )
}

/// The resource-log categories, one per file in turn.
const RESOURCE_KINDS: u64 = 5;

pub(crate) fn resource_blob_name(job: &FileJob<'_>) -> String {
    let w = job.world;
    let hour = BASE_EPOCH + (job.index / RESOURCE_KINDS) as i64 * 3600;
    let sub = &w.subs[0];
    let lsub = sub.to_ascii_lowercase();
    let acct = &w.accounts[(job.index / RESOURCE_KINDS % 2) as usize];
    let hp = hour_path(hour);
    match job.index % RESOURCE_KINDS {
        0 => format!(
            "insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/RG-SEC/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{}/{hp}",
            w.vaults[(job.index / RESOURCE_KINDS % 3) as usize]
        ),
        k @ 1..=3 => format!(
            "insights-logs-{}/resourceId=/subscriptions/{lsub}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/{acct}/blobServices/default/{hp}",
            ["storageread", "storagewrite", "storagedelete"][(k - 1) as usize]
        ),
        _ => format!("insights-logs-signinlogs/tenantId={}/{hp}", w.tenant),
    }
}

fn line_time(job: &FileJob<'_>, w: &Out, hour: i64, rng: &mut Rng) -> i64 {
    let frac = (w.written as f64 / job.target.max(1) as f64).min(0.999);
    (hour * 10_000_000 + (frac * 36e9) as i64 + rng.below(30_000_000) as i64)
        .min((hour + 3600) * 10_000_000 - 1)
}

fn write_lines(
    job: FileJob<'_>,
    w: &mut Out,
    b: &mut Vec<u8>,
    hour: i64,
    mut one: impl FnMut(&mut Vec<u8>, &mut Rng, &World, i64),
) -> io::Result<Counts> {
    let mut counts = Counts::default();
    let mut rng = job.rng.clone();
    while w.written < job.target {
        b.clear();
        let t = line_time(&job, w, hour, &mut rng);
        one(b, &mut rng, job.world, t);
        b.push(b'\n');
        counts.records += 1;
        w.put(b)?;
    }
    counts.rows = counts.records;
    Ok(counts)
}

pub(crate) fn write_activity(job: FileJob<'_>, w: &mut Out, b: &mut Vec<u8>) -> io::Result<Counts> {
    let sub = job.world.subs[(job.index % SUBS_PER_HOUR) as usize].clone();
    let hour = BASE_EPOCH + (job.index / SUBS_PER_HOUR) as i64 * 3600;
    write_lines(job, w, b, hour, |b, rng, world, t| {
        activity(b, rng, world, &sub, t)
    })
}

pub(crate) fn write_resource(job: FileJob<'_>, w: &mut Out, b: &mut Vec<u8>) -> io::Result<Counts> {
    let hour = BASE_EPOCH + (job.index / RESOURCE_KINDS) as i64 * 3600;
    let kind = job.index % RESOURCE_KINDS;
    let vault = job.world.vaults[(job.index / RESOURCE_KINDS % 3) as usize].clone();
    let acct = job.world.accounts[(job.index / RESOURCE_KINDS % 2) as usize].clone();
    write_lines(job, w, b, hour, |b, rng, world, t| match kind {
        0 => key_vault(b, rng, world, &vault, t),
        1..=3 => storage_log(b, rng, world, &acct, kind, t),
        _ => sign_in(b, rng, world, t),
    })
}

/// `"key":"value"` followed by a comma.
fn kv(b: &mut Vec<u8>, key: &str, value: impl AsRef<[u8]>) {
    b.push(b'"');
    s(b, key);
    s(b, "\":\"");
    s(b, value);
    s(b, "\",");
}

fn caller_ip(b: &mut Vec<u8>, rng: &mut Rng) {
    if rng.chance(15) {
        fmt::ipv6(b, rng);
    } else {
        fmt::ipv4_public(b, rng);
    }
}

fn b64(b: &mut Vec<u8>, rng: &mut Rng, n: usize) {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = 0;
    for i in 0..n {
        if i % 10 == 0 {
            x = rng.next_u64();
        }
        b.push(A[(x & 63) as usize]);
        x >>= 6;
    }
}

struct ArmOp {
    rp: &'static str,
    kind: &'static str,
    verb: &'static str,
    role: &'static str,
}

const ARM_OPS: &[ArmOp] = &[
    ArmOp {
        rp: "Microsoft.Compute",
        kind: "virtualMachines",
        verb: "write",
        role: "Contributor",
    },
    ArmOp {
        rp: "Microsoft.Compute",
        kind: "virtualMachines",
        verb: "start/action",
        role: "Virtual Machine Contributor",
    },
    ArmOp {
        rp: "Microsoft.Compute",
        kind: "virtualMachines",
        verb: "deallocate/action",
        role: "Virtual Machine Contributor",
    },
    ArmOp {
        rp: "Microsoft.Storage",
        kind: "storageAccounts",
        verb: "listKeys/action",
        role: "Owner",
    },
    ArmOp {
        rp: "Microsoft.Storage",
        kind: "storageAccounts",
        verb: "write",
        role: "Storage Account Contributor",
    },
    ArmOp {
        rp: "Microsoft.Network",
        kind: "networkSecurityGroups",
        verb: "write",
        role: "Network Contributor",
    },
    ArmOp {
        rp: "Microsoft.KeyVault",
        kind: "vaults",
        verb: "write",
        role: "Key Vault Contributor",
    },
    ArmOp {
        rp: "Microsoft.Authorization",
        kind: "roleAssignments",
        verb: "write",
        role: "User Access Administrator",
    },
    ArmOp {
        rp: "Microsoft.Web",
        kind: "sites",
        verb: "restart/action",
        role: "Website Contributor",
    },
    ArmOp {
        rp: "Microsoft.Resources",
        kind: "deployments",
        verb: "write",
        role: "Contributor",
    },
];

const NAMES: &[&str] = &[
    "vm-web01",
    "vm-sql02",
    "contosodata",
    "nsg-web01",
    "kv-contoso-prod",
    "app-portal",
    "deploy-2024",
    "vm-jump01",
];

/// identity.authorization + identity.claims of an Azure Resource Manager caller (§5.5.2).
#[allow(clippy::too_many_arguments)]
fn identity(
    b: &mut Vec<u8>,
    rng: &mut Rng,
    world: &World,
    scope: &str,
    action: &str,
    role: &str,
    u: &Principal,
    ip: &[u8],
    t: i64,
) {
    let sp = u.upn.is_empty();
    let iat = t / 10_000_000 - rng.range(60, 3000) as i64;
    s(b, "\"identity\":{\"authorization\":{");
    kv(b, "scope", scope);
    kv(b, "action", action);
    s(b, "\"evidence\":{");
    kv(b, "role", role);
    s(b, "\"roleAssignmentScope\":\"/subscriptions/");
    s(b, world.subs[0].to_ascii_lowercase());
    s(b, "\",");
    kv(b, "roleAssignmentId", rng.pick(&world.role_assignments));
    kv(b, "roleDefinitionId", "b24988ac618042a0ab8820f7382dd24c");
    let oid_nodash: String = u.oid.chars().filter(|&c| c != '-').collect();
    kv(b, "principalId", &oid_nodash);
    s(b, "\"principalType\":\"");
    s(b, if sp { "ServicePrincipal" } else { "User" });
    s(b, "\"}},\"claims\":{");
    kv(b, "aud", "https://management.core.windows.net/");
    s(b, "\"iss\":\"https://sts.windows.net/");
    s(b, &world.tenant);
    s(b, "/\",\"iat\":\"");
    num(b, iat as u64);
    s(b, "\",\"nbf\":\"");
    num(b, iat as u64);
    s(b, "\",\"exp\":\"");
    num(b, (iat + 4200) as u64);
    s(b, "\",");
    let app = rng.pick(&world.apps);
    if !sp {
        kv(
            b,
            "http://schemas.microsoft.com/claims/authnclassreference",
            "1",
        );
        s(b, "\"aio\":\"");
        b64(b, rng, 60);
        s(b, "\",");
        kv(
            b,
            "http://schemas.microsoft.com/claims/authnmethodsreferences",
            rng.pick(&["pwd,mfa", "pwd", "rsa,mfa", "wia"]),
        );
    }
    kv(b, "appid", &app.0);
    kv(b, "appidacr", if sp { "2" } else { "0" });
    if !sp {
        kv(
            b,
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
            u.given,
        );
        kv(
            b,
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
            u.family,
        );
        s(b, "\"groups\":\"");
        guid(b, rng);
        b.push(b',');
        guid(b, rng);
        s(b, "\",");
        kv(b, "name", &u.name);
    }
    s(b, "\"idtyp\":\"");
    s(b, if sp { "app" } else { "user" });
    s(b, "\",\"ipaddr\":\"");
    b.extend_from_slice(ip);
    s(b, "\",");
    kv(
        b,
        "http://schemas.microsoft.com/identity/claims/identityprovider",
        "https://sts.windows.net/",
    );
    kv(
        b,
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        &u.oid,
    );
    if !sp {
        s(b, "\"puid\":\"1003");
        hex(b, rng, 12, true);
        s(b, "\",");
    }
    s(b, "\"rh\":\"0.A");
    b64(b, rng, 40);
    s(b, ".\",");
    if !sp {
        kv(
            b,
            "http://schemas.microsoft.com/identity/claims/scope",
            "user_impersonation",
        );
    }
    s(
        b,
        "\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier\":\"",
    );
    b64(b, rng, 43);
    s(b, "\",");
    kv(
        b,
        "http://schemas.microsoft.com/identity/claims/tenantid",
        &world.tenant,
    );
    if !sp {
        kv(
            b,
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            &u.upn,
        );
        kv(
            b,
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
            &u.upn,
        );
    }
    s(b, "\"uti\":\"");
    b64(b, rng, 22);
    s(b, "\",\"ver\":\"1.0\",\"xms_tcdt\":\"1469565974\"}},");
}

fn duration(b: &mut Vec<u8>, rng: &mut Rng) {
    // A number, or a string (§5.3).
    let d = if rng.chance(60) {
        0
    } else {
        rng.range(1, 9000)
    };
    s(b, "\"durationMs\":");
    if rng.chance(30) {
        b.push(b'"');
        num(b, d);
        b.push(b'"');
    } else {
        num(b, d);
    }
    b.push(b',');
}

fn activity(b: &mut Vec<u8>, rng: &mut Rng, world: &World, sub: &str, t: i64) {
    let cat = rng.weighted(&[70, 15, 5, 10]);
    let u = &world.users[rng.below(world.users.len() as u64) as usize];
    let mut ip = Vec::with_capacity(40);
    caller_ip(&mut ip, rng);
    let rg = *rng.pick(crate::world::RGS);
    let lsub = sub.to_ascii_lowercase();
    s(b, "{\"time\":\"");
    fmt::iso7(b, t);
    s(b, "\",");
    match cat {
        0 | 1 => {
            let op = rng.pick(ARM_OPS);
            let name = *rng.pick(NAMES);
            let scope = format!(
                "/subscriptions/{lsub}/resourceGroups/{}/providers/{}/{}/{name}",
                rg.to_ascii_lowercase(),
                op.rp,
                op.kind
            );
            let action_policy = "Microsoft.Authorization/policies/audit/action";
            let action = if cat == 0 {
                format!("{}/{}/{}", op.rp, op.kind, op.verb)
            } else {
                action_policy.to_string()
            };
            kv(b, "resourceId", scope.to_ascii_uppercase());
            kv(b, "operationName", action.to_ascii_uppercase());
            kv(
                b,
                "category",
                if cat == 0 { "Administrative" } else { "Policy" },
            );
            let phase = rng.weighted(&[45, 45, 10]);
            let (rt, sig) = if cat == 1 {
                ("Succeeded", "Succeeded.")
            } else {
                [
                    ("Start", "Started."),
                    ("Success", "Succeeded.OK"),
                    ("Failure", "Failed.Forbidden"),
                ][phase]
            };
            kv(b, "resultType", rt);
            kv(b, "resultSignature", sig);
            duration(b, rng);
            s(b, "\"callerIpAddress\":\"");
            b.extend_from_slice(&ip);
            s(b, "\",\"correlationId\":\"");
            guid(b, rng);
            s(b, "\",");
            identity(b, rng, world, &scope, &action, op.role, u, &ip, t);
            s(b, "\"level\":\"");
            s(b, if phase == 2 { "Error" } else { "Information" });
            s(b, "\",\"location\":\"global\",\"properties\":{");
            if cat == 0 {
                s(b, "\"statusCode\":\"");
                s(b, ["Created", "OK", "Forbidden"][phase]);
                s(b, "\",\"serviceRequestId\":\"");
                guid(b, rng);
                s(b, "\",\"eventCategory\":\"Administrative\",");
                kv(b, "entity", &scope);
                kv(b, "message", &action);
                s(b, "\"hierarchy\":\"");
                s(b, &world.tenant);
                s(b, "/mg-contoso/");
                s(b, &lsub);
                s(b, "\"");
                if op.verb == "write" && phase == 0 {
                    s(
                        b,
                        ",\"requestbody\":\"{\\\"location\\\":\\\"westeurope\\\",\\\"tags\\\":{\\\"owner\\\":\\\"",
                    );
                    s(b, &u.upn);
                    s(b, "\\\",\\\"costCenter\\\":\\\"CC-");
                    num(b, rng.range(1000, 9999));
                    s(
                        b,
                        "\\\"},\\\"properties\\\":{\\\"hardwareProfile\\\":{\\\"vmSize\\\":\\\"Standard_D4s_v5\\\"},\\\"networkProfile\\\":{\\\"networkInterfaces\\\":[{\\\"id\\\":\\\"/subscriptions/",
                    );
                    s(b, &lsub);
                    s(
                        b,
                        "/resourceGroups/rg-web/providers/Microsoft.Network/networkInterfaces/nic-",
                    );
                    num(b, rng.below(100));
                    s(
                        b,
                        "\\\",\\\"properties\\\":{\\\"primary\\\":true}}]},\\\"securityProfile\\\":{\\\"encryptionAtHost\\\":true}}}\"",
                    );
                }
                if phase == 1 && rng.chance(40) {
                    s(b, ",\"responseBody\":\"{\\\"id\\\":\\\"");
                    s(b, &scope);
                    s(
                        b,
                        "\\\",\\\"name\\\":\\\"x\\\",\\\"properties\\\":{\\\"provisioningState\\\":\\\"Succeeded\\\"}}\"",
                    );
                }
            } else {
                s(
                    b,
                    "\"isComplianceCheck\":\"False\",\"resourceLocation\":\"westeurope\",\"ancestors\":\"mg-contoso,",
                );
                s(b, &world.tenant);
                s(
                    b,
                    "\",\"policies\":\"[{\\\"policyDefinitionId\\\":\\\"/providers/Microsoft.Authorization/policyDefinitions/",
                );
                guid(b, rng);
                s(
                    b,
                    "\\\",\\\"policySetDefinitionId\\\":\\\"/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8\\\",\\\"policyDefinitionReferenceId\\\":\\\"diagnosticsLogsInKeyVaultMonitoring\\\",\\\"policySetDefinitionName\\\":\\\"1f3afdf9-d0c9-4c3d-847f-89da613e70a8\\\",\\\"policyDefinitionName\\\":\\\"cf820ca0-f99e-4f3e-84fb-66e913812d21\\\",\\\"policyDefinitionEffect\\\":\\\"AuditIfNotExists\\\",\\\"policyAssignmentId\\\":\\\"/subscriptions/",
                );
                s(b, &lsub);
                s(
                    b,
                    "/providers/Microsoft.Authorization/policyAssignments/SecurityCenterBuiltIn\\\",\\\"policyAssignmentName\\\":\\\"SecurityCenterBuiltIn\\\",\\\"policyAssignmentScope\\\":\\\"/subscriptions/",
                );
                s(b, &lsub);
                s(
                    b,
                    "\\\",\\\"policyExemptionIds\\\":[]}]\",\"hierarchy\":\"\",\"eventCategory\":\"Policy\",",
                );
                kv(b, "entity", &scope);
                s(
                    b,
                    "\"message\":\"Microsoft.Authorization/policies/audit/action\"",
                );
            }
            s(b, "}}");
        }
        2 => {
            s(b, "\"resourceId\":\"/SUBSCRIPTIONS/");
            s(b, sub);
            s(b, "/RESOURCEGROUPS/");
            s(b, rg);
            s(
                b,
                "/PROVIDERS/MICROSOFT.SECURITY/LOCATIONS/WESTEUROPE/ALERTS/",
            );
            hex(b, rng, 16, true);
            s(
                b,
                "\",\"operationName\":\"MICROSOFT.SECURITY/LOCATIONS/ALERTS/ACTIVATE/ACTION\",\"category\":\"Security\",\"resultType\":\"Active\",\"resultSignature\":\"Active\",\"durationMs\":0,\"callerIpAddress\":\"",
            );
            b.extend_from_slice(&ip);
            s(b, "\",\"correlationId\":\"");
            guid(b, rng);
            s(
                b,
                "\",\"level\":\"Warning\",\"location\":\"global\",\"properties\":{\"eventCategory\":\"Security\",\"eventName\":\"Suspicious authentication activity\",\"severity\":\"Medium\",\"attackedResourceType\":\"Virtual Machine\",\"compromisedEntity\":\"",
            );
            s(b, rng.pick(NAMES));
            s(
                b,
                "\",\"alertDisplayName\":\"Suspicious authentication activity\",\"remediationSteps\":\"[\\\"Block the source IP address\\\",\\\"Enforce MFA for all users\\\"]\",\"sourceAddress\":\"",
            );
            b.extend_from_slice(&ip);
            s(b, "\",\"failedAttempts\":\"");
            num(b, rng.range(20, 4000));
            s(
                b,
                "\",\"accountsUsed\":\"admin, administrator, azureuser, root\",\"intent\":\"PreAttack\",\"alertId\":\"",
            );
            hex(b, rng, 16, true);
            s(b, "\",\"resourceType\":\"Virtual Machine\"}}");
        }
        _ => {
            let tracking = {
                let mut v = Vec::new();
                hex(&mut v, rng, 3, true);
                v.push(b'-');
                hex(&mut v, rng, 3, true);
                String::from_utf8(v).unwrap_or_default()
            };
            s(b, "\"resourceId\":\"/SUBSCRIPTIONS/");
            s(b, sub);
            s(
                b,
                "\",\"operationName\":\"MICROSOFT.SERVICEHEALTH/INCIDENT/ACTION\",\"category\":\"ServiceHealth\",\"resultType\":\"Active\",\"resultSignature\":\"\",\"durationMs\":0,\"callerIpAddress\":\"\",\"correlationId\":\"",
            );
            guid(b, rng);
            s(
                b,
                "\",\"level\":\"Warning\",\"location\":\"global\",\"properties\":{\"title\":\"Degraded performance - Azure Storage - West Europe\",\"service\":\"Storage\",\"region\":\"West Europe\",\"communication\":\"<p><strong>Summary of impact:</strong> Between ",
            );
            fmt::iso_secs(b, t / 10_000_000 - 5400);
            s(
                b,
                " and now, a subset of customers using Storage in West Europe may experience intermittent failures or elevated latency when accessing resources.</p><p><strong>Current status:</strong> Engineers have identified a networking issue affecting a single scale unit and are applying mitigation. The next update will be provided in 60 minutes, or as events warrant.</p>\",\"incidentType\":\"Incident\",\"trackingId\":\"",
            );
            s(b, &tracking);
            s(b, "\",\"impactStartTime\":\"");
            fmt::iso_secs(b, t / 10_000_000 - 5400);
            s(
                b,
                "\",\"impactedServices\":\"[{\\\"ImpactedRegions\\\":[{\\\"RegionName\\\":\\\"West Europe\\\"}],\\\"ServiceName\\\":\\\"Storage\\\"}]\",\"defaultLanguageTitle\":\"Degraded performance - Azure Storage - West Europe\",\"stage\":\"Active\",\"communicationId\":\"",
            );
            hex(b, rng, 14, false);
            s(b, "\",\"version\":\"0.1.1\"}}");
        }
    }
}

const KV_OPS: &[(&str, &str, u32)] = &[
    ("SecretGet", "secrets", 40),
    ("SecretList", "secrets", 8),
    ("KeyGet", "keys", 10),
    ("KeySign", "keys", 8),
    ("KeyUnwrap", "keys", 10),
    ("VaultGet", "", 6),
    ("Authentication", "", 4),
    ("SecretSet", "secrets", 3),
    ("CertificateGet", "certificates", 5),
    ("KeyCreate", "keys", 1),
];

fn key_vault(b: &mut Vec<u8>, rng: &mut Rng, world: &World, vault: &str, t: i64) {
    let (op, obj, _) = KV_OPS[rng.weighted(&KV_OPS.iter().map(|o| o.2).collect::<Vec<_>>())];
    let u = &world.users[rng.below(world.users.len() as u64) as usize];
    let denied = rng.chance(6);
    let lvault = vault.to_ascii_lowercase();
    s(b, "{\"time\":\"");
    fmt::iso7(b, t);
    s(b, "\",\"category\":\"AuditEvent\",\"operationName\":\"");
    s(b, op);
    s(b, "\",\"resultType\":\"Success\",\"correlationId\":\"");
    if rng.chance(50) {
        guid(b, rng);
    }
    s(b, "\",\"callerIpAddress\":\"");
    caller_ip(b, rng);
    s(b, "\",");
    if op != "Authentication" {
        s(b, "\"identity\":{\"claim\":{");
        kv(b, "oid", &u.oid);
        kv(b, "appid", &rng.pick(&world.apps).0);
        if u.upn.is_empty() {
            kv(b, "idtyp", "app");
            s(b, "\"xms_mirid\":\"/subscriptions/");
            s(b, world.subs[0].to_ascii_lowercase());
            s(
                b,
                "/resourcegroups/rg-app/providers/Microsoft.Web/sites/app-portal\",",
            );
        } else {
            kv(b, "upn", &u.upn);
            kv(b, "unique_name", &u.upn);
        }
        kv(b, "appidacr", "2");
        s(b, "\"xms_az_nwperimid\":[],");
        s(b, "\"ipaddr\":\"");
        fmt::ipv4_public(b, rng);
        s(b, "\"}},");
    }
    s(b, "\"properties\":{");
    if !obj.is_empty() {
        s(b, "\"id\":\"https://");
        s(b, &lvault);
        s(b, ".vault.azure.net/");
        s(b, obj);
        s(b, "/");
        s(
            b,
            rng.pick(&[
                "db-password",
                "storage-key",
                "tls-cert",
                "signing-key",
                "api-token",
            ]),
        );
        b.push(b'/');
        hex(b, rng, 32, false);
        s(b, "\",");
    }
    s(b, "\"clientInfo\":\"");
    s(b, rng.pick(&["azsdk-python-keyvault-secrets/4.8.0 Python/3.11.4 (Linux-6.2.0-x86_64-with-glibc2.35)", "FxVersion/8.0.624.26715 OSName/Windows OSVersion/Microsoft.Windows.10.0.20348 Microsoft.Azure.KeyVault.Keys/4.6.0", "Go-http-client/1.1"]));
    s(b, "\",\"httpStatusCode\":");
    s(b, if denied { "403" } else { "200" });
    s(b, ",\"requestUri\":\"https://");
    s(b, &lvault);
    s(b, ".vault.azure.net/");
    s(b, obj);
    s(b, "?api-version=7.4\",\"isAccessPolicyMatch\":");
    s(b, if denied { "false" } else { "true" });
    s(b, ",\"isRbacAuthorized\":false,\"tlsVersion\":\"");
    s(b, rng.pick(&["TLS1_2", "TLS1_3"]));
    s(b, "\"");
    if obj == "keys" {
        s(
            b,
            ",\"keyProperties\":{\"type\":\"RSA-HSM\",\"operations\":[\"sign\",\"verify\",\"wrapKey\",\"unwrapKey\"],\"attributes\":{\"enabled\":true,\"exp\":",
        );
        num(b, 1_750_000_000 + rng.below(50_000_000));
        s(b, ",\"hsmPlatform\":\"2\"}}");
    }
    s(b, "},\"resourceId\":\"/SUBSCRIPTIONS/");
    s(b, &world.subs[0]);
    s(
        b,
        "/RESOURCEGROUPS/RG-SEC/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/",
    );
    s(b, vault);
    s(b, "\",\"operationVersion\":\"7.4\",\"resultSignature\":\"");
    s(b, if denied { "Forbidden" } else { "OK" });
    s(b, "\",\"durationMs\":\"");
    num(b, rng.range(1, 120));
    s(b, "\"}");
}

fn storage_log(b: &mut Vec<u8>, rng: &mut Rng, world: &World, acct: &str, kind: u64, t: i64) {
    let (cat, op) = match kind {
        1 => (
            "StorageRead",
            *rng.pick(&[
                "GetBlob",
                "GetBlob",
                "GetBlobProperties",
                "ListBlobs",
                "GetContainerProperties",
            ]),
        ),
        2 => (
            "StorageWrite",
            *rng.pick(&[
                "PutBlob",
                "PutBlock",
                "PutBlockList",
                "SetBlobMetadata",
                "CopyBlob",
            ]),
        ),
        _ => (
            "StorageDelete",
            *rng.pick(&["DeleteBlob", "DeleteBlob", "DeleteContainer"]),
        ),
    };
    let ty = rng.weighted(&[40, 30, 25, 5]);
    let status = rng.weighted(&[90, 5, 3, 2]);
    let u = &world.users[rng.below(world.users.len() as u64) as usize];
    let lsub = world.subs[0].to_ascii_lowercase();
    let container = *rng.pick(&["reports", "evidence", "upload", "backups"]);
    let mut blob = Vec::new();
    s(&mut blob, rng.pick(&["2024/07/", "daily/", "raw/"]));
    s(&mut blob, rng.pick(&["part-", "export-", "disk-"]));
    num(&mut blob, rng.below(100_000));
    s(&mut blob, ".csv");
    s(b, "{\"time\":\"");
    fmt::iso7(b, t);
    s(b, "\",\"resourceId\":\"/subscriptions/");
    s(b, &lsub);
    s(
        b,
        "/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/",
    );
    s(b, acct);
    s(b, "/blobServices/default\",");
    kv(b, "category", cat);
    kv(b, "operationName", op);
    kv(
        b,
        "operationVersion",
        rng.pick(&["2023-11-03", "2022-11-02", "2021-08-06"]),
    );
    kv(b, "schemaVersion", "1.0");
    s(b, "\"statusCode\":");
    s(b, ["200", "404", "403", "\"Unknown\""][status]);
    s(b, ",\"statusText\":\"");
    s(
        b,
        [
            "Success",
            "BlobNotFound",
            "AuthorizationPermissionMismatch",
            "NetworkError",
        ][status],
    );
    s(b, "\",\"durationMs\":");
    num(b, rng.range(2, if status == 3 { 60_000 } else { 300 }));
    s(b, ",\"callerIpAddress\":\"");
    if rng.chance(12) {
        b.push(b'[');
        fmt::ipv6(b, rng);
        b.push(b']');
    } else {
        fmt::ipv4_public(b, rng);
    }
    b.push(b':');
    num(b, rng.range(1024, 65535));
    s(b, "\",\"correlationId\":\"");
    guid(b, rng);
    s(b, "\",\"identity\":{\"type\":\"");
    s(b, ["AccountKey", "SAS", "OAuth", "Anonymous"][ty]);
    s(b, "\"");
    match ty {
        0 => {
            s(b, ",\"tokenHash\":\"key1(");
            hex(b, rng, 64, true);
            s(b, ")\"");
        }
        1 => {
            s(b, ",\"tokenHash\":\"key1(");
            hex(b, rng, 64, true);
            s(b, "),SasSignature(");
            hex(b, rng, 64, true);
            s(b, ")\"");
        }
        2 => {
            s(b, ",\"tokenHash\":\"");
            hex(b, rng, 64, true);
            s(
                b,
                "\",\"authorization\":[{\"action\":\"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\",\"roleAssignmentId\":\"",
            );
            guid(b, rng);
            s(
                b,
                "\",\"roleDefinitionId\":\"2a2b9908-6ea1-4ae2-8e65-a410df84e7d1\",\"principals\":[{\"id\":\"",
            );
            s(b, &u.oid);
            s(b, "\",\"type\":\"");
            s(
                b,
                if u.upn.is_empty() {
                    "ServicePrincipal"
                } else {
                    "User"
                },
            );
            s(
                b,
                "\"}],\"denyAssignmentId\":\"\",\"type\":\"RBAC\",\"result\":\"Granted\",\"reason\":\"Policy\"}],\"requester\":{",
            );
            kv(b, "appId", &rng.pick(&world.apps).0);
            kv(b, "audience", "https://storage.azure.com/");
            kv(b, "objectId", &u.oid);
            kv(b, "tenantId", &world.tenant);
            s(b, "\"tokenIssuer\":\"https://sts.windows.net/");
            s(b, &world.tenant);
            s(b, "/\"");
            if !u.upn.is_empty() {
                s(b, ",\"upn\":\"");
                s(b, &u.upn);
                s(b, "\"");
            }
            s(b, "}");
        }
        _ => {}
    }
    s(b, "},\"location\":\"westeurope\",\"properties\":{");
    kv(b, "accountName", acct);
    kv(
        b,
        "userAgentHeader",
        rng.pick(&[
            "azsdk-net-Storage.Blobs/12.19.1 (.NET 8.0.6; Microsoft Windows 10.0.22631)",
            "AzCopy/10.22.2 Azure-Storage/0.15 (go1.21.3; Windows_NT)",
            "azsdk-python-storage-blob/12.19.0 Python/3.11.4 (Linux-6.2.0-x86_64-with-glibc2.35)",
        ]),
    );
    s(b, "\"referrerHeader\":\"\",\"clientRequestId\":\"");
    guid(b, rng);
    s(b, "\",");
    if status == 0 && kind != 3 {
        s(b, "\"etag\":\"\\\"0x8DC");
        hex(b, rng, 12, true);
        s(b, "\\\"\",\"lastModifiedTime\":\"");
        fmt::us_time(b, t / 10_000_000 - rng.range(60, 5_000_000) as i64);
        s(b, "\",");
    }
    s(b, "\"serverLatencyMs\":");
    num(b, rng.range(1, 200));
    s(
        b,
        ",\"serviceType\":\"blob\",\"operationCount\":0,\"requestHeaderSize\":",
    );
    num(b, rng.range(300, 2000));
    s(b, ",\"requestBodySize\":");
    num(b, if kind == 2 { rng.below(4 << 20) } else { 0 });
    s(b, ",\"responseHeaderSize\":");
    num(b, rng.range(200, 700));
    s(b, ",\"responseBodySize\":");
    num(b, if kind == 1 { rng.below(8 << 20) } else { 0 });
    s(b, ",\"tlsVersion\":\"TLS 1.2\",\"metricResponseType\":\"");
    s(
        b,
        [
            "Success",
            "ClientOtherError",
            "AuthorizationError",
            "NetworkError",
        ][status],
    );
    s(b, "\",\"objectKey\":\"/");
    s(b, acct);
    b.push(b'/');
    s(b, container);
    b.push(b'/');
    b.extend_from_slice(&blob);
    s(b, "\"},\"uri\":\"https://");
    s(b, acct);
    s(b, ".blob.core.windows.net/");
    s(b, container);
    b.push(b'/');
    b.extend_from_slice(&blob);
    if ty == 1 {
        s(
            b,
            "?sv=2022-11-02&sr=b&sp=r&se=2024-07-15T00:00:00Z&sig=XXXXX",
        );
    }
    s(
        b,
        "\",\"protocol\":\"HTTPS\",\"resourceType\":\"Microsoft.Storage/storageAccounts/blobServices\"}",
    );
}

const CITIES: &[(&str, &str, &str, &str, &str)] = &[
    ("Amsterdam", "Noord-Holland", "NL", "52.37", "4.89"),
    ("Berlin", "Berlin", "DE", "52.52", "13.405"),
    ("Seattle", "Washington", "US", "47.6062", "-122.3321"),
    ("Lagos", "Lagos", "NG", "6.5244", "3.3792"),
    ("Singapore", "Singapore", "SG", "1.3521", "103.8198"),
    ("São Paulo", "São Paulo", "BR", "-23.5505", "-46.6333"),
];

fn sign_in(b: &mut Vec<u8>, rng: &mut Rng, world: &World, t: i64) {
    let mut u = &world.users[rng.below(world.users.len() as u64) as usize];
    if u.upn.is_empty() {
        u = &world.users[0];
    }
    let fail = rng.weighted(&[80, 12, 5, 3]);
    let (rt, errcode, reason) = [
        ("0", "0", "Other."),
        (
            "50126",
            "50126",
            "Error validating credentials due to invalid username or password.",
        ),
        ("50074", "50074", "Strong Authentication is required."),
        (
            "53003",
            "53003",
            "Access has been blocked by Conditional Access policies.",
        ),
    ][fail];
    let app = rng.pick(&world.apps);
    let city = rng.pick(CITIES);
    let mut ip = Vec::new();
    caller_ip(&mut ip, rng);
    let mut cid = Vec::new();
    guid(&mut cid, rng);
    s(b, "{\"time\":\"");
    fmt::iso7(b, t);
    s(b, "\",\"resourceId\":\"/tenants/");
    s(b, &world.tenant);
    s(
        b,
        "/providers/Microsoft.aadiam\",\"operationName\":\"Sign-in activity\",\"operationVersion\":\"1.0\",\"category\":\"SignInLogs\",",
    );
    kv(b, "tenantId", &world.tenant);
    kv(b, "resultType", rt);
    kv(b, "resultSignature", "None");
    if fail > 0 {
        kv(b, "resultDescription", reason);
    }
    s(b, "\"durationMs\":0,\"callerIpAddress\":\"");
    b.extend_from_slice(&ip);
    s(b, "\",\"correlationId\":\"");
    b.extend_from_slice(&cid);
    s(b, "\",");
    kv(b, "identity", &u.name);
    s(b, "\"Level\":4,\"location\":\"");
    s(b, city.2);
    s(b, "\",\"properties\":{\"id\":\"");
    guid(b, rng);
    s(b, "\",\"createdDateTime\":\"");
    fmt::iso7_offset(b, t - rng.below(900_000_000) as i64);
    s(b, "\",");
    kv(b, "userDisplayName", &u.name);
    kv(b, "userPrincipalName", &u.upn);
    kv(b, "userId", &u.oid);
    kv(b, "appId", &app.0);
    kv(b, "appDisplayName", app.1);
    s(b, "\"ipAddress\":\"");
    b.extend_from_slice(&ip);
    s(b, "\",\"status\":{\"errorCode\":");
    s(b, errcode);
    if fail > 0 {
        s(b, ",\"failureReason\":\"");
        s(b, reason);
        s(b, "\"");
    }
    s(b, "},\"clientAppUsed\":\"");
    s(
        b,
        rng.pick(&[
            "Browser",
            "Mobile Apps and Desktop clients",
            "Other clients",
        ]),
    );
    s(b, "\",\"userAgent\":\"");
    s(b, rng.pick(&["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"]));
    s(b, "\",\"deviceDetail\":{\"deviceId\":\"");
    if rng.chance(40) {
        guid(b, rng);
    }
    s(b, "\",\"displayName\":\"\",\"operatingSystem\":\"");
    s(b, rng.pick(&["Windows10", "Linux", "MacOs", "Ios"]));
    s(b, "\",\"browser\":\"");
    s(
        b,
        rng.pick(&[
            "Edge 126.0.0",
            "Firefox 127.0",
            "Chrome 126.0.0",
            "Mobile Safari",
        ]),
    );
    s(b, "\",\"isCompliant\":");
    s(b, if rng.chance(30) { "true" } else { "false" });
    s(b, ",\"isManaged\":false,\"trustType\":\"\"},\"location\":{");
    kv(b, "city", city.0);
    kv(b, "state", city.1);
    kv(b, "countryOrRegion", city.2);
    s(b, "\"geoCoordinates\":{\"latitude\":");
    s(b, city.3);
    s(b, ",\"longitude\":");
    s(b, city.4);
    s(b, "}},\"correlationId\":\"");
    b.extend_from_slice(&cid);
    s(b, "\",\"conditionalAccessStatus\":\"");
    s(b, if fail == 3 { "failure" } else { "notApplied" });
    s(
        b,
        "\",\"appliedConditionalAccessPolicies\":[{\"id\":\"6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2918\",\"displayName\":\"Require MFA for admins\",\"enforcedGrantControls\":[\"Mfa\"],\"enforcedSessionControls\":[],\"result\":\"",
    );
    s(b, if fail == 3 { "failure" } else { "notApplied" });
    s(
        b,
        "\"},{\"id\":\"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\",\"displayName\":\"Block legacy authentication\",\"enforcedGrantControls\":[\"Block\"],\"enforcedSessionControls\":[],\"result\":\"reportOnlyNotApplied\"}],\"isInteractive\":true,\"authenticationDetails\":[{\"authenticationStepDateTime\":\"",
    );
    fmt::iso_secs(b, t / 10_000_000);
    s(
        b,
        "\",\"authenticationMethod\":\"Password\",\"authenticationMethodDetail\":\"Password in the cloud\",\"succeeded\":",
    );
    s(b, if fail == 1 { "false" } else { "true" });
    s(b, ",\"authenticationStepResultDetail\":\"");
    s(
        b,
        if fail == 1 {
            "Invalid username or password or Invalid on-premise username or password."
        } else {
            "Correct password"
        },
    );
    s(
        b,
        "\",\"authenticationStepRequirement\":\"Primary authentication\"}],\"authenticationProcessingDetails\":[{\"key\":\"Legacy TLS (TLS 1.0, 1.1, 3DES)\",\"value\":\"False\"},{\"key\":\"Oauth Scope Info\",\"value\":\"[\\\"openid\\\",\\\"profile\\\",\\\"User.Read\\\"]\"}],\"authenticationRequirement\":\"",
    );
    s(
        b,
        if fail == 2 {
            "multiFactorAuthentication"
        } else {
            "singleFactorAuthentication"
        },
    );
    s(b, "\",\"authenticationRequirementPolicies\":[");
    if fail == 2 {
        s(
            b,
            "{\"requirementProvider\":\"multiConditionalAccess\",\"detail\":\"Conditional Access\"}",
        );
    }
    s(
        b,
        "],\"riskDetail\":\"none\",\"riskLevelAggregated\":\"none\",\"riskLevelDuringSignIn\":\"",
    );
    s(b, rng.pick(&["none", "none", "none", "low", "medium"]));
    s(
        b,
        "\",\"riskState\":\"none\",\"riskEventTypes\":[],\"riskEventTypes_v2\":[],\"resourceDisplayName\":\"Windows Azure Service Management API\",\"resourceId\":\"797f4846-ba00-4fd7-ba43-dac1f8f63013\",",
    );
    kv(b, "resourceTenantId", &world.tenant);
    kv(b, "homeTenantId", &world.tenant);
    s(b, "\"tokenIssuerType\":\"AzureAD\",\"userType\":\"");
    s(b, if rng.chance(10) { "Guest" } else { "Member" });
    s(
        b,
        "\",\"crossTenantAccessType\":\"none\",\"autonomousSystemNumber\":",
    );
    num(b, rng.range(1000, 64000));
    s(b, ",\"processingTimeInMilliseconds\":");
    num(b, rng.range(20, 900));
    s(
        b,
        ",\"flaggedForReview\":false,\"incomingTokenType\":\"none\",\"uniqueTokenIdentifier\":\"",
    );
    b64(b, rng, 22);
    s(b, "\"}}");
}
