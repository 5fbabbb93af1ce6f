//! The outcome of a key test (personal or system): success with response time and model count,
//! or the failure message.
use leptos::prelude::*;

use crate::api::{profile::TestAiKeyResponse, AppError};

#[component]
pub fn TestResult(
    result: Result<TestAiKeyResponse, AppError>,
    testid: &'static str,
) -> impl IntoView {
    match result {
        Ok(r) if r.success => view! {
            <div class="test-result success" role="status" data-testid=testid>
                <strong>"✅ " {r.message}</strong>
                {r.response_time.map(|t| format!(" Response time: {t:.2}s"))}
                {(!r.available_models.is_empty()).then(|| format!(" · {} models available", r.available_models.len()))}
            </div>
        }.into_any(),
        Ok(r) => view! {
            <div class="test-result error" role="alert" data-testid=testid>
                <strong>"❌ " {r.message}</strong>
                {r.response_time.map(|t| format!(" ({t:.2}s)"))}
            </div>
        }.into_any(),
        Err(e) => view! {
            <div class="test-result error" role="alert" data-testid=testid><strong>"❌ " {e.message}</strong></div>
        }.into_any(),
    }
}
