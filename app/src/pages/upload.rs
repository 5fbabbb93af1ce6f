//! Upload Resume: drag and drop or pick many files (a folder's worth); each gets a progress bar
//! and its own result line as soon as the server answers: created, merged into an existing
//! candidate (the same email or phone), or refused with the reason. At most
//! [`AT_ONCE`] files are sent at the same time, so the server's extraction slots are not
//! flooded, and a file that fails does not stop the others. The API stays one file per request.
use leptos::prelude::*;

use crate::api::candidates::{AnalysisStatus, Candidate};

/// Uploads in flight at once.
#[cfg(feature = "hydrate")]
const AT_ONCE: usize = 3;

#[derive(Clone)]
struct UploadEntry {
    name: String,
    progress: RwSignal<f64>,
    status: RwSignal<&'static str>,
    result: RwSignal<Option<Candidate>>,
    error: RwSignal<Option<String>>,
}

#[component]
pub fn UploadPage() -> impl IntoView {
    let entries = RwSignal::new(Vec::<UploadEntry>::new());
    let dragging = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    let start = {
        let queue = Queue::new();
        move |files: leptos::web_sys::FileList| {
            for i in 0..files.length() {
                if let Some(file) = files.get(i) {
                    let entry = UploadEntry {
                        name: file.name(),
                        progress: RwSignal::new(0.0),
                        status: RwSignal::new("queued"),
                        result: RwSignal::new(None),
                        error: RwSignal::new(None),
                    };
                    entries.update(|e| e.push(entry.clone()));
                    queue.push(file, entry);
                }
            }
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let start = |_: ()| {};

    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            start(files);
        }
    };
    let file_input = NodeRef::<leptos::html::Input>::new();
    // With JavaScript a click on Upload sends the chosen files one by one, each with its
    // progress; without it the browser posts them.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(input) = file_input.get() {
            if let Some(files) = input.files() {
                start(files);
            }
            input.set_value("");
        }
    };
    // The reason a plain form post was refused (`/upload?error=...`).
    let query = leptos_router::hooks::use_query_map();
    let form_error = move || query.read().get("error").filter(|e| !e.is_empty());
    let _ = &start;
    view! {
        <h1>"Upload Resume"</h1>
        <section class="card">
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                data-testid="dropzone"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop PDF, DOCX or TXT resumes, or scans and photos (JPEG, PNG, TIFF), here, or"</p>
                // A plain form too: without JavaScript the browser posts the chosen file and the
                // server answers with the candidate's page (or this page and the reason).
                <form method="post" action="/api/v1/resumes/upload" enctype="multipart/form-data"
                    class="upload-form" on:submit=on_submit>
                    <label>
                        <span class="visually-hidden">"Resume files"</span>
                        <input node_ref=file_input type="file" name="file" multiple required accept=".pdf,.docx,.txt,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff" />
                    </label>
                    <button type="submit" class="primary">"Upload"</button>
                </form>
                {move || form_error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <p class="muted">"Each resume is stored first, then analysed with your AI key. Nothing is lost if the analysis fails."</p>
            </div>
        </section>
        {move || entries.get().into_iter().map(|entry| view! { <UploadRow entry /> }).collect_view()}
    }
}

#[component]
fn UploadRow(entry: UploadEntry) -> impl IntoView {
    let UploadEntry {
        name,
        progress,
        status,
        result,
        error,
    } = entry;
    // "failed": stored, but the analysis failed; "error": the upload itself failed.
    let failed = move || matches!(status.get(), "failed" | "error");
    view! {
        <section class="card upload-row" class:failed=failed data-testid="upload-row" data-status=move || status.get()>
            <div class="row">
                <strong>{name}</strong>
                <span class=move || match status.get() {
                    "done" => "badge ok",
                    "failed" | "error" => "badge error",
                    _ => "badge muted",
                } data-testid="upload-status">{move || match status.get() {
                    "queued" => "Waiting…",
                    "uploading" => "Uploading…",
                    "analysing" => "Analysing…",
                    "done" => "Analysed",
                    "failed" => "Stored · analysis failed",
                    "stored" => "Stored · still analysing",
                    "scan" => "Stored · reading scanned resume…",
                    _ => "Upload failed",
                }}</span>
            </div>
            {move || (!failed()).then(|| view! {
                <progress max="100" value=move || progress.get() aria-label="Upload progress"></progress>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || result.get().and_then(|c| c.duplicate_of).map(|_| view! {
                <p class="muted" data-testid="upload-merged">"The same person as an existing candidate (same email or phone): added as their newest resume version."</p>
            })}
            {move || result.get().map(|c| view! { <CandidateSummary candidate=c /> })}
        </section>
    }
}

/// A candidate's analysis in brief, with a link to the detail page.
#[component]
pub fn CandidateSummary(candidate: Candidate) -> impl IntoView {
    let a = candidate.analysis.clone();
    view! {
        <div class="candidate-summary">
            <p>
                <a href=format!("/candidates/{}", candidate.id) data-testid="candidate-link">
                    {a.name.clone().unwrap_or_else(|| candidate.file_name.clone())}
                </a>
                {a.current_title.clone().map(|t| format!(" — {t}"))}
                {a.years_experience.map(|y| format!(" · {y} years"))}
            </p>
            {(candidate.analysis_status != AnalysisStatus::Done).then(|| {
                let status = candidate.analysis_status;
                view! {
                    <p><span class=if status == AnalysisStatus::Failed { "badge error" } else { "badge muted" }
                        data-testid="candidate-status">{status.label()}</span></p>
                }
            })}
            {candidate.not_a_resume.then(|| view! {
                <p><span class="badge warn" data-testid="not-a-resume-badge">"Not a resume?"</span>
                    " " <span class="muted">"Open it to keep or delete it."</span></p>
            })}
            <div class="chips">{a.skills.iter().map(|s| view! {
                <a class="chip" href=format!("/candidates?skill={}", crate::words::encode(s)) title=format!("Candidates with {s}")>{s.clone()}</a>
            }).collect_view()}</div>
            {a.summary.clone().map(|s| view! { <p class="muted">{s}</p> })}
            {candidate.analysis_error.clone().map(|e| view! {
                <p class="error">{e} " " <a href="/profile">"Check your API key in My Profile"</a></p>
            })}
            {candidate.key_source.map(|k| view! {
                <p class="muted">"Analysed with " {k.describe()}</p>
            })}
        </div>
    }
}

/// The files waiting to be sent, and how many are on their way.
#[cfg(feature = "hydrate")]
#[derive(Clone, Copy)]
struct Queue {
    waiting:
        StoredValue<std::collections::VecDeque<(leptos::web_sys::File, UploadEntry)>, LocalStorage>,
    active: StoredValue<usize>,
}

#[cfg(feature = "hydrate")]
impl Queue {
    fn new() -> Self {
        Self {
            waiting: StoredValue::new_local(Default::default()),
            active: StoredValue::new(0),
        }
    }

    fn push(self, file: leptos::web_sys::File, entry: UploadEntry) {
        self.waiting.update_value(|q| q.push_back((file, entry)));
        self.pump();
    }

    /// Starts waiting files while fewer than [`AT_ONCE`] are on their way.
    fn pump(self) {
        while self.active.get_value() < AT_ONCE {
            let Some((file, entry)) = self.waiting.try_update_value(|q| q.pop_front()).flatten()
            else {
                return;
            };
            self.active.update_value(|n| *n += 1);
            entry.status.set("uploading");
            xhr_upload(file, entry, move || {
                self.active.update_value(|n| *n = n.saturating_sub(1));
                self.pump();
            });
        }
    }
}

#[cfg(feature = "hydrate")]
fn xhr_upload(
    file: leptos::web_sys::File,
    entry: UploadEntry,
    finished: impl Fn() + Clone + 'static,
) {
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    use leptos::web_sys::{FormData, ProgressEvent, XmlHttpRequest};

    let fail = {
        let finished = finished.clone();
        move |message: String| {
            entry.status.set("error");
            entry.error.set(Some(message));
            finished();
        }
    };
    let (Ok(xhr), Ok(form)) = (XmlHttpRequest::new(), FormData::new()) else {
        fail("Your browser cannot upload files here".into());
        return;
    };
    if form
        .append_with_blob_and_filename("file", &file, &file.name())
        .is_err()
        || xhr.open("POST", "/api/v1/resumes/upload").is_err()
    {
        fail("Could not start the upload".into());
        return;
    }
    let progress = entry.progress;
    let status = entry.status;
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
        if ev.length_computable() && ev.total() > 0.0 {
            progress.set(ev.loaded() / ev.total() * 100.0);
            if ev.loaded() >= ev.total() {
                status.set("analysing");
            }
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    on_progress.forget();
    let done_xhr = xhr.clone();
    let result = entry.result;
    let error = entry.error;
    let finished_load = finished.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        finished_load();
        progress.set(100.0);
        let text = done_xhr.response_text().ok().flatten().unwrap_or_default();
        let code = done_xhr.status().unwrap_or(0);
        if (200..300).contains(&code) {
            match serde_json::from_slice::<Candidate>(text.as_bytes()) {
                Ok(c) => {
                    status.set(match c.analysis_status {
                        AnalysisStatus::Done => "done",
                        AnalysisStatus::Failed => "failed",
                        AnalysisStatus::Pending if c.ocr.is_some() => "scan",
                        AnalysisStatus::Pending => "stored",
                    });
                    result.set(Some(c));
                }
                Err(_) => {
                    status.set("error");
                    error.set(Some("The server's answer could not be read".into()));
                }
            }
        } else {
            // The API's `{"error", "message"}` body.
            let message = serde_json::from_slice::<crate::api::error::ErrorBody>(text.as_bytes())
                .ok()
                .map(|e| e.message)
                .unwrap_or_else(|| format!("Upload failed (status {code})"));
            status.set("error");
            error.set(Some(message));
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        finished();
        status.set("error");
        error.set(Some("The upload failed: check your connection".into()));
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    if xhr.send_with_opt_form_data(Some(&form)).is_err() {
        fail("Could not send the file".into());
    }
}
