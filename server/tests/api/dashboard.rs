//! The Dashboard's data (`services::dashboard::summary`, behind the `get_dashboard` server
//! function): counts by analysis status, the recent candidates, the key in use, the week.
use reqwest::StatusCode;

use crate::db_test;
use crate::helpers::*;

db_test!(
    dashboard_counts_recent_candidates_key_and_week,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        let email = format!("dash-{}@example.com", uuid::Uuid::new_v4().simple());
        let token = app.register(&email).await;
        let other = app
            .register(&format!(
                "other-{}@example.com",
                uuid::Uuid::new_v4().simple()
            ))
            .await;
        let user = hirekey_core::session::AuthUser {
            id: app.user_id(&token).await,
            email,
            name: "Test User".into(),
            is_admin: false,
        };
        let user = hirekey_core::services::workspaces::resolve(&app.state, user, None)
            .await
            .unwrap();

        let empty = hirekey_core::services::dashboard::summary(&app.state, &user)
            .await
            .unwrap();
        assert_eq!(empty.counts.total, 0);
        assert!(empty.recent.is_empty());
        assert_eq!(
            empty.key.key_source, None,
            "no key at all: API key required"
        );
        assert_eq!(empty.usage.days, 7);

        // Without a key the analysis fails; with one, two succeed. Another user's don't count.
        let r = upload_text(&app, &token, "Sam Smith\nSkills: Rust\n").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "failed");
        app.save_groq_key(&token, &groq_key("valid")).await;
        app.save_groq_key(&other, &groq_key("valid")).await;
        upload_text(&app, &other, "Someone Else\nSkills: Go\n").await;
        for text in [
            "Grace Hopper\nCompiler Engineer\ngrace@example.com\nSkills: COBOL, Rust\n",
            "Alan Turing\nResearch Scientist\nalan@example.com\nSkills: Mathematics, Python\n",
        ] {
            let r = upload_text(&app, &token, text).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
        }
        // Usage rows are written in the background.
        let mut s = hirekey_core::services::dashboard::summary(&app.state, &user)
            .await
            .unwrap();
        for _ in 0..100 {
            if s.usage.total_calls >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            s = hirekey_core::services::dashboard::summary(&app.state, &user)
                .await
                .unwrap();
        }
        assert_eq!(s.counts.total, 3);
        assert_eq!(s.counts.analysed, 2);
        assert_eq!(s.counts.failed, 1);
        assert_eq!(s.counts.pending, 0);
        assert_eq!(s.recent.len(), 3);
        assert!(s
            .recent
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at));
        assert!(s.recent.iter().all(|c| !c.name.is_empty()));
        assert!(s.recent.iter().any(|c| c.analysis_status == "failed"));
        assert!(s.recent.iter().all(|c| c.name != "Someone Else"));
        assert_eq!(s.key.key_source, Some(types::profile::KeySource::Personal));
        assert_eq!(s.key.provider, "Groq");
        assert_eq!(s.usage.per_day.len(), 7);
        assert!(s.usage.total_calls >= 2, "{:?}", s.usage);
    }
);
