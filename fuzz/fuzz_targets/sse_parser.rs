//! Any bytes as a provider's event stream, split anywhere: the parser never panics and the
//! split does not change the events (chunk boundaries are the network's, not the provider's).
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::providers::sse::SseParser;

fuzz_target!(|input: (usize, &[u8])| {
    let (split, bytes) = input;
    let split = split % (bytes.len() + 1);
    let whole = SseParser::new().push(bytes);
    let mut parser = SseParser::new();
    let first = parser.push(&bytes[..split]);
    let second = parser.push(&bytes[split..]);
    if let (Ok(whole), Ok(mut first), Ok(second)) = (whole, first, second) {
        first.extend(second);
        assert_eq!(whole, first);
    }
});
