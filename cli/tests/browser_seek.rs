//! A real headless Chromium seeks inside a 10.5 MB PCM WAV served through the local IC's
//! verifying gateway, where every `Range` request is answered with the whole certified
//! 2,000,000-byte part that contains its first byte (a 206 that may start before it).
//!
//! The WAV needs no codec download: 16-bit mono PCM whose every second holds its own level, so
//! the decoded samples tell which second the browser is playing. The browser's requests and our
//! answers are read from DevTools; parts are numbered from 0 (part `k` = bytes `[2 M k, 2 M (k + 1))`).

mod support;

use serde_json::Value;
use support::chromium::{Chromium, Exchange};
use support::{sha256, Deployed};

/// The certified part size of the canister's chunked assets.
const PART: usize = 2_000_000;
const RATE: usize = 48_000;
const SECONDS: usize = 110;
const WAV_HEADER: usize = 44;
/// Second `s` holds the level `(s + 1) * STEP` (out of 32768), plus a small dither.
const STEP: i32 = 200;
/// Seek targets, in this order, each into a region not loaded before and none at a part
/// boundary: the last, short part (5), then back to part 3, then back to part 1.
const SEEK_TO: [f64; 3] = [105.5, 71.3, 33.7];
/// Then 0.27 s before the end of part 1 (byte 4,000,000 plays at 41.67 s), played across it.
const ACROSS: f64 = 41.4;
/// The page's own `fetch()` asks for these bytes (inside part 1).
const FETCH_FIRST: usize = 3_000_001;
const FETCH_LAST: usize = 3_000_100;
const MEDIA: &str = "/media/pattern.wav";

#[tokio::test(flavor = "multi_thread")]
async fn chromium_seeks_inside_a_large_wav_through_the_gateway() {
    let site = tempfile::Builder::new().prefix("site-").tempdir().unwrap();
    let wav = pattern_wav();
    std::fs::create_dir_all(site.path().join("media")).unwrap();
    std::fs::write(site.path().join("media/pattern.wav"), &wav).unwrap();
    let page = format!(
        "<!doctype html><title>seek</title><audio id=\"media\" preload=\"metadata\" src=\"{MEDIA}\"></audio>"
    );
    std::fs::write(site.path().join("media/seek.html"), page).unwrap();
    let ic = Deployed::start().await;
    ic.sync(site.path()).await;
    let base = ic.site_url();
    tokio::task::spawn_blocking(move || seek(&base, &wav)).await.expect("browser session");
    ic.server.stop().await;
}

fn seek(base: &str, wav: &[u8]) {
    let mut browser = Chromium::launch();
    browser.record_network();
    assert_eq!(browser.open(&format!("{base}/media/seek.html")), 200);
    preload_metadata(&mut browser, wav.len());
    browser.eval_as_user(EARS);
    for target in SEEK_TO {
        seek_into_unloaded_part(&mut browser, target, wav.len());
    }
    play_across_a_part_boundary(&mut browser, wav.len());
    every_answer_was_a_part(&mut browser, wav);
    fetch_a_range(&mut browser, wav);
}

/// `preload="metadata"`: the duration is known after the first part's 206.
fn preload_metadata(browser: &mut Chromium, total: usize) {
    let metadata = browser.eval(&watch("loadedmetadata", "a.readyState >= 1", ""));
    assert_eq!(metadata["event"], "loadedmetadata", "{metadata}");
    let duration = metadata["duration"].as_f64().unwrap();
    assert!((duration - SECONDS as f64).abs() < 0.01, "duration {duration}");
    let preloaded = media_exchanges(browser);
    eprintln!("preload=metadata loaded: {preloaded:?}");
    assert_eq!(preloaded[0].range.as_deref(), Some("bytes=0-"));
    assert_eq!(preloaded[0].status, Some(206));
    assert_eq!(preloaded[0].content_range, Some(format!("bytes 0-{}/{total}", PART - 1)));
}

/// Seeks to `target` (in a part not loaded before): the seek completes, the browser asked from an
/// unaligned byte and accepted the part's 206, and plays the samples of the target second.
fn seek_into_unloaded_part(browser: &mut Chromium, target: f64, total: usize) {
    let before = media_exchanges(browser).len();
    let seeked = browser.eval(&watch("seeked", "false", &format!("a.currentTime = {target}")));
    let exchanges = media_exchanges(browser).split_off(before);
    eprintln!("seek to {target} s: {seeked}, then {exchanges:?}");
    assert_eq!(seeked["event"], "seeked", "{seeked}");
    assert!((seeked["currentTime"].as_f64().unwrap() - target).abs() < 0.1, "{seeked}");
    assert!(seeked["readyState"].as_u64().unwrap() >= 2, "HAVE_CURRENT_DATA or more: {seeked}");
    assert_eq!(seeked["error"], Value::Null, "{seeked}");
    assert_unaligned_range_got_its_part(&exchanges, byte_at(target), total);

    let levels = listen(browser, 8);
    eprintln!("played from {target} s: levels {levels:?}");
    let second = target as i64;
    assert_eq!(levels[0], second, "the first decoded samples are those of second {second}: {levels:?}");
}

/// Just before the end of part 1, played on into part 2: the browser's read stops where the
/// part's 206 ends, and the next part's 206 must continue the samples without a jump.
fn play_across_a_part_boundary(browser: &mut Chromium, total: usize) {
    let seeked = browser.eval(&watch("seeked", "false", &format!("a.currentTime = {ACROSS}")));
    assert_eq!(seeked["event"], "seeked", "{seeked}");
    let levels = listen(browser, 12);
    eprintln!("played across byte {}: levels {levels:?}", 2 * PART);
    let second = ACROSS as i64;
    assert_eq!(levels[0], second, "{levels:?}");
    assert!(levels.contains(&(second + 1)), "playback reached the next part: {levels:?}");
    let all = media_exchanges(browser);
    let next_part = format!("bytes {}-{}/{total}", 2 * PART, 3 * PART - 1);
    assert!(all.iter().any(|e| e.content_range.as_deref() == Some(next_part.as_str())), "{all:?}");
}

/// Every media request that got an answer got a 206, and every `If-Range` named the current ETag.
fn every_answer_was_a_part(browser: &mut Chromium, wav: &[u8]) {
    let all = media_exchanges(browser);
    eprintln!("all media exchanges: {all:?}");
    let answered: Vec<&Exchange> = all.iter().filter(|e| e.status.is_some()).collect();
    assert!(answered.iter().all(|e| e.status == Some(206)), "every media request got a 206: {answered:?}");
    // Chromium's HTTP cache adds `If-Range` when it holds part of the file. The canister does not
    // read `If-Range`, which is right only while it names the current ETag (the sha256): the file
    // did not change here, so it must.
    let etag = format!("\"{}\"", hex::encode(sha256(wav)));
    assert!(all.iter().all(|e| e.if_range.as_ref().is_none_or(|v| *v == etag)), "{all:?}");
}

/// The page's own `fetch()` with a `Range` inside part 1 gets that whole part, the asked bytes
/// at their offset in it.
fn fetch_a_range(browser: &mut Chromium, wav: &[u8]) {
    let fetched = browser.eval(&format!(
        "fetch('{MEDIA}', {{ headers: {{ Range: 'bytes={FETCH_FIRST}-{FETCH_LAST}' }} }}).then(async r => {{ \
           const body = new Uint8Array(await r.arrayBuffer()); \
           const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body)); \
           return {{ status: r.status, contentRange: r.headers.get('content-range'), length: body.length, \
                    sha: Array.from(digest, x => x.toString(16).padStart(2, '0')).join(''), \
                    asked: Array.from(body.subarray({FETCH_FIRST} - {PART}, {FETCH_LAST} + 1 - {PART})) }}; }})"
    ));
    let (status, content_range, length) = (&fetched["status"], &fetched["contentRange"], &fetched["length"]);
    eprintln!("fetch bytes={FETCH_FIRST}-{FETCH_LAST}: status {status}, content-range {content_range}, {length} bytes");
    assert_eq!(fetched["status"], 206);
    let part_range = format!("bytes {PART}-{}/{}", 2 * PART - 1, wav.len());
    assert_eq!(fetched["contentRange"].as_str(), Some(part_range.as_str()), "the certified part containing the bytes");
    assert_eq!(fetched["length"], PART);
    let part_sha = hex::encode(sha256(&wav[PART..2 * PART]));
    assert_eq!(fetched["sha"].as_str().unwrap(), part_sha, "the body is the whole part");
    let asked: Vec<u8> = serde_json::from_value(fetched["asked"].clone()).unwrap();
    assert_eq!(asked, wav[FETCH_FIRST..=FETCH_LAST], "the asked bytes sit at their offset inside the part");
}

/// Among `exchanges`, the browser asked for a range starting at an unaligned byte at or before
/// `position`, and got the 206 of the certified part that contains it, starting before it.
fn assert_unaligned_range_got_its_part(exchanges: &[Exchange], position: usize, total: usize) {
    let covering = exchanges.iter().find(|exchange| {
        let Some(first) = exchange.range.as_deref().and_then(range_start) else { return false };
        first <= position && position < (first / PART + 1) * PART
    });
    let exchange = covering.unwrap_or_else(|| panic!("no request for byte {position}: {exchanges:?}"));
    let asked = exchange.range.as_deref().and_then(range_start).unwrap();
    assert_ne!(asked % PART, 0, "the browser's own start is unaligned: {exchange:?}");
    assert_eq!(exchange.status, Some(206), "{exchange:?}");
    let part = asked / PART * PART;
    let last = (part + PART).min(total) - 1;
    assert_eq!(exchange.content_range, Some(format!("bytes {part}-{last}/{total}")), "{exchange:?}");
}

/// The first byte of a `bytes=<first>-[<last>]` header.
fn range_start(range: &str) -> Option<usize> {
    range.strip_prefix("bytes=")?.split('-').next()?.parse().ok()
}

/// The byte offset of the sample played at `seconds`.
fn byte_at(seconds: f64) -> usize {
    WAV_HEADER + (seconds * RATE as f64) as usize * 2
}

/// Plays from the current position until `blocks` blocks with samples were heard, and returns
/// the second each steady one (one level, no transition inside) came from; asserts that there
/// are at least three and that they run on second by second.
fn listen(browser: &mut Chromium, blocks: usize) -> Vec<i64> {
    let heard = browser.eval_as_user(&LISTEN.replace("BLOCKS", &blocks.to_string()));
    let levels = steady_levels(&heard);
    assert!(levels.len() >= 3, "too few steady blocks: {heard}");
    let runs_on = levels.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1);
    assert!(runs_on, "playback runs on second by second: {levels:?} {heard}");
    levels
}

/// The second each steady block was recorded from. Blocks of exact silence (what the graph
/// outputs until the element's samples reach it, or while it waits for data) carry no samples
/// of the file and are left out.
fn steady_levels(heard: &Value) -> Vec<i64> {
    heard["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|block| block[2] != 0.0 || block[3] != 0.0)
        .filter_map(|block| {
            let [mean, min, max] = [&block[1], &block[2], &block[3]].map(|x| x.as_f64().unwrap());
            (max - min < f64::from(STEP)).then(|| (mean / f64::from(STEP)).round() as i64 - 1)
        })
        .collect()
}

/// The exchanges for the media file so far.
fn media_exchanges(browser: &mut Chromium) -> Vec<Exchange> {
    browser.eval("0");
    browser.exchanges().into_iter().filter(|exchange| exchange.url.ends_with(MEDIA)).collect()
}

/// A promise that runs `action` on the audio element `a` and resolves when `event` fires (at once
/// if `already` holds), with the element's state; an `error` event or 60 s resolve it too.
fn watch(event: &str, already: &str, action: &str) -> String {
    format!(
        "new Promise(resolve => {{ const a = document.getElementById('media'); \
           const done = e => resolve({{ event: e, duration: a.duration, currentTime: a.currentTime, \
             readyState: a.readyState, error: a.error && a.error.code, message: a.error && a.error.message }}); \
           if ({already}) return done('{event}'); \
           a.addEventListener('{event}', () => done('{event}'), {{ once: true }}); \
           a.addEventListener('error', () => done('error'), {{ once: true }}); \
           setTimeout(() => done('timeout'), 60000); \
           {action}; }})"
    )
}

/// Routes the audio element through WebAudio into a tap that records, per block of samples
/// while the element plays, `[currentTime, mean, min, max]` (samples scaled to 32768).
const EARS: &str = "(async () => { const a = document.getElementById('media'); \
    const ctx = new AudioContext(); const tap = ctx.createScriptProcessor(4096, 1, 1); \
    window.heard = []; window.ears = ctx; \
    tap.onaudioprocess = e => { if (a.paused) return; const d = e.inputBuffer.getChannelData(0); \
      let sum = 0, min = Infinity, max = -Infinity; \
      for (const x of d) { const v = x * 32768; sum += v; if (v < min) min = v; if (v > max) max = v; } \
      window.heard.push([a.currentTime, sum / d.length, min, max]); }; \
    ctx.createMediaElementSource(a).connect(tap); tap.connect(ctx.destination); await ctx.resume(); \
    return ctx.state; })()";

/// Plays from the current position until `BLOCKS` blocks with samples were heard (or 30 s
/// passed), pauses, and returns what was heard.
const LISTEN: &str = "(async () => { const a = document.getElementById('media'); \
    window.heard = []; const start = a.currentTime; await window.ears.resume(); await a.play(); \
    const until = Date.now() + 30000; const sounding = () => window.heard.filter(b => b[2] || b[3]).length; \
    while (sounding() < BLOCKS && Date.now() < until) await new Promise(r => setTimeout(r, 50)); \
    a.pause(); return { start, rate: window.ears.sampleRate, blocks: window.heard }; })()";

/// A 16-bit mono PCM WAV of [`SECONDS`] seconds; second `s` holds `(s + 1) * STEP` plus a
/// dither in [-32, 32) so that no two byte windows look alike.
fn pattern_wav() -> Vec<u8> {
    let samples = RATE * SECONDS;
    let data_len = (samples * 2) as u32;
    let mut wav = Vec::with_capacity(WAV_HEADER + samples * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&(RATE as u32).to_le_bytes());
    wav.extend_from_slice(&(RATE as u32 * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    let mut state = 0x5eed_u64;
    for index in 0..samples {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let dither = (state % 64) as i32 - 32;
        let level = ((index / RATE) as i32 + 1) * STEP + dither;
        wav.extend_from_slice(&(level as i16).to_le_bytes());
    }
    assert_eq!(wav.len(), WAV_HEADER + samples * 2);
    wav
}
