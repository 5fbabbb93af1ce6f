//! A time as a person reads it: "2 minutes ago", with the exact time in the `title` and the
//! machine-readable one in `datetime`.
//!
//! Hydration: the server has no idea of the reader's clock or time zone, so the server's render
//! and the browser's first (hydrating) render both show the same text, the exact time in UTC.
//! Only an effect, which runs in the browser after hydration, switches to the relative form and
//! the local time, and keeps it current every 30 seconds. Both renders are identical by
//! construction, so this cannot cause a hydration mismatch.
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::time::{exact_utc, relative, Timestamp};

/// `<time datetime="2026-11-29T19:05:45Z" title="local time">2 minutes ago</time>`; with
/// `exact`, the local time is the text and the relative one the title.
#[component]
pub fn RelativeTime(#[prop(into)] t: Timestamp, #[prop(optional)] exact: bool) -> impl IntoView {
    let now = RwSignal::new(None::<DateTime<Utc>>);
    Effect::new(move |_| {
        now.set(browser_now());
        #[cfg(feature = "hydrate")]
        {
            let handle = set_interval_with_handle(
                move || now.set(browser_now()),
                std::time::Duration::from_secs(30),
            )
            .ok();
            on_cleanup(move || {
                if let Some(h) = handle {
                    h.clear();
                }
            });
        }
    });
    let at = t.0;
    // `try_get`: a streamed page may serialise this view after a re-render has disposed its
    // owner; the signal is then gone and the UTC form is what the server shows anyway.
    let text = move || match now.try_get().flatten() {
        Some(now) if !exact => relative(now, at),
        Some(_) => local_exact(at),
        None => exact_utc(at),
    };
    let title = move || match now.try_get().flatten() {
        Some(now) if exact => relative(now, at),
        Some(_) => local_exact(at),
        None => exact_utc(at),
    };
    view! { <time datetime=t.to_string() title=title>{text}</time> }
}

/// The browser's clock; `None` on the server (effects do not run there anyway).
fn browser_now() -> Option<DateTime<Utc>> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// The exact time in the reader's time zone and locale.
fn local_exact(t: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&js_sys::wasm_bindgen::JsValue::from_f64(
            t.timestamp_millis() as f64,
        ));
        String::from(date.to_locale_string("default", &js_sys::wasm_bindgen::JsValue::UNDEFINED))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        exact_utc(t)
    }
}

/// What [`RelativeTime`] does after hydration, for times in HTML the server rendered
/// (`components/server_html.rs`): each `<time datetime>` under `root` shows the relative time,
/// with the local time in `title`. A `<time>` whose `datetime` is not a UTC time is left as is.
#[cfg(feature = "hydrate")]
pub fn localize_within(root: &web_sys::Element) {
    let Some(now) = browser_now() else { return };
    let Ok(times) = root.query_selector_all("time[datetime]") else {
        return;
    };
    for i in 0..times.length() {
        let Some(el) = times
            .item(i)
            .and_then(|n| js_sys::wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
        else {
            continue;
        };
        let Some(at) = el
            .get_attribute("datetime")
            .as_deref()
            .and_then(crate::time::parse_utc)
        else {
            continue;
        };
        el.set_text_content(Some(&relative(now, at)));
        let _ = el.set_attribute("title", &local_exact(at));
    }
}
