//! A CycloneDX 1.5 JSON document of what is installed: the system's packages
//! (with package URLs in the `deb` or `alpm` scheme, their architecture and the
//! licenses the package database records) and the runtime versions omg manages,
//! optionally with the audit's findings as its vulnerabilities section.
//!
//! Building the document is pure: the caller passes the serial number and the
//! time, so a test can pin both. Nothing here reads the system.

use crate::{AuditReport, Finding};
use omg_core::{BackendKind, InstalledPackage, RuntimeProbe};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What goes into one document.
pub struct SbomInput<'a> {
    pub kind: BackendKind,
    /// The purl namespace of the system's packages: `arch`, `debian`, `ubuntu`.
    pub distribution: &'a str,
    pub packages: &'a [InstalledPackage],
    pub runtimes: &'a [RuntimeProbe],
    /// The findings to list as vulnerabilities (minor ones are left out).
    pub report: Option<&'a AuditReport>,
    /// `urn:uuid:…`.
    pub serial_number: &'a str,
    /// RFC 3339.
    pub timestamp: &'a str,
}

/// The document.
#[must_use]
pub fn document(input: &SbomInput<'_>) -> Value {
    let mut components = Vec::new();
    // Findings name binary packages; the document refers to components by bom-ref.
    let mut references: BTreeMap<&str, String> = BTreeMap::new();
    for package in input.packages {
        let purl = package_url(input.kind, input.distribution, package);
        references.insert(package.name.as_str(), purl.clone());
        let mut component = Map::new();
        component.insert("type".into(), "library".into());
        component.insert("bom-ref".into(), purl.clone().into());
        component.insert("name".into(), package.name.clone().into());
        component.insert("version".into(), package.version.clone().into());
        component.insert("purl".into(), purl.into());
        if !package.licenses.is_empty() {
            // Database entries are free text ("GPL2", "custom:foo") as often as
            // SPDX ids, so they go in as names: never a claim the data cannot back.
            let licenses: Vec<Value> = package
                .licenses
                .iter()
                .map(|license| json!({"license": {"name": license}}))
                .collect();
            component.insert("licenses".into(), licenses.into());
        }
        components.push(Value::Object(component));
    }
    for probe in input.runtimes {
        for version in &probe.installed {
            let purl = format!(
                "pkg:generic/{}@{}",
                encode(&probe.runtime, ""),
                encode(version, "")
            );
            components.push(json!({
                "type": "application",
                "bom-ref": purl,
                "name": probe.runtime,
                "version": version,
                "purl": purl,
            }));
        }
    }
    let mut document = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": input.serial_number,
        "version": 1,
        "metadata": {
            "timestamp": input.timestamp,
            "tools": {"components": [{
                "type": "application",
                "name": "omg",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
        },
        "components": components,
    });
    if let Some(report) = input.report {
        document["vulnerabilities"] = vulnerabilities(report, &references).into();
    }
    document
}

/// One entry per advisory id, naming every installed component it affects.
fn vulnerabilities(report: &AuditReport, references: &BTreeMap<&str, String>) -> Vec<Value> {
    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in report.findings.iter().filter(|finding| !finding.minor) {
        if let Some(id) = finding.ids.first() {
            by_id.entry(id.as_str()).or_default().push(finding);
        }
    }
    let source = json!({"name": report.feed, "url": report.feed_url});
    by_id
        .into_iter()
        .map(|(id, findings)| {
            let first = findings[0];
            let affects: Vec<Value> = findings
                .iter()
                .filter_map(|finding| {
                    Some(json!({
                        "ref": references.get(finding.package.as_str())?,
                        "versions": [{"version": finding.installed_version, "status": "affected"}],
                    }))
                })
                .collect();
            let mut entry = json!({
                "bom-ref": format!("vulnerability:{id}"),
                "id": id,
                "source": source,
                "ratings": [{"source": {"name": report.feed}, "severity": first.severity.as_str(), "method": "other"}],
                "affects": affects,
            });
            // Arch groups (AVG) carry their CVEs.
            let related: Vec<Value> = first
                .ids
                .iter()
                .skip(1)
                .map(|other| json!({"id": other, "source": {"name": report.feed}}))
                .collect();
            if !related.is_empty() {
                entry["references"] = related.into();
            }
            if let Some(fixed) = &first.fixed_version {
                entry["recommendation"] = format!("upgrade to {fixed} or later").into();
            }
            entry
        })
        .collect()
}

/// `pkg:deb/debian/apt@2.6.1?arch=amd64`, `pkg:alpm/arch/pacman@6.0.2-7?arch=x86_64`.
#[must_use]
pub fn package_url(kind: BackendKind, distribution: &str, package: &InstalledPackage) -> String {
    let scheme = match kind {
        BackendKind::Arch => "alpm",
        BackendKind::Debian => "deb",
    };
    let mut purl = format!(
        "pkg:{scheme}/{}/{}@{}",
        encode(distribution, ""),
        encode(&package.name, ""),
        // An epoch's colon is kept, as package-url's own libraries write it.
        encode(&package.version, ":")
    );
    if let Some(architecture) = &package.architecture {
        purl.push_str("?arch=");
        purl.push_str(&encode(architecture, ""));
    }
    purl
}

/// Percent-encodes all but the unreserved characters and `keep`.
fn encode(text: &str, keep: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        let character = char::from(byte);
        if byte.is_ascii_alphanumeric() || "-._~".contains(character) || keep.contains(character) {
            encoded.push(character);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A random (version 4) UUID as a URN, from the kernel's random source.
///
/// # Errors
/// `/dev/urandom` cannot be read.
pub fn serial_number() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0_u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, version: &str, architecture: &str) -> InstalledPackage {
        InstalledPackage {
            name: name.to_owned(),
            version: version.to_owned(),
            explicit: true,
            source: None,
            architecture: Some(architecture.to_owned()),
            licenses: Vec::new(),
        }
    }

    #[test]
    fn package_urls_follow_the_deb_and_alpm_schemes() {
        assert_eq!(
            package_url(
                BackendKind::Debian,
                "debian",
                &package("libc6", "2.36-9+deb12u4", "amd64")
            ),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64"
        );
        assert_eq!(
            package_url(
                BackendKind::Debian,
                "debian",
                &package("libgcc-s1", "12.2.0-14", "amd64")
            ),
            "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64"
        );
        assert_eq!(
            package_url(
                BackendKind::Arch,
                "arch",
                &package("pacman", "1:6.0.2-7", "x86_64")
            ),
            "pkg:alpm/arch/pacman@1:6.0.2-7?arch=x86_64"
        );
        assert_eq!(
            package_url(
                BackendKind::Arch,
                "arch",
                &package("libc++", "19.1-1", "x86_64")
            ),
            "pkg:alpm/arch/libc%2B%2B@19.1-1?arch=x86_64"
        );
    }

    #[test]
    fn serial_numbers_are_version_4_uuids() {
        let serial = serial_number().unwrap();
        let uuid = serial.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'));
        assert!("89ab".contains(&groups[3][..1]));
        assert_ne!(serial, serial_number().unwrap());
    }
}
