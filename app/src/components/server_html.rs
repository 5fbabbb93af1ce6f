//! Read-only sections the server renders: the page's WASM carries neither their views nor
//! their data types.
//!
//! A report such as My Profile's usage tables or its activity log is only ever read. Its server
//! function renders it with the same Leptos components the page would use (so every value is
//! escaped exactly as in any other view) and answers the HTML; the page shows that HTML in a
//! `<div>`, and a resource keyed on the page's actions loads it again when they change. What the
//! browser adds is the reader's clock: every `<time datetime>` inside gets the relative text
//! ("2 minutes ago") and the local time in `title`, as [`RelativeTime`] does elsewhere, and
//! again every 30 seconds.
//!
//! [`RelativeTime`]: crate::components::time::RelativeTime
use leptos::{html, prelude::*};

/// HTML that a server function rendered with [`render`].
#[component]
pub fn ServerHtml(html: String) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            crate::components::time::localize_within(&el);
            let handle = set_interval_with_handle(
                move || crate::components::time::localize_within(&el),
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
    view! { <div class="server-html" node_ref=node inner_html=html></div> }
}

/// Renders a view to HTML, in an owner of its own that is dropped afterwards (the view's
/// signals go with it).
#[cfg(feature = "ssr")]
pub fn render<V: RenderHtml>(view: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    let html = owner.with(|| view().to_html());
    owner.cleanup();
    html
}
