//! Jobs and a Job's board. The server renders both (`api/jobs.rs`); their forms post without
//! JavaScript and come back here with a notice or an error, which a live region announces. On
//! the board, the browser adds drag and drop: dropping a card on a column picks that stage in
//! the card's own "Move to…" form and submits it, so a drag and the keyboard path are one move.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::codec::resource;
use crate::api::jobs::{job_html, jobs_html};
use crate::components::error_view::ErrorMessage;
use crate::components::loaded::loaded_view;
use crate::components::server_html::ServerHtml;

/// The notice or error a form came back with, in live regions.
#[component]
pub fn FormOutcome() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    view! {
        <p class="success" role="status" aria-live="polite" data-testid="form-notice">{move || param("notice")}</p>
        {move || param("error").map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e}</p> })}
    }
}

/// `/jobs` and `/jobs/{id}` are one route (one lazy module, one entry in the router's table,
/// whose every route adds to the main module): the id picks the page.
#[component]
pub fn JobsRoute() -> impl IntoView {
    let params = use_params_map();
    move || match params.read().get("id").filter(|id| !id.is_empty()) {
        Some(_) => view! { <JobPage /> }.into_any(),
        None => view! { <JobsPage /> }.into_any(),
    }
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let html = resource(|| (), |_| jobs_html());
    view! {
        <h1>"Jobs"</h1>
        <FormOutcome />
        {loaded_view("Loading…", move || async move {
            match html.await {
                Ok(html) => view! { <ServerHtml html /> }.into_any(),
                Err(error) => view! { <ErrorMessage error /> }.into_any(),
            }
        })}
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let html = resource(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("more").filter(|m| !m.is_empty()),
                query.read().get("draft").filter(|d| !d.is_empty()),
            )
        },
        |(id, more, draft)| job_html(id, more, draft),
    );
    #[cfg(feature = "hydrate")]
    drag_and_drop();
    #[cfg(feature = "hydrate")]
    follow_screening(html);
    view! {
        <p><a href="/jobs">"← Jobs"</a></p>
        <h1 class="visually-hidden">"Job"</h1>
        <FormOutcome />
        {loaded_view("Loading…", move || async move {
            match html.await {
                Ok(html) => view! { <ServerHtml html /> }.into_any(),
                Err(error) => view! { <ErrorMessage error /> }.into_any(),
            }
        })}
    }
}

/// While a screening runs, its bar follows the run: every 1.5 s the page asks for the run's
/// progress and moves the bar; when the run ends, the page reloads its content (scores and all).
#[cfg(feature = "hydrate")]
fn follow_screening(html: crate::api::codec::Loaded<String>) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::HtmlProgressElement;

    let handle = set_interval_with_handle(
        move || {
            let doc = leptos::prelude::document();
            let Some(run) = doc
                .query_selector("[data-run-state=running]")
                .ok()
                .flatten()
            else {
                return;
            };
            let Some(id) = run.get_attribute("data-run") else {
                return;
            };
            leptos::task::spawn_local(async move {
                let Ok((finished, total, state)) =
                    crate::api::jobs::screening::screening_progress(id).await
                else {
                    return;
                };
                if state != "running" {
                    html.refetch();
                    return;
                }
                let doc = leptos::prelude::document();
                if let Some(bar) = doc
                    .get_element_by_id("screening-progress")
                    .and_then(|e| e.dyn_into::<HtmlProgressElement>().ok())
                {
                    bar.set_value(f64::from(finished));
                }
                if let Some(text) = doc.query_selector("[data-run-text]").ok().flatten() {
                    text.set_text_content(Some(&format!("Running: {finished} of {total} done")));
                }
            });
        },
        std::time::Duration::from_millis(1500),
    );
    if let Ok(handle) = handle {
        on_cleanup(move || handle.clear());
    }
}

/// Drag and drop on the board, by delegation on the document (the board is server-rendered
/// HTML): a dragged card remembers its id; a drop on another column sets the card's stage
/// select to that column and submits its form.
#[cfg(feature = "hydrate")]
fn drag_and_drop() {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{DragEvent, Element, HtmlFormElement, HtmlSelectElement};

    fn target_element(ev: &DragEvent) -> Option<Element> {
        ev.target()?.dyn_into::<Element>().ok()
    }
    let start = window_event_listener(leptos::ev::dragstart, |ev: DragEvent| {
        let Some(card) = target_element(&ev).and_then(|e| e.closest("[data-card]").ok().flatten())
        else {
            return;
        };
        if let (Some(dt), Some(id)) = (ev.data_transfer(), card.get_attribute("data-card")) {
            let _ = dt.set_data("text/plain", &id);
            dt.set_effect_allowed("move");
        }
    });
    let over = window_event_listener(leptos::ev::dragover, |ev: DragEvent| {
        if let Some(column) =
            target_element(&ev).and_then(|e| e.closest("[data-column]").ok().flatten())
        {
            ev.prevent_default();
            let _ = column.class_list().add_1("drop-target");
        }
    });
    let leave = window_event_listener(leptos::ev::dragleave, |ev: DragEvent| {
        if let Some(column) =
            target_element(&ev).and_then(|e| e.closest("[data-column]").ok().flatten())
        {
            let _ = column.class_list().remove_1("drop-target");
        }
    });
    let drop = window_event_listener(leptos::ev::drop, |ev: DragEvent| {
        let Some(column) =
            target_element(&ev).and_then(|e| e.closest("[data-column]").ok().flatten())
        else {
            return;
        };
        ev.prevent_default();
        let _ = column.class_list().remove_1("drop-target");
        let (Some(stage), Some(id)) = (
            column.get_attribute("data-column"),
            ev.data_transfer()
                .and_then(|dt| dt.get_data("text/plain").ok()),
        ) else {
            return;
        };
        let Some(card) = leptos::prelude::document().get_element_by_id(&format!("card-{id}"))
        else {
            return;
        };
        let form = card
            .query_selector("form[data-move-form]")
            .ok()
            .flatten()
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok());
        let select = card
            .query_selector("select[name=stage]")
            .ok()
            .flatten()
            .and_then(|s| s.dyn_into::<HtmlSelectElement>().ok());
        if let (Some(form), Some(select)) = (form, select) {
            if select.value() == stage {
                return;
            }
            select.set_value(&stage);
            if column.get_attribute("data-rejected").is_some() {
                // A rejection needs its reason: the card's form asks for it.
                let _ = select.focus();
                return;
            }
            let _ = form.request_submit();
        }
    });
    on_cleanup(move || {
        start.remove();
        over.remove();
        leave.remove();
        drop.remove();
    });
}
