//! Raw-domain redirect: an asset with `allow_raw_access = false` requested with a raw Host
//! (`<id>.raw.icp0.io`) gets a 308 to the certified domain; the certified domain serves it with a
//! verified 200. The 308 itself is deliberately uncertified (core/src/http/serve.rs: gateways do
//! not verify raw-domain responses), so it is checked for status and Location only.

mod support;

use support::{header, request, site, Canister, Upload};

#[test]
fn raw_domain_gets_a_308_to_the_certified_domain() {
    let mut c = Canister::install();
    let mut files = site(true, false);
    let mut private = Upload::new("/private.html", "text/html", "<h1>certified only</h1>");
    private.allow_raw_access = Some(false);
    files.push(private);
    c.upload(&files);

    let raw_host = format!("{}.raw.icp0.io", c.id.to_text());
    let mut raw = request("GET", "/private.html", &[("Host", &raw_host)]);
    raw.certificate_version = Some(2);
    let (r, _) = c.http(&raw);
    assert_eq!(r.status_code, 308);
    let location = header(&r, "location").expect("location header");
    assert_eq!(location, format!("https://{}.icp0.io/private.html", c.id.to_text()));

    let certified_host = format!("{}.icp0.io", c.id.to_text());
    let r = c.get_verified(&request("GET", "/private.html", &[("Host", &certified_host)]), 2);
    assert_eq!(r.status_code, 200);
    assert_eq!(r.body.as_slice(), b"<h1>certified only</h1>");
    let open = c.get_verified(&request("GET", "/index.html", &[("Host", &raw_host)]), 2);
    assert_eq!(open.status_code, 200, "assets without allow_raw_access = false are served on raw domains");
}
