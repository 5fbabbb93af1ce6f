//! Any text as an API key: the format check and both masks never panic, and a mask shows at
//! most the key's last four (preview) or six (asterisks) characters, and never more than a
//! quarter of the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::providers::{mask_key_asterisks, mask_key_preview, Provider};

fuzz_target!(|key: &str| {
    for provider in Provider::ALL {
        let _ = provider.check_key_format(key);
    }
    let chars = key.chars().count();
    // `gsk_...wxyz`: the known prefixes hold no dot, so the first "..." is the separator.
    let preview = mask_key_preview(key);
    let shown = preview
        .find("...")
        .map(|i| &preview[i + 3..])
        .unwrap_or_else(|| panic!("no separator in the preview"));
    assert_eq!(shown.chars().count(), 4.min(chars / 4));
    assert!(key.ends_with(shown));
    // `sk-` + 19 asterisks + the tail.
    let masked = mask_key_asterisks(key);
    let tail: String = masked.chars().skip(22).collect();
    assert_eq!(tail.chars().count(), 6.min(chars / 4));
    assert!(key.ends_with(&tail));
});
