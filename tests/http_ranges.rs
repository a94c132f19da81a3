//! Range requests on an uploaded site: `bytes=a-b` and `bytes=a-` get a certified 206 with a
//! `Content-Range` that matches its body, and the 10 MB binary fetched in 206 parts the way the
//! HTTP gateway does is byte-identical to the upload. Around part boundaries and in a short last
//! part, every first byte gets exactly the certified part that contains it; past the end, a
//! certified 416; several ranges are ignored. Every response is verified (v2).

mod support;

use support::{content_range, generated_bytes, header, request, site, Canister, Upload, BIG_BYTES};

/// The canister certifies large bodies in parts of this many bytes.
const PART: usize = 2_000_000;

#[test]
fn ranges_get_verified_206_and_the_big_file_reassembles() {
    let mut c = Canister::install();
    c.upload(&site(true, true));
    let big = generated_bytes(BIG_BYTES, 77);

    for range in ["bytes=0-99", "bytes=1000-", "bytes=5000000-5000010"] {
        let r = c.get_verified(&request("GET", "/big.bin", &[("Range", range)]), 2);
        assert_eq!(r.status_code, 206, "{range}");
        let (first, last, total) = content_range(header(&r, "content-range").expect("content-range"));
        assert_eq!(total, BIG_BYTES, "{range}");
        let asked: usize = range["bytes=".len()..].split('-').next().unwrap().parse().unwrap();
        assert!(first <= asked && asked <= last, "{range}: served {first}-{last}");
        assert_eq!(r.body.as_slice(), &big[first..=last], "{range}");
    }

    // The gateway's way: a plain GET, then `bytes=<next>-` while the answer is a 206.
    let mut received = Vec::new();
    let mut r = c.get_verified(&request("GET", "/big.bin", &[]), 2);
    let mut parts = 1;
    while r.status_code == 206 {
        let (first, last, total) = content_range(header(&r, "content-range").expect("content-range"));
        assert_eq!(first, received.len());
        assert_eq!(last + 1 - first, r.body.len());
        received.extend_from_slice(&r.body);
        if received.len() == total {
            break;
        }
        let next = format!("bytes={}-", received.len());
        r = c.get_verified(&request("GET", "/big.bin", &[("Range", &next)]), 2);
        parts += 1;
    }
    assert!(parts > 1, "a 10 MB body does not fit one reply");
    assert_eq!(received.len(), BIG_BYTES);
    assert!(received == big, "the reassembled file differs from the upload");

    let small = c.get_verified(&request("GET", "/app.js", &[("Range", "bytes=0-7")]), 2);
    assert_eq!(small.status_code, 206);
    // The canister answers with the certified part that contains the first asked byte.
    let (first, last, total) = content_range(header(&small, "content-range").expect("content-range"));
    let js = b"document.querySelector('h1').textContent += '!';\n";
    assert_eq!((first, total), (0, js.len()));
    assert!(last >= 7);
    assert_eq!(small.body.as_slice(), &js[first..=last]);
}

#[test]
fn every_first_byte_gets_the_part_that_contains_it() {
    let mut c = Canister::install();
    // Three parts, the last one short (1,000,001 bytes).
    let len = 2 * PART + 1_000_001;
    let file = generated_bytes(len, 91);
    c.upload(&[
        Upload::new("/odd.bin", "application/octet-stream", file.clone()),
        Upload::new("/small.txt", "text/plain", "0123456789"),
    ]);

    let starts = [0, 1, PART - 1, PART, PART + 1, 2 * PART - 1, 2 * PART, 2 * PART + 1, len - 1];
    let explicit = starts.iter().flat_map(|s| [format!("bytes={s}-"), format!("bytes={s}-{}", s + 10)]);
    let suffixes = [1, 1_000_001, 1_000_002, len, len + 5].map(|n| format!("bytes=-{n}"));
    for range in explicit.chain(suffixes) {
        let r = c.get_verified(&request("GET", "/odd.bin", &[("Range", &range)]), 2);
        let first = match range.strip_prefix("bytes=-") {
            Some(suffix) => len.saturating_sub(suffix.parse().unwrap()),
            None => range["bytes=".len()..].split('-').next().unwrap().parse().unwrap(),
        };
        let part = first / PART * PART;
        let last = (part + PART).min(len) - 1;
        assert_eq!(r.status_code, 206, "{range}");
        let expected = format!("bytes {part}-{last}/{len}");
        assert_eq!(header(&r, "content-range"), Some(expected.as_str()), "{range}");
        assert_eq!(r.body.as_slice(), &file[part..=last], "{range}");
    }

    for range in [format!("bytes={len}-"), format!("bytes={}-{}", len + 7, len + 9), "bytes=-0".to_string()] {
        let r = c.get_verified(&request("GET", "/odd.bin", &[("Range", &range)]), 2);
        assert_eq!(r.status_code, 416, "{range}");
        let expected = format!("bytes */{len}");
        assert_eq!(header(&r, "content-range"), Some(expected.as_str()), "{range}");
        assert!(r.body.is_empty(), "{range}");
    }

    // Another unit, or several ranges (no multipart answer is certified), are ignored (RFC 9110
    // §14.2): the answer is what a plain GET gets, part 0.
    for range in ["items=0-1", "bytes=0-1,4000000-4000001", "bytes=4000000-,0-1"] {
        let r = c.get_verified(&request("GET", "/odd.bin", &[("Range", range)]), 2);
        assert_eq!(r.status_code, 206, "{range}");
        let expected = format!("bytes 0-{}/{len}", PART - 1);
        assert_eq!(header(&r, "content-range"), Some(expected.as_str()), "{range}");
        assert_eq!(r.body.as_slice(), &file[..PART], "{range}");
    }
    let small = c.get_verified(&request("GET", "/small.txt", &[("Range", "bytes=0-1,5-6")]), 2);
    assert_eq!(small.status_code, 200, "several ranges on a one-part file: the whole file");
    assert_eq!(small.body.as_slice(), b"0123456789");
}
