use super::*;
use proptest::prelude::*;

fn available(list: &'static [Encoding]) -> impl Fn(Encoding) -> bool {
    move |e| list.contains(&e)
}

#[test]
fn prefers_br_then_gzip_then_identity() {
    let all: &[Encoding] = &[Encoding::Br, Encoding::Gzip, Encoding::Identity];
    assert_eq!(AcceptEncoding::parse("gzip, deflate, br").choose(available(all)), Some(Encoding::Br));
    assert_eq!(AcceptEncoding::parse("gzip").choose(available(all)), Some(Encoding::Gzip));
    assert_eq!(AcceptEncoding::parse("").choose(available(all)), Some(Encoding::Identity));
    assert_eq!(AcceptEncoding::IDENTITY_ONLY.choose(available(all)), Some(Encoding::Identity));
}

#[test]
fn q_zero_excludes() {
    let all: &[Encoding] = &[Encoding::Br, Encoding::Gzip, Encoding::Identity];
    assert_eq!(AcceptEncoding::parse("br;q=0, gzip;q=0.5").choose(available(all)), Some(Encoding::Gzip));
    assert_eq!(AcceptEncoding::parse("*;q=0, identity").choose(available(all)), Some(Encoding::Identity));
    assert_eq!(AcceptEncoding::parse("*").choose(available(all)), Some(Encoding::Br));
    assert_eq!(AcceptEncoding::parse("br;q=0.000").choose(available(&[Encoding::Br, Encoding::Identity])), Some(Encoding::Identity));
}

#[test]
fn falls_back_when_nothing_acceptable() {
    let gzip_only: &[Encoding] = &[Encoding::Gzip];
    assert_eq!(AcceptEncoding::parse("br").choose(available(gzip_only)), Some(Encoding::Gzip));
    assert_eq!(AcceptEncoding::parse("identity;q=0").choose(available(&[Encoding::Identity])), Some(Encoding::Identity));
    assert_eq!(AcceptEncoding::parse("br").choose(available(&[])), None);
}

#[test]
fn malformed_q_values_drop_the_entry() {
    let a = AcceptEncoding::parse("br;q=2, gzip;q=0.1234, identity;q=1.000");
    assert_eq!(a.weight(Encoding::Br), 0);
    assert_eq!(a.weight(Encoding::Gzip), 0);
    assert_eq!(a.weight(Encoding::Identity), 1000);
    assert_eq!(AcceptEncoding::parse("gzip;q=0.5").weight(Encoding::Gzip), 500);
    assert_eq!(AcceptEncoding::parse("GZIP ; Q=0.25").weight(Encoding::Gzip), 250);
}

/// Naive model of RFC 9110 negotiation restricted to our three codings, over a list of
/// `(coding, q in thousandths)` entries where the first mention of a coding counts.
fn model(entries: &[(&str, u16)], avail: &[Encoding]) -> Option<Encoding> {
    let q_of = |name: &str| entries.iter().find(|(n, _)| *n == name).map(|(_, q)| *q);
    let weight = |e: Encoding| match (q_of(e.name()), q_of("*")) {
        (Some(q), _) => q,
        (None, Some(q)) => q,
        (None, None) => u16::from(e == Encoding::Identity),
    };
    for e in [Encoding::Br, Encoding::Gzip, Encoding::Identity] {
        if avail.contains(&e) && weight(e) > 0 {
            return Some(e);
        }
    }
    if avail.contains(&Encoding::Identity) {
        return Some(Encoding::Identity);
    }
    [Encoding::Br, Encoding::Gzip].into_iter().find(|e| avail.contains(e))
}

fn coding() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("br"), Just("gzip"), Just("identity"), Just("*"), Just("deflate"), Just("zstd")]
}

proptest! {
    #[test]
    fn agrees_with_model(
        entries in proptest::collection::vec((coding(), 0u16..=1000), 0..6),
        mask in 0u8..8,
    ) {
        let avail: Vec<Encoding> = [Encoding::Br, Encoding::Gzip, Encoding::Identity]
            .into_iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, e)| e)
            .collect();
        let header = entries
            .iter()
            .map(|(c, q)| format!("{c};q={}.{:03}", q / 1000, q % 1000))
            .collect::<Vec<_>>()
            .join(", ");
        let got = AcceptEncoding::parse(&header).choose(|e| avail.contains(&e));
        prop_assert_eq!(got, model(&entries, &avail));
    }

    #[test]
    fn never_panics(value in ".{0,80}") {
        let a = AcceptEncoding::parse(&value);
        let _ = a.choose(|_| true);
    }
}
