//! The fixed cast of a generated dump: tenant, subscriptions, users, apps, resources, NICs.
//! Derived from the seed only, shared by every file of every family.

use crate::Rng;
use crate::fmt::guid_string;

/// A user or service principal.
pub(crate) struct Principal {
    pub(crate) oid: String,
    pub(crate) name: String,
    /// Empty for service principals.
    pub(crate) upn: String,
    pub(crate) given: &'static str,
    pub(crate) family: &'static str,
}

/// A network interface with its flow-log context.
pub(crate) struct Nic {
    pub(crate) mac: String,
    pub(crate) ip_net: u64,
    pub(crate) nsg: String,
    pub(crate) rg: String,
    pub(crate) system_id: String,
}

pub(crate) struct World {
    pub(crate) tenant: String,
    pub(crate) subs: Vec<String>,
    pub(crate) users: Vec<Principal>,
    pub(crate) apps: Vec<(String, &'static str)>,
    pub(crate) nics: Vec<Nic>,
    pub(crate) accounts: Vec<String>,
    pub(crate) vaults: Vec<String>,
    pub(crate) role_assignments: Vec<String>,
    pub(crate) flowlog_guid: String,
    pub(crate) acl_ids: Vec<String>,
}

const GIVEN: &[&str] = &[
    "Alex", "Sam", "Robin", "Kim", "Jordan", "Taylor", "Morgan", "Casey", "Jamie", "Avery",
    "Riley", "Noor", "Lena", "Mateo", "Yuki", "Priya", "Omar", "Ines", "Lars", "Chloé",
];
const FAMILY: &[&str] = &[
    "Analyst", "Berg", "Okafor", "Novak", "Silva", "Tanaka", "Müller", "Haddad", "Kowalski",
    "Dubois", "Rossi", "Nguyen", "Jensen", "O'Brien", "García", "Patel", "Larsen", "Smit",
];
const APPS: &[&str] = &[
    "Azure Portal",
    "Microsoft Azure CLI",
    "Microsoft Azure PowerShell",
    "Terraform Cloud",
    "Contoso Backup Agent",
    "GitHub Actions Deploy",
    "Contoso Portal",
    "Azure Resource Graph",
];
pub(crate) const RGS: &[&str] = &[
    "RG-WEB",
    "RG-DATA",
    "RG-SEC",
    "RG-PROD",
    "RG-EDGE",
    "RG-APP",
    "RG-SHARED",
    "RG-DEV",
];

impl World {
    pub(crate) fn new(seed: u64) -> World {
        let mut r = Rng::new(seed ^ 0xA21C_0DE5_EED0_0001);
        let tenant = guid_string(&mut r);
        let subs = (0..3)
            .map(|_| guid_string(&mut r).to_ascii_uppercase())
            .collect();
        let users = (0..400)
            .map(|i| {
                let given = *r.pick(GIVEN);
                let family = *r.pick(FAMILY);
                let sp = i % 5 == 4;
                let ascii = |s: &str| {
                    s.chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase()
                };
                Principal {
                    oid: guid_string(&mut r),
                    name: if sp {
                        format!("sp-automation-{i:03}")
                    } else {
                        format!("{given} {family}")
                    },
                    upn: if sp {
                        String::new()
                    } else {
                        format!("{}.{}{}@contoso.example", ascii(given), ascii(family), i)
                    },
                    given,
                    family,
                }
            })
            .collect();
        let apps = APPS.iter().map(|&n| (guid_string(&mut r), n)).collect();
        let nics = (0..24u64)
            .map(|i| {
                let mut mac = String::from("000D3A");
                for _ in 0..6 {
                    mac.push(char::from(b"0123456789ABCDEF"[r.below(16) as usize]));
                }
                Nic {
                    mac,
                    ip_net: i / 4 + 1,
                    nsg: format!(
                        "NSG-{}{:02}",
                        ["WEB", "APP", "DB", "MGMT"][(i % 4) as usize],
                        i / 4 + 1
                    ),
                    rg: RGS[(i % 4) as usize].to_string(),
                    system_id: guid_string(&mut r),
                }
            })
            .collect();
        let accounts = ["contosodata", "contosologs", "fabrikambackup", "contosoweb"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let vaults = ["KV-CONTOSO-PROD", "KV-CONTOSO-DEV", "KV-PAYMENTS"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let role_assignments = (0..30)
            .map(|_| {
                let mut b = Vec::new();
                crate::fmt::hex(&mut b, &mut r, 32, false);
                String::from_utf8(b).unwrap_or_default()
            })
            .collect();
        let flowlog_guid = guid_string(&mut r);
        let acl_ids = (0..6).map(|_| guid_string(&mut r)).collect();
        World {
            tenant,
            subs,
            users,
            apps,
            nics,
            accounts,
            vaults,
            role_assignments,
            flowlog_guid,
            acl_ids,
        }
    }
}
