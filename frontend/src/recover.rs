//! What happens when a page's WASM chunk cannot be loaded.
//!
//! A page's code arrives with its route. If that fetch fails (the network dropped, or a new
//! build replaced the hashed files an open tab still names), Leptos's lazy route panics, and a
//! panic ends the WASM: the page would stay on the old view with its scripts dead. Every page
//! works as plain HTML from the server, so the panic hook loads the page the user was going to
//! (the link they last clicked, or the address shown) the ordinary way, at most once every
//! ten seconds, so a chunk that keeps failing leaves the page as the server rendered it instead
//! of reloading it forever.
use std::cell::RefCell;

use leptos::wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Element, Event};

/// What a failed chunk load panics with (`wasm_split`'s wrapper around each lazy route).
const CHUNK_LOAD_FAILED: &str = "load callback should succeed";
/// The session-storage entry that remembers when this tab last reloaded for a failed chunk.
const RELOADED_AT: &str = "hirekey:chunk-reload-at";
/// A click older than this is not what the user is waiting for.
const CLICK_FRESH_SECS: u64 = 30;
const RELOAD_GAP_SECS: u64 = 10;

thread_local! {
    /// The address of the link the user last clicked, and when.
    static LAST_CLICK: RefCell<Option<(String, u64)>> = const { RefCell::new(None) };
}

/// Installs the panic hook (which still logs every panic to the console) and the click
/// listener it reads.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if mentions(&info.to_string(), CHUNK_LOAD_FAILED) {
            load_the_ordinary_way();
        }
    }));
    remember_clicked_links();
}

fn remember_clicked_links() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let on_click = Closure::<dyn Fn(Event)>::new(|ev: Event| {
        let href = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
            .and_then(|a| a.get_attribute("href"));
        if let Some(href) = href {
            LAST_CLICK.with(|c| *c.borrow_mut() = Some((href, now_secs())));
        }
    });
    // Capturing, so the router's own listener (which takes the click over) comes after.
    let _ = document.add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    on_click.forget();
}

fn load_the_ordinary_way() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let now = now_secs();
    let storage = window.session_storage().ok().flatten();
    let last = storage
        .as_ref()
        .and_then(|s| s.get_item(RELOADED_AT).ok().flatten())
        .and_then(|v| v.parse::<u64>().ok());
    if last.is_some_and(|t| now.saturating_sub(t) < RELOAD_GAP_SECS) {
        return;
    }
    if let Some(s) = &storage {
        let _ = s.set_item(RELOADED_AT, &now.to_string());
    }
    let target = LAST_CLICK.with(|c| c.borrow().clone());
    let location = window.location();
    let _ = match target {
        Some((href, at)) if now.saturating_sub(at) < CLICK_FRESH_SECS => location.assign(&href),
        _ => location.reload(),
    };
}

/// Whole seconds since the epoch (integers: no float parsing or printing in the bundle).
fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// Whether `text` contains `needle` (a plain byte search: `str::contains` would bring its
/// string-search engine into every page's WASM for this one check).
fn mentions(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
