//! Plain forms that post to a server function, enhanced in the browser.
//!
//! Every form in Hirekey is an ordinary `<form method="post" action={S::url()}>`: it works
//! before the WASM has loaded, or without it. Once the page has hydrated, [`dispatch_on_submit`]
//! turns the submit into the page's `ServerAction` instead, so the answer lands in place.
//!
//! This does what Leptos's `ActionForm` does, without its generic reading of the form through a
//! query-string deserialiser: each form names its fields here, and no page carries that
//! deserialiser's code.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{FormData, HtmlFormElement};

/// The fields of a submitted form.
pub struct Fields(FormData);

impl Fields {
    /// A field's text: `None` when the form has no such field, or when it is an unchecked
    /// checkbox (which a browser leaves out of a post too).
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).as_string()
    }

    /// A field's text, empty when it is absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }
}

/// A submit handler for a plain form posting to `S`: it asks `confirm` first when given (a
/// dismissed question sends nothing), reads the fields into `S` with `read` and dispatches
/// `action`, instead of letting the browser post and load a page.
pub fn dispatch_on_submit<S>(
    action: ServerAction<S>,
    confirm: Option<&'static str>,
    read: impl Fn(&Fields) -> S + Copy + 'static,
) -> impl Fn(SubmitEvent) + Copy + 'static
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    move |ev: SubmitEvent| {
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok());
        // A form the browser cannot read (it always can) posts the ordinary way.
        let Some(data) = form.and_then(|f| FormData::new_with_form(&f).ok()) else {
            return;
        };
        ev.prevent_default();
        if let Some(question) = confirm {
            if !window().confirm_with_message(question).unwrap_or(false) {
                return;
            }
        }
        action.dispatch(read(&Fields(data)));
    }
}
