//! AI chat over the candidate database, semantic search and conversations.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const ADA: &str = "Ada Lovelace\nSenior Python Engineer\nSkills: Python, Django, PostgreSQL\n\
Built Python data pipelines and Django services for 9 years.\n";
const GRACE: &str = "Grace Hopper\nBackend Engineer\nSkills: Java, Go\n\
Wrote a few Python scripts for deployments.\n";
const LINUS: &str = "Linus Tor\nJava Developer\nSkills: Java, Spring, Kafka\n";
const PAT: &str = "Pat Other\nPython Developer\nSkills: Python, FastAPI\n";

/// Uploads a text resume and returns the candidate's id.
async fn candidate(app: &TestApp, token: &str, text: &str) -> String {
    let r = upload_text(app, token, text).await;
    if r.status != StatusCode::CREATED {
        let logs = captured_logs();
        let errors: Vec<&str> = logs.lines().filter(|l| l.contains("ERROR")).collect();
        panic!(
            "upload: {} {}\nserver errors:\n{}",
            r.status,
            r.text,
            errors.join("\n")
        );
    }
    assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn ids(body: &Value) -> Vec<String> {
    body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The answer's text: the `{"token"}` data events of a stream, joined.
fn streamed_text(events: &[(String, String)]) -> String {
    events
        .iter()
        .filter(|(e, d)| e == "message" && d != "[DONE]")
        .map(|(_, d)| {
            let v: Value = serde_json::from_str(d).unwrap();
            v["token"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// What the model was given: the system message holding the candidate context.
fn sent_context(app: &TestApp) -> String {
    let sent = app.chat_requests().pop().unwrap();
    sent.messages
        .iter()
        .find(|m| m.role == "system")
        .map(|m| m.content.clone())
        .unwrap()
}

db_test!(
    skill_question_ranks_own_candidates_on_the_personal_key,
    |app: TestApp| async move {
        let token = app.register("rosa@example.com").await;
        let key = groq_key("valid");
        assert_eq!(app.save_groq_key(&token, &key).await.status, StatusCode::OK);
        let ada = candidate(&app, &token, ADA).await;
        let grace = candidate(&app, &token, GRACE).await;
        let linus = candidate(&app, &token, LINUS).await;
        let other = app.register("other@example.com").await;
        let pat = candidate(&app, &other, PAT).await;
        app.mock.clear();

        let r = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Find Python developers"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            ids(&r.body),
            [ada.clone(), grace.clone()],
            "ranked, Python only"
        );
        let scores: Vec<f64> = r.body["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["score"].as_f64().unwrap())
            .collect();
        assert!(
            scores[0] == 1.0 && scores[1] < 1.0,
            "rank order: {scores:?}"
        );
        assert_eq!(r.body["candidates"][0]["name"], "Ada Lovelace");
        assert!(r.body["candidates"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("python in"));
        assert_eq!(r.body["key_source"], "personal");
        assert!(r.body["conversation_id"].as_str().is_some());
        let response = r.body["response"].as_str().unwrap();
        assert!(response.contains(&ada), "the answer cites ids: {response}");
        assert_eq!(r.body["candidates"][0]["cited"], true);

        // The mock provider saw the user's own key and model, and only their matches.
        let sent = app.chat_requests().pop().unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(key.as_str()));
        assert_eq!(sent.model.as_deref(), Some("llama-3.1-8b-instant"));
        let context = sent_context(&app);
        assert!(context.contains(&ada) && context.contains(&grace));
        assert!(
            !context.contains(&linus),
            "non-matching candidates stay out"
        );
        assert!(
            !context.contains(&pat),
            "another user's candidate never reaches the model"
        );
        assert!(!context.contains("Pat Other"));

        // Semantic search: ranked with reasons, and the answer.
        let s = app
            .post(
                "/api/v1/ai/search",
                &token,
                json!({"query": "python django", "limit": 5}),
            )
            .await;
        assert_eq!(s.status, StatusCode::OK, "{}", s.text);
        assert_eq!(ids(&s.body), [ada.clone(), grace.clone()]);
        assert!(s.body["candidates"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("django in"));
        assert!(s.body["response"].as_str().unwrap().contains(&ada));
        assert_eq!(s.body["key_source"], "personal");
        let one = app
            .post(
                "/api/v1/ai/search",
                &token,
                json!({"query": "python", "limit": 1}),
            )
            .await;
        assert_eq!(ids(&one.body), vec![ada.clone()]);

        // The other user asks the same and sees only their own candidate, on the system key.
        let r = app
            .post(
                "/api/v1/ai/chat",
                &other,
                json!({"query_text": "Find Python developers"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(ids(&r.body), vec![pat.clone()]);
        assert_eq!(r.body["key_source"], "system");
        let sent = app.chat_requests().pop().unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(SYSTEM_KEY));
        assert_eq!(sent.model.as_deref(), Some("llama-3.3-70b-versatile"));
        let context = sent_context(&app);
        assert!(!context.contains(&ada) && !context.contains("Ada Lovelace"));

        // A question nothing matches: no candidates, still an answer.
        let r = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Who knows COBOL?"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(ids(&r.body).is_empty());

        // Usage is metered per feature.
        let rows = app.wait_for_usage_rows(9).await;
        assert!(rows.iter().any(|r| r.feature == "candidate_chat"));
        assert!(rows.iter().any(|r| r.feature == "search"));
    }
);

db_test!(hostile_queries_are_plain_words, |app: TestApp| async move {
    let token = app.register("mallory@example.com").await;
    let ada = candidate(&app, &token, ADA).await;
    for q in [
        r#"python" OR 1=1; --"#,
        "python'; DROP TABLE candidates; --",
        "NEAR(python django) AND * : ^ {}",
        "python & !(java) | <-> :*",
        "% _ \\ \"",
    ] {
        let r = app
            .post("/api/v1/ai/search", &token, json!({"query": q}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
    }
    let r = app
        .post(
            "/api/v1/ai/search",
            &token,
            json!({"query": "python'; DROP TABLE candidates; --"}),
        )
        .await;
    assert_eq!(ids(&r.body), vec![ada.clone()]);
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{ada}"), &token)
            .await
            .status,
        StatusCode::OK
    );
});

db_test!(
    bad_input_and_no_key,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        let token = app.register("nokey@example.com").await;
        // Stored and searchable even though the analysis had no key.
        assert_eq!(
            upload_text(&app, &token, ADA).await.status,
            StatusCode::CREATED
        );
        for (path, body) in [
            (
                "/api/v1/ai/chat",
                json!({"query_text": "Find Python developers"}),
            ),
            ("/api/v1/ai/search", json!({"query": "python"})),
            (
                "/api/v1/ai/chat?stream=true",
                json!({"query_text": "Find Python developers"}),
            ),
        ] {
            let r = app.post(path, &token, body).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text);
            assert_eq!(r.body["error"], "API key required");
            assert!(r.body["message"].as_str().unwrap().contains("API key"));
        }
        assert!(app.chat_requests().is_empty());
        // Nothing was stored for a question that could not be asked.
        let list = app.get("/api/v1/ai/conversations", &token).await;
        assert_eq!(list.body, json!([]));

        app.save_groq_key(&token, &groq_key("valid")).await;
        for (body, status) in [
            (
                json!({"query_text": "   "}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"query_text": "x".repeat(4_001)}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (json!({"nope": 1}), StatusCode::UNPROCESSABLE_ENTITY),
            (
                json!({"query_text": "hi", "conversation_id": "not-a-uuid"}),
                StatusCode::NOT_FOUND,
            ),
            (
                json!({"query_text": "hi", "conversation_id": uuid::Uuid::new_v4().to_string()}),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let r = app.post("/api/v1/ai/chat", &token, body.clone()).await;
            assert_eq!(r.status, status, "{body}: {}", r.text);
            assert!(r.body["error"].is_string() && r.body["message"].is_string());
        }
        for limit in [0, 51] {
            let r = app
                .post(
                    "/api/v1/ai/search",
                    &token,
                    json!({"query": "python", "limit": limit}),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }
        let r = app
            .request(
                Method::POST,
                "/api/v1/ai/chat",
                None,
                Some(json!({"query_text": "hi"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
);

db_test!(streaming_chat_events_in_order, |app: TestApp| async move {
    let token = app.register("stream@example.com").await;
    app.save_groq_key(&token, &groq_key("valid")).await;
    let ada = candidate(&app, &token, ADA).await;
    let (status, events) = sse_events(
        &app,
        &token,
        "/api/v1/ai/chat?stream=true",
        json!({"query_text": "Find Python developers"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{events:?}");
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names.first(), Some(&"candidates"), "{names:?}");
    assert_eq!(names[names.len() - 2], "done", "{names:?}");
    assert_eq!(events.last().unwrap().1, "[DONE]");
    assert!(names[1..names.len() - 2].iter().all(|n| *n == "message"));
    let start: Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(ids(&start), vec![ada.clone()]);
    assert_eq!(start["key_source"], "personal");
    let conversation = start["conversation_id"].as_str().unwrap().to_owned();
    let text = streamed_text(&events);
    assert!(text.contains(&ada), "{text}");
    assert!(events.len() > 4, "the answer came in several tokens");
    let done: Value = serde_json::from_str(&events[events.len() - 2].1).unwrap();
    assert!(done["completion_tokens"].as_i64().unwrap() > 0);
    assert!(app.chat_requests().pop().unwrap().stream);

    // What streamed is what was stored.
    let c = app
        .get(&format!("/api/v1/ai/conversations/{conversation}"), &token)
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let messages = c.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"], "Find Python developers");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["content"], text);
    assert_eq!(messages[1]["id"], done["message_id"]);
    assert_eq!(messages[1]["incomplete"], false);
    assert_eq!(messages[1]["candidates"][0]["id"], ada);

    // Accept: text/event-stream streams search too, with no conversation.
    let res = app
        .http
        .post(format!("{}/api/v1/ai/search", app.url))
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .json(&json!({"query": "python"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.starts_with("event: candidates\n"), "{body}");
    assert!(body.contains("event: done") && body.trim_end().ends_with("data: [DONE]"));
});

db_test!(cut_stream_keeps_what_arrived, |app: TestApp| async move {
    let token = app.register("cut@example.com").await;
    candidate(&app, &token, ADA).await;
    app.store_key_directly(&token, "groq", &groq_key("cutstream"))
        .await;
    let (status, events) = sse_events(
        &app,
        &token,
        "/api/v1/ai/chat?stream=true",
        json!({"query_text": "Find Python developers"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names.first(), Some(&"candidates"));
    assert_eq!(names[names.len() - 2], "error", "{names:?}");
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let error: Value = serde_json::from_str(&events[names.len() - 2].1).unwrap();
    assert_eq!(error["error"], "Stream interrupted");
    let arrived = streamed_text(&events);
    assert!(!arrived.is_empty(), "some tokens arrived before the cut");
    let conversation = serde_json::from_str::<Value>(&events[0].1).unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = app
        .get(&format!("/api/v1/ai/conversations/{conversation}"), &token)
        .await;
    let answer = &c.body["messages"][1];
    assert_eq!(answer["incomplete"], true);
    assert_eq!(answer["content"], arrived);
    assert!(answer["error"].as_str().unwrap().contains("cut off"));

    // A provider that refuses before streaming: the mapped status, the question kept.
    app.store_key_directly(&token, "groq", &groq_key("invalid"))
        .await;
    let r = app
        .post(
            "/api/v1/ai/chat?stream=true",
            &token,
            json!({"query_text": "And Django?", "conversation_id": conversation}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["error"], "Invalid API key");

    // The conversation stays usable with a working key.
    app.save_groq_key(&token, &groq_key("valid")).await;
    let r = app
        .post(
            "/api/v1/ai/chat",
            &token,
            json!({"query_text": "Find Python developers", "conversation_id": conversation}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = app
        .get(&format!("/api/v1/ai/conversations/{conversation}"), &token)
        .await;
    let messages = c.body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant"
        ]
    );
    assert_eq!(messages[2]["content"], "And Django?");
    assert_eq!(messages[3]["incomplete"], true);
    assert_eq!(messages[5]["incomplete"], false);
});

db_test!(
    stopping_a_stream_stores_it_incomplete,
    |app: TestApp| async move {
        use futures::StreamExt;
        let token = app.register("stop@example.com").await;
        candidate(&app, &token, ADA).await;
        app.store_key_directly(&token, "groq", &groq_key("drip"))
            .await;
        let res = app
            .http
            .post(format!("{}/api/v1/ai/chat?stream=true", app.url))
            .bearer_auth(&token)
            .json(&json!({"query_text": "Find Python developers"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let mut body = res.bytes_stream();
        let mut seen = String::new();
        while !seen.contains("\"token\"") {
            seen.push_str(&String::from_utf8_lossy(
                &body.next().await.unwrap().unwrap(),
            ));
        }
        let conversation = seen
            .split("\"conversation_id\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        drop(body); // The stop button: the client goes away mid-answer.

        let mut answer = Value::Null;
        for _ in 0..100 {
            let c = app
                .get(&format!("/api/v1/ai/conversations/{conversation}"), &token)
                .await;
            if c.body["messages"].as_array().unwrap().len() == 2 {
                answer = c.body["messages"][1].clone();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(answer["incomplete"], true, "{answer}");
        assert_eq!(answer["error"], "Stopped");
        assert!(!answer["content"].as_str().unwrap().is_empty());
    }
);

db_test!(
    conversations_follow_up_and_manage,
    |app: TestApp| async move {
        let token = app.register("conv@example.com").await;
        app.save_groq_key(&token, &groq_key("valid")).await;
        let ada = candidate(&app, &token, ADA).await;
        candidate(&app, &token, GRACE).await;
        let first = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Find Python developers"}),
            )
            .await;
        let conversation = first.body["conversation_id"].as_str().unwrap().to_owned();
        let first_answer = first.body["response"].as_str().unwrap().to_owned();

        let follow = app
        .post(
            "/api/v1/ai/chat",
            &token,
            json!({"query_text": "Which of them knows Django?", "conversation_id": conversation}),
        )
        .await;
        assert_eq!(follow.status, StatusCode::OK, "{}", follow.text);
        assert_eq!(follow.body["conversation_id"], conversation.as_str());
        assert_eq!(ids(&follow.body), vec![ada.clone()]);
        // The model saw the earlier turn, then the new question last.
        let sent = app.chat_requests().pop().unwrap();
        let turns: Vec<(&str, &str)> = sent
            .messages
            .iter()
            .map(|m| (m.role.as_str(), m.content.as_str()))
            .collect();
        assert_eq!(turns.len(), 4, "{turns:?}");
        assert_eq!(turns[1], ("user", "Find Python developers"));
        assert_eq!(turns[2], ("assistant", first_answer.as_str()));
        assert_eq!(turns[3], ("user", "Which of them knows Django?"));

        // A follow-up that matches nothing by itself is about the last answer's candidates.
        app.post(
        "/api/v1/ai/chat",
        &token,
        json!({"query_text": "Which of them would you call first?", "conversation_id": conversation}),
    )
    .await;
        assert!(sent_context(&app).contains(&ada));

        let list = app.get("/api/v1/ai/conversations", &token).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body.as_array().unwrap().len(), 1);
        assert_eq!(list.body[0]["title"], "Find Python developers");
        assert_eq!(list.body[0]["message_count"], 6);

        let path = format!("/api/v1/ai/conversations/{conversation}");
        let renamed = app
            .request(
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"title": "  Python\nshortlist "})),
            )
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
        assert_eq!(renamed.body["title"], "Python shortlist");
        let empty = app
            .request(
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"title": " "})),
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Another user cannot open, rename, continue or delete it.
        let eve = app.register("eve@example.com").await;
        app.save_groq_key(&eve, &groq_key("valid")).await;
        assert_eq!(app.get(&path, &eve).await.status, StatusCode::NOT_FOUND);
        let r = app
            .request(
                Method::PATCH,
                &path,
                Some(&eve),
                Some(json!({"title": "mine"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .post(
                "/api/v1/ai/chat",
                &eve,
                json!({"query_text": "hi", "conversation_id": conversation}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(app.delete(&path, &eve).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/ai/conversations", &eve).await.body,
            json!([])
        );

        assert_eq!(
            app.delete(&path, &token).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(app.get(&path, &token).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/ai/conversations", &token).await.body,
            json!([])
        );
    }
);

db_test!(search_index_follows_changes, |app: TestApp| async move {
    let token = app.register("index@example.com").await;
    app.save_groq_key(&token, &groq_key("valid")).await;
    let grace = candidate(&app, &token, GRACE).await;
    let search = |q: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            ids(&app
                .post("/api/v1/ai/search", &token, json!({"query": q}))
                .await
                .body)
        }
    };
    assert_eq!(search("kafka").await, Vec::<String>::new());
    // Replacing the resume re-indexes the candidate.
    let r = upload_to(
        &app,
        &token,
        &format!("/api/v1/resumes/upload/{grace}"),
        "resume.txt",
        "text/plain",
        b"Grace Hopper\nStreaming Engineer\nSkills: Kafka, Go\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(search("kafka").await, vec![grace.clone()]);
    assert_eq!(search("java").await, Vec::<String>::new());
    // Deleting the candidate removes it from the index.
    assert_eq!(
        app.delete(&format!("/api/v1/candidates/{grace}"), &token)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(search("kafka").await, Vec::<String>::new());
});
