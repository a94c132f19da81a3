//! Raw-domain detection for the `allow_raw_access = false` redirect.
//!
//! Owns only host-name rules. Invariant: a returned host contains only characters valid in a
//! host name and port, so it can be placed in a `Location` header as is.

/// If `host` is a raw (uncertified) domain such as `<id>.raw.icp0.io` or `<id>.raw.ic0.app`,
/// the certified domain to redirect to (the same host without the `raw` label).
pub fn certified_host(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
    if host.is_empty() || !host.chars().all(valid) {
        return None;
    }
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let labels: Vec<&str> = name.split('.').collect();
    let raw = labels.iter().position(|l| *l == "raw").filter(|&i| i >= 1 && i + 1 < labels.len())?;
    let mut certified: Vec<&str> = labels[..raw].to_vec();
    certified.extend_from_slice(&labels[raw + 1..]);
    let mut out = certified.join(".");
    if let Some(port) = port {
        out.push(':');
        out.push_str(port);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_domains_map_to_certified_ones() {
        let id = "bkyz2-fmaaa-aaaaa-qaaaq-cai";
        assert_eq!(certified_host(&format!("{id}.raw.icp0.io")), Some(format!("{id}.icp0.io")));
        assert_eq!(certified_host(&format!("{id}.RAW.ic0.app")), Some(format!("{id}.ic0.app")));
        assert_eq!(certified_host(&format!("{id}.raw.localhost:4943")), Some(format!("{id}.localhost:4943")));
    }

    #[test]
    fn other_hosts_are_not_raw() {
        assert_eq!(certified_host("bkyz2-fmaaa-aaaaa-qaaaq-cai.icp0.io"), None);
        assert_eq!(certified_host("raw.ic0.app"), None);
        assert_eq!(certified_host("a.raw"), None);
        assert_eq!(certified_host("a.raw.icp0.io\r\nx: y"), None);
        assert_eq!(certified_host(""), None);
    }
}
