//! The WASM entry: hydrate the server-rendered page. Each page's view is a lazy route (WASM of
//! its own with `--split`), so hydration waits for the current page's WASM first.
#![recursion_limit = "512"]
use leptos::wasm_bindgen::JsValue;

mod recover;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    recover::install();
    // Drives the reactive system on wasm-bindgen's executor (an error only means it already is).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document().body();
        if let Some(body) = body {
            leptos::mount::hydrate_from_async(body, app::App)
                .await
                .forget();
        }
        // A marker the end-to-end tests wait for before they interact with the page.
        if let Some(window) = leptos::web_sys::window() {
            let _ = leptos::web_sys::js_sys::Reflect::set(
                &window,
                &JsValue::from_str("__hirekey_hydrated"),
                &JsValue::TRUE,
            );
        }
    });
}
