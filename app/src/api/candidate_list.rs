//! The Candidates page, rendered by the server: the search and filter form (a GET form, so the
//! filters live in the address), the list with a checkbox per candidate, the pager, and the
//! bulk form (add to a job, move to a stage, export as CSV, delete after one confirmation),
//! which posts to [`candidates_bulk`] and comes back with a notice. All of it works without
//! JavaScript, and the page's WASM carries none of it.
use leptos::prelude::*;

use super::AppError;

/// The page's body for `search`, the page address's query string: the search, filters, order
/// and page, and `confirm`, the candidates a deletion waits on (ids, comma-separated).
#[server(prefix = "/sfn")]
pub async fn candidates_html(search: String) -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let (query, confirm) = view::query_of(&search);
    let asked = types::candidates::CandidateQuery {
        per_page: Some(50),
        ..query.clone()
    };
    let page = hirekey_core::services::resumes::list(&call.state, &member, asked).await?;
    let jobs = hirekey_core::services::hiring::list(&call.state, &member).await?;
    let can_work = member.role.can_work();
    let confirm: Vec<String> = confirm
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| uuid::Uuid::parse_str(id.trim()).ok())
        .map(|id| id.to_string())
        .collect();
    Ok(crate::components::server_html::render(move || {
        view::page(query, page, jobs, can_work, confirm)
    }))
}

/// The bulk form: `action` is `add_to_job`, `move_to_stage`, `export` or `delete` (which
/// first comes back asking to confirm, then runs with `confirmed`). `back` is the list's
/// address to return to.
#[server(prefix = "/sfn")]
pub async fn candidates_bulk(
    action: String,
    #[server(default)] ids: Vec<String>,
    job_id: Option<String>,
    stage: Option<String>,
    confirmed: Option<String>,
    back: Option<String>,
) -> Result<(), AppError> {
    use types::candidates::{BulkAction, BulkRequest};
    let back = back
        .as_deref()
        .and_then(crate::words::local_path)
        .filter(|p| p.starts_with("/candidates"))
        .unwrap_or("/candidates")
        .to_owned();
    let go = |key: &str, value: &str| {
        let sep = if back.contains('?') { '&' } else { '?' };
        let pair: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(key, value)
            .finish();
        leptos_axum::redirect(&format!("{back}{sep}{pair}"));
    };
    let outcome = async {
        let (call, member) = super::context::member().await?;
        let ids = ids
            .iter()
            .map(|id| super::parse_id(id, "Candidate"))
            .collect::<Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            return Err(AppError::new(
                422,
                "Validation failed",
                "Select at least one candidate first",
            ));
        }
        let joined = ids
            .iter()
            .map(uuid::Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let action = match action.as_str() {
            "export" => {
                leptos_axum::redirect(&format!("/api/v1/candidates/export?ids={joined}"));
                return Ok(None);
            }
            "delete" if confirmed.as_deref() != Some("yes") => {
                go("confirm", &joined);
                return Ok(None);
            }
            "delete" => BulkAction::Delete,
            "add_to_job" => BulkAction::AddToJob,
            "move_to_stage" => BulkAction::MoveToStage,
            _ => return Err(AppError::new(422, "Validation failed", "Unknown action")),
        };
        let job_id = match job_id.as_deref().map(str::trim).filter(|j| !j.is_empty()) {
            Some(j) => Some(super::parse_id(j, "Job")?),
            None => None,
        };
        let request = BulkRequest {
            action,
            ids,
            job_id,
            stage: stage.filter(|s| !s.trim().is_empty()),
            rejection_reason: None,
        };
        let result = hirekey_core::services::resumes::bulk(&call.state, &member, request).await?;
        let count = |n: u64| crate::words::count(n, "candidate", "candidates");
        Ok(Some(if result.failed.is_empty() {
            format!("Done for {}.", count(result.done))
        } else {
            format!(
                "Done for {}; not done for {}: {}",
                count(result.done),
                result.failed.len(),
                result
                    .failed
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }))
    }
    .await;
    match outcome {
        Ok(Some(notice)) => go("notice", &notice),
        Ok(None) => {}
        Err(e) if e.status == 401 => return Err(e),
        Err(e) => go("error", &e.message),
    }
    Ok(())
}

#[cfg(feature = "ssr")]
mod view {
    use leptos::server_fn::ServerFn;
    use types::candidates::{CandidatePage, CandidateQuery, ListOrder, ListSort};
    use types::hiring::JobList;

    use super::*;
    use crate::pages::upload::CandidateSummary;
    use crate::words::{count, encode};

    /// The list's search, filters, order and page, and the ids a deletion waits on, from the
    /// page address's query string. What does not parse is left out, as a link would be read.
    pub fn query_of(search: &str) -> (CandidateQuery, Option<String>) {
        let mut query = CandidateQuery::default();
        let mut confirm = None;
        for (key, value) in url::form_urlencoded::parse(search.as_bytes()) {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "q" => query.q = Some(value),
                "cursor" => query.cursor = Some(value),
                "skill" => query.skill = Some(value),
                "seniority" => query.seniority = Some(value),
                "job" => query.job = Some(value),
                "stage" => query.stage = Some(value),
                "page" => query.page = value.parse().ok().filter(|p| (1..=100_000).contains(p)),
                "min_years" => {
                    query.min_years = value.parse().ok().filter(|y| (0.0..=80.0).contains(y))
                }
                "sort" => query.sort = ListSort::parse(&value),
                "confirm" => confirm = Some(value),
                _ => {}
            }
        }
        if query.job.is_none() {
            query.stage = None;
        }
        (query, confirm)
    }

    /// The list's address for a query, with `page` and `cursor` replaced.
    pub fn list_href(query: &CandidateQuery, page: u64, cursor: Option<&str>) -> String {
        let mut parts = Vec::new();
        let mut push = |name: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", encode(&v)));
            }
        };
        push("q", query.q.clone());
        push("skill", query.skill.clone());
        push("seniority", query.seniority.clone());
        push("min_years", query.min_years.map(|y| y.to_string()));
        push("job", query.job.clone());
        push("stage", query.stage.clone());
        push(
            "sort",
            query
                .sort
                .filter(|s| *s != ListSort::Newest)
                .map(|s| s.as_str().to_owned()),
        );
        if page > 1 {
            push("page", Some(page.to_string()));
        }
        push("cursor", cursor.map(str::to_owned));
        if parts.is_empty() {
            "/candidates".to_owned()
        } else {
            format!("/candidates?{}", parts.join("&"))
        }
    }

    /// Every stage name of the workspace's jobs, once each, in order.
    fn stage_names(jobs: &JobList) -> Vec<String> {
        let mut names: Vec<String> = jobs
            .items
            .iter()
            .flat_map(|j| j.stages.iter().map(|s| s.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn filters(query: &CandidateQuery, jobs: &JobList) -> impl IntoView {
        let stage_names = stage_names(jobs);
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let seniority = text(&query.seniority);
        let job = text(&query.job);
        let stage = text(&query.stage);
        let sort = query.sort.unwrap_or_default();
        let filtered = query.is_filtered();
        view! {
            <section class="card">
                <form method="get" action="/candidates" data-testid="filters-form">
                    <div class="row">
                        <input type="search" name="q" placeholder="Search name, skills or resume text" value=text(&query.q) aria-label="Search candidates" />
                        <button type="submit" class="primary">"Search"</button>
                    </div>
                    <div class="row filters" data-testid="filters">
                        <label>"Skill " <input type="text" name="skill" value=text(&query.skill) size="12" /></label>
                        <label>"Seniority "
                            <select name="seniority">
                                <option value="">"Any"</option>
                                {["junior", "mid", "senior", "lead"].into_iter().map(|s| view! {
                                    <option value=s selected={seniority.eq_ignore_ascii_case(s)}>{s}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Years at least " <input type="number" name="min_years" min="0" max="80" step="1"
                            value=query.min_years.map(|y| y.to_string()).unwrap_or_default() class="narrow-input" /></label>
                        <label>"Job "
                            <select name="job">
                                <option value="">"Any"</option>
                                {jobs.items.iter().map(|j| {
                                    let id = j.id.to_string();
                                    let selected = id == job;
                                    view! { <option value=id selected=selected>{j.title.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Stage "
                            <select name="stage">
                                <option value="">"Any"</option>
                                {stage_names.into_iter().map(|n| {
                                    let selected = n.eq_ignore_ascii_case(&stage);
                                    view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Sort "
                            <select name="sort">
                                {ListSort::ALL.into_iter().map(|s| view! {
                                    <option value=s.as_str() selected={s == sort}>{s.label()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="secondary">"Apply"</button>
                        {filtered.then(|| view! { <a href="/candidates" data-testid="clear-filters">"Clear"</a> })}
                    </div>
                </form>
            </section>
        }
    }

    /// The bulk form, which the list's checkboxes belong to (`form="bulk-form"`).
    fn bulk_form(jobs: &JobList, back: &str, confirm: &[String]) -> impl IntoView {
        let stage_names = stage_names(jobs);
        let has_jobs = !jobs.items.is_empty();
        let action = CandidatesBulk::url();
        view! {
            <section class="card bulk-bar" aria-label="Selected candidates" data-testid="bulk-bar">
                {(!confirm.is_empty()).then(|| view! {
                    <form method="post" action=action class="row" role="alert" data-testid="bulk-confirm">
                        <input type="hidden" name="back" value=back.to_owned() />
                        <input type="hidden" name="confirmed" value="yes" />
                        {confirm.iter().enumerate().map(|(i, id)| view! {
                            <input type="hidden" name=format!("ids[{i}]") value=id.clone() />
                        }).collect_view()}
                        <span>{format!("Delete {} and their resumes?", count(confirm.len() as u64, "candidate", "candidates"))}</span>
                        <button type="submit" name="action" value="delete" class="danger" data-testid="bulk-delete-confirm">"Yes, delete"</button>
                        <a href=back.to_owned()>"Cancel"</a>
                    </form>
                })}
                <form id="bulk-form" method="post" action=action class="row">
                    <input type="hidden" name="back" value=back.to_owned() />
                    <span class="muted">"With the selected candidates:"</span>
                    {has_jobs.then(|| view! {
                        <label>"Job "
                            <select name="job_id" data-testid="bulk-job">
                                {jobs.items.iter().map(|j| view! { <option value=j.id.to_string()>{j.title.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" name="action" value="add_to_job" class="secondary" data-testid="bulk-add">"Add to job"</button>
                        <label>"Stage "
                            <select name="stage" data-testid="bulk-stage">
                                {stage_names.into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" name="action" value="move_to_stage" class="secondary" data-testid="bulk-move">"Move to stage"</button>
                    })}
                    <button type="submit" name="action" value="export" class="secondary" data-testid="bulk-export">"Export CSV"</button>
                    <button type="submit" name="action" value="delete" class="danger" data-testid="bulk-delete">"Delete"</button>
                </form>
            </section>
        }
    }

    pub fn page(
        query: CandidateQuery,
        p: CandidatePage,
        jobs: JobList,
        can_work: bool,
        confirm: Vec<String>,
    ) -> impl IntoView {
        let number = p.page;
        let q = query.q.clone().unwrap_or_default();
        let back = list_href(&query, number, query.cursor.as_deref());
        let list = if p.items.is_empty() {
            if number > 1 {
                view! {
                    <p class="muted" data-testid="list-empty">"No more candidates. "
                        <a href=list_href(&query, 1, None)>"Back to the first page"</a></p>
                }
                .into_any()
            } else if !q.is_empty() || query.is_filtered() {
                view! {
                    <p class="muted" data-testid="list-empty">"No candidates match. "
                        <a href="/candidates" data-testid="clear-search">"Clear the search"</a></p>
                }
                .into_any()
            } else {
                view! {
                    <p class="muted" data-testid="list-empty">"No candidates yet. " <a href="/upload">"Upload a resume"</a></p>
                }
                .into_any()
            }
        } else {
            let first = (number - 1) * p.per_page + 1;
            let last = first + p.items.len() as u64 - 1;
            let about = if p.total_estimated { "about " } else { "" };
            let noun = if q.is_empty() && !query.is_filtered() {
                ("candidate", "candidates")
            } else {
                ("match", "matches")
            };
            let newest = !q.is_empty() && p.order == ListOrder::Newest && !query.is_filtered();
            let next = match &p.next_cursor {
                Some(c) => Some(list_href(&query, number + 1, Some(c))),
                None if query.is_filtered() && last < p.total => {
                    Some(list_href(&query, number + 1, None))
                }
                None => None,
            };
            view! {
                <p class="muted" data-testid="list-count">
                    {if first == 1 && next.is_none() {
                        count(p.total, noun.0, noun.1)
                    } else {
                        format!("{first}–{last} of {about}{}", count(p.total, noun.0, noun.1))
                    }}
                    {newest.then_some(", newest first")}
                </p>
                {can_work.then(|| bulk_form(&jobs, &back, &confirm))}
                <ul class="candidate-list">
                    {p.items.into_iter().enumerate().map(|(i, c)| {
                        let label = format!("Select {}", c.analysis.name.clone().unwrap_or_else(|| c.file_name.clone()));
                        view! {
                            <li class="card selectable" data-testid="candidate-card">
                                {can_work.then(|| view! {
                                    <input type="checkbox" class="select-box" form="bulk-form" name=format!("ids[{i}]")
                                        value=c.id.to_string() aria-label=label data-testid="select-candidate" />
                                })}
                                <CandidateSummary candidate=c />
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {(number > 1 || next.is_some()).then(|| view! {
                    <nav class="pager row" aria-label="Pages">
                        {(number > 1).then(|| view! { <a href=list_href(&query, 1, None) data-testid="first-page">"← First page"</a> })}
                        {next.map(|href| view! { <a href=href rel="next" data-testid="next-page">"Next page →"</a> })}
                    </nav>
                })}
            }
            .into_any()
        };
        view! {
            {filters(&query, &jobs)}
            {list}
        }
    }
}
