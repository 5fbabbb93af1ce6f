//! The WASM entry: hydrate the server-rendered page.
#![recursion_limit = "512"]
use leptos::wasm_bindgen::JsValue;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker the end-to-end tests wait for before they interact with the page.
    if let Some(window) = leptos::web_sys::window() {
        let _ = leptos::web_sys::js_sys::Reflect::set(
            &window,
            &JsValue::from_str("__hirekey_hydrated"),
            &JsValue::TRUE,
        );
    }
}
