//! End-to-end tests of the mock provider over real HTTP.

use anyhow::{anyhow, Context, Result};
use futures::StreamExt;
use mock_provider::{MockProvider, RecordedRequest, DEFAULT_MODELS};
use serde_json::{json, Value};

const KEY: &str = "gsk_test_valid";

fn chat_body(content: &str) -> Value {
    json!({
        "model": "llama-3.1-8b-instant",
        "messages": [{"role": "user", "content": content}],
    })
}

async fn post_chat(mock: &MockProvider, key: &str, body: &Value) -> Result<reqwest::Response> {
    Ok(reqwest::Client::new()
        .post(format!("{}/openai/v1/chat/completions", mock.url()))
        .bearer_auth(key)
        .json(body)
        .send()
        .await?)
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Result<&'a str> {
    response
        .headers()
        .get(name)
        .ok_or_else(|| anyhow!("missing header {name}"))?
        .to_str()
        .context("non-ASCII header")
}

/// Parses an SSE body into its `data:` payloads.
fn sse_data(body: &str) -> Vec<&str> {
    body.split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .collect()
}

fn concat_deltas(payloads: &[&str]) -> Result<String> {
    let mut text = String::new();
    for payload in payloads.iter().filter(|p| **p != "[DONE]") {
        let chunk: Value = serde_json::from_str(payload)?;
        if let Some(piece) = chunk["choices"][0]["delta"]["content"].as_str() {
            text.push_str(piece);
        }
    }
    Ok(text)
}

#[tokio::test]
async fn lists_models_under_every_prefix() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    for prefix in ["", "/openai/v1", "/api/v1"] {
        let response = reqwest::Client::new()
            .get(format!("{}{prefix}/models", mock.url()))
            .bearer_auth(KEY)
            .send()
            .await?;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await?;
        assert_eq!(body["object"], "list");
        let ids: Vec<&str> = body["data"]
            .as_array()
            .ok_or_else(|| anyhow!("data is not an array"))?
            .iter()
            .filter_map(|m| m["id"].as_str())
            .collect();
        assert_eq!(ids, DEFAULT_MODELS);
        assert_eq!(body["data"][0]["context_window"], 131_072);
        assert_eq!(body["data"][0]["owned_by"], "Meta");
    }
    Ok(())
}

#[tokio::test]
async fn answers_chat_with_usage() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let response = post_chat(&mock, KEY, &chat_body("hello there mock")).await?;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await?;
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "llama-3.1-8b-instant");
    assert!(body["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("chatcmpl-mock-")));
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Mock answer to: hello there mock"
    );
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        body["usage"],
        json!({"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9})
    );
    Ok(())
}

#[tokio::test]
async fn rejects_invalid_and_missing_keys() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let expected = r#"{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}"#;
    for key in ["gsk_invalid_1", "sk-or-revoked"] {
        let response = post_chat(&mock, key, &chat_body("hi")).await?;
        assert_eq!(response.status(), 401);
        assert_eq!(response.text().await?, expected);
    }
    let response = reqwest::Client::new()
        .post(format!("{}/chat/completions", mock.url()))
        .json(&chat_body("hi"))
        .send()
        .await?;
    assert_eq!(response.status(), 401);
    assert_eq!(response.text().await?, expected);
    Ok(())
}

#[tokio::test]
async fn rate_limited_key_gets_429_with_retry_after() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let response = post_chat(&mock, "gsk_ratelimit", &chat_body("hi")).await?;
    assert_eq!(response.status(), 429);
    assert_eq!(header(&response, "retry-after")?, "7");
    assert_eq!(header(&response, "x-ratelimit-limit-requests")?, "14400");
    assert_eq!(
        response.text().await?,
        "{\"error\":{\"message\":\"Rate limit reached for model `llama-3.1-8b-instant` in \
         organization `org_mock` on requests per minute (RPM): Limit 30, Used 30, Requested 1. \
         Please try again in 7s.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"
    );
    Ok(())
}

#[tokio::test]
async fn other_failure_modes() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let response = post_chat(&mock, "k-nocredit", &chat_body("hi")).await?;
    assert_eq!(response.status(), 402);
    assert_eq!(
        response.text().await?,
        r#"{"error":{"message":"Insufficient credits","code":402}}"#
    );
    let response = post_chat(&mock, "k-fail500", &chat_body("hi")).await?;
    assert_eq!(response.status(), 500);

    let mut body = chat_body("hi");
    body["model"] = json!("unknown-model");
    let response = post_chat(&mock, KEY, &body).await?;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await?["error"]["code"],
        "model_not_found"
    );

    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/chat/completions", mock.url()))
        .bearer_auth(KEY)
        .body("{not json")
        .send()
        .await?;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await?;
    assert_eq!(body["error"]["type"], "invalid_request_error");
    Ok(())
}

#[tokio::test]
async fn rate_limit_headers_decrement_per_key() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let first = post_chat(&mock, KEY, &chat_body("one two")).await?;
    assert_eq!(header(&first, "x-ratelimit-remaining-requests")?, "14399");
    // 2 prompt words + "Mock answer to: one two" (5 words).
    assert_eq!(header(&first, "x-ratelimit-remaining-tokens")?, "5993");
    assert_eq!(header(&first, "x-ratelimit-limit-tokens")?, "6000");
    assert_eq!(header(&first, "x-ratelimit-reset-requests")?, "2m59.56s");
    assert_eq!(header(&first, "x-ratelimit-reset-tokens")?, "7.66s");
    let second = post_chat(&mock, KEY, &chat_body("one two")).await?;
    assert_eq!(header(&second, "x-ratelimit-remaining-requests")?, "14398");
    let other = post_chat(&mock, "another-key", &chat_body("x")).await?;
    assert_eq!(header(&other, "x-ratelimit-remaining-requests")?, "14399");
    let error = post_chat(&mock, "gsk_invalid", &chat_body("x")).await?;
    assert_eq!(header(&error, "x-ratelimit-remaining-requests")?, "14399");
    Ok(())
}

#[tokio::test]
async fn streams_word_chunks_then_done() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let mut body = chat_body("  stream   this\nplease ");
    body["stream"] = json!(true);
    let response = post_chat(&mock, KEY, &body).await?;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type")?.starts_with("text/event-stream"));
    assert!(response
        .headers()
        .contains_key("x-ratelimit-remaining-tokens"));
    let text = response.text().await?;
    assert!(text.ends_with("data: [DONE]\n\n"));
    let payloads = sse_data(&text);
    let first: Value = serde_json::from_str(payloads[0])?;
    assert_eq!(
        first["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    assert_eq!(
        concat_deltas(&payloads)?,
        "Mock answer to:   stream   this\nplease "
    );
    let last: Value = serde_json::from_str(payloads[payloads.len() - 2])?;
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["usage"]["prompt_tokens"], 3);
    assert_eq!(last["usage"]["completion_tokens"], 6);
    assert_eq!(last["x_groq"]["usage"], last["usage"]);
    // Role chunk, 6 word chunks, final chunk, [DONE].
    assert_eq!(payloads.len(), 9);
    Ok(())
}

#[tokio::test]
async fn cutstream_aborts_without_done() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let mut body = chat_body("a b c d e f g h");
    body["stream"] = json!(true);
    let response = post_chat(&mock, "gsk_cutstream", &body).await?;
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    let mut failed = false;
    while let Some(item) = stream.next().await {
        match item {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the body should end with an error");
    let text = String::from_utf8(received)?;
    assert!(!text.contains("[DONE]"));
    assert!(!sse_data(&text).is_empty());

    // Without streaming, the same key answers normally.
    let response = post_chat(&mock, "gsk_cutstream", &chat_body("hi")).await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn analyzes_resume_as_json() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let resume = "Please analyze.\n<resume>\nMaria Garcia\nTitle: Staff Engineer\n\
        maria.garcia@example.com | (030) 555-1234\nLocation: Madrid, Spain\n\
        Skills: Go, Kubernetes, AWS, Terraform\nOver 12 years building platforms.\n\
        B.Sc Computer Engineering, Universidad Politecnica\n</resume>";
    let response = post_chat(&mock, KEY, &chat_body(resume)).await?;
    let body: Value = response.json().await?;
    let content = body["choices"][0]["message"]["content"]
        .as_str()
        .ok_or_else(|| anyhow!("no content"))?;
    let analysis: Value = serde_json::from_str(content)?;
    assert_eq!(
        analysis,
        json!({
            "name": "Maria Garcia",
            "email": "maria.garcia@example.com",
            "phone": "(030) 555-1234",
            "location": "Madrid, Spain",
            "skills": ["Go", "Kubernetes", "AWS", "Terraform"],
            "years_experience": 12,
            "education": ["B.Sc Computer Engineering, Universidad Politecnica"],
            "current_title": "Staff Engineer",
            "seniority": "senior",
            "summary": "Maria Garcia, Staff Engineer with 12 years of experience in Go, Kubernetes, AWS.",
            "is_resume": true,
        })
    );
    Ok(())
}

#[tokio::test]
async fn answers_from_context() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let body = json!({
        "model": "openai/gpt-oss-20b",
        "messages": [
            {"role": "system", "content": "Answer from context.\n<context>\nAlice Smith - Rust, Tokio, Berlin\nBob Jones - React, TypeScript, Lisbon\n</context>"},
            {"role": "user", "content": "Find rust developers"},
            {"role": "assistant", "content": "..."},
            {"role": "user", "content": "Who knows React?"},
        ],
    });
    let response = post_chat(&mock, KEY, &body).await?;
    let body: Value = response.json().await?;
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Here is what I found:\n- Bob Jones - React, TypeScript, Lisbon"
    );
    Ok(())
}

#[tokio::test]
async fn header_overrides_key_behavior() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let client = reqwest::Client::new();
    let url = format!("{}/openai/v1/chat/completions", mock.url());
    let response = client
        .post(&url)
        .bearer_auth(KEY)
        .header("x-mock-behavior", "ratelimit")
        .json(&chat_body("hi"))
        .send()
        .await?;
    assert_eq!(response.status(), 429);
    // A harmless override lets a "bad" key through.
    let response = client
        .post(&url)
        .bearer_auth("gsk_invalid")
        .header("x-mock-behavior", "none")
        .json(&chat_body("hi"))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let started = std::time::Instant::now();
    let response = client
        .post(&url)
        .bearer_auth(KEY)
        .header("x-mock-behavior", "slow")
        .header("x-mock-delay-ms", "150")
        .json(&chat_body("hi"))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    Ok(())
}

#[tokio::test]
async fn records_requests_and_clears() -> Result<()> {
    let mock = MockProvider::start(0).await?;
    let mut body = chat_body("remember me");
    body["stream"] = json!(true);
    post_chat(&mock, "gsk_invalid_key", &body)
        .await?
        .text()
        .await?;
    reqwest::Client::new()
        .get(format!("{}/api/v1/models", mock.url()))
        .bearer_auth(KEY)
        .send()
        .await?;

    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/openai/v1/chat/completions");
    assert_eq!(requests[0].api_key.as_deref(), Some("gsk_invalid_key"));
    assert_eq!(requests[0].model.as_deref(), Some("llama-3.1-8b-instant"));
    assert!(requests[0].stream);
    assert_eq!(requests[0].messages[0].role, "user");
    assert_eq!(requests[0].messages[0].content, "remember me");
    assert_eq!(requests[1].path, "/api/v1/models");

    let client = reqwest::Client::new();
    let over_http: Vec<RecordedRequest> = client
        .get(format!("{}/__mock/requests", mock.url()))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(over_http, requests);
    let cleared = client
        .delete(format!("{}/__mock/requests", mock.url()))
        .send()
        .await?;
    assert!(cleared.status().is_success());
    assert!(mock.requests().is_empty());
    mock.clear();
    Ok(())
}
