//! The usage chart: server-rendered SVG bars, readable without JavaScript.
use leptos::prelude::*;

use types::usage::DayUsage;

#[component]
pub fn UsageChart(days: Vec<DayUsage>) -> impl IntoView {
    // Nothing to draw: a line instead of an empty frame.
    if days.iter().all(|d| d.calls == 0) {
        return view! { <p class="muted" data-testid="usage-chart-empty">"No AI calls in this period"</p> }
            .into_any();
    }
    let width = 640.0_f64;
    let height = 160.0_f64;
    let max = days.iter().map(|d| d.calls).max().unwrap_or(0).max(1) as f64;
    let slot = width / days.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = d.calls as f64 / max * (height - 20.0);
            let err_h = d.errors as f64 / max * (height - 20.0);
            let x = i as f64 * slot + (slot - bar) / 2.0;
            let title = format!("{}: {} calls, {} errors, {} tokens", d.date, d.calls, d.errors, d.tokens);
            view! {
                <g>
                    <title>{title}</title>
                    <rect x=format!("{x:.1}") y=format!("{:.1}", height - h) width=format!("{bar:.1}") height=format!("{h:.1}") class="bar-calls" />
                    <rect x=format!("{x:.1}") y=format!("{:.1}", height - err_h) width=format!("{bar:.1}") height=format!("{err_h:.1}") class="bar-errors" />
                </g>
            }
        })
        .collect_view();
    let first = days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.date.clone()).unwrap_or_default();
    view! {
        <figure class="usage-chart">
            <svg viewBox=format!("0 0 {width} {}", height + 16.0) role="img" aria-label="AI calls per day">
                <line x1="0" y1=height x2=width y2=height class="axis" />
                {bars}
                <text x="0" y=height + 14.0 class="axis-label">{first}</text>
                <text x=width y=height + 14.0 text-anchor="end" class="axis-label">{last}</text>
            </svg>
            <figcaption>"Calls per day (errors in red), peak " {max as u64}</figcaption>
        </figure>
    }
    .into_any()
}
