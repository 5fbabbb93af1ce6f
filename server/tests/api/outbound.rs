//! The outbound request policy: a custom provider's base URL that points at a local or private
//! address is refused before anything is sent, whatever its spelling, unless the operator
//! allowed that host; redirects are never followed.
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use reqwest::{Method, StatusCode};
use serde_json::json;
use server::{
    providers::{
        outbound::{GuardedResolver, OutboundPolicy, UrlSource},
        Provider, ProviderClient, ProviderError,
    },
    vault::Secret,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::db_test;
use crate::helpers::*;

const REFUSED: &str = "points to a private or local address; an administrator can allow it with HIREKEY_ALLOWED_PROVIDER_HOSTS";

/// A loopback listener that counts connections and answers each with `reply`.
async fn witness(reply: &'static str) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (addr, hits)
}

const MODELS: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 46\r\nconnection: close\r\n\r\n{\"data\":[{\"id\":\"secret-internal-service-id\"}]}";

db_test!(
    local_addresses_are_refused_in_every_spelling,
    |app: TestApp| async move {
        let token = app.register("ssrf@example.com").await;
        let (addr, hits) = witness(MODELS).await;
        let port = addr.port();
        for base in [
            format!("http://127.0.0.1:{port}/v1"),
            format!("http://localhost:{port}/v1"),
            format!("http://[::ffff:127.0.0.1]:{port}/v1"),
            format!("http://[::ffff:7f00:1]:{port}/v1"),
            format!("http://2130706433:{port}/v1"),
            format!("http://127.1:{port}/v1"),
            format!("http://0.0.0.0:{port}/v1"),
            format!("http://0x7f.1:{port}/v1"),
            "http://169.254.169.254/latest/meta-data".to_owned(),
        ] {
            let calls = [
                (
                    Method::POST,
                    "/api/v1/profile/ai-settings/test",
                    json!({"provider": "custom", "api_key": "local-token", "base_url": base}),
                ),
                (
                    Method::PUT,
                    "/api/v1/profile/ai-settings",
                    json!({"provider": "custom", "personal_groq_api_key": "local-token", "base_url": base}),
                ),
            ];
            for (method, path, body) in calls {
                let answer = app.request(method, path, Some(&token), Some(body)).await;
                assert_eq!(
                    answer.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{path} {base}: {}",
                    answer.text
                );
                let message = answer.body["message"].as_str().unwrap();
                assert!(message.contains(REFUSED), "{path} {base}");
                assert!(!answer.text.contains("secret-internal-service-id"));
            }
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "nothing reached the listener"
        );
        let settings = app.get("/api/v1/profile/ai-settings", &token).await;
        assert_eq!(
            settings.body["has_personal_key"], false,
            "nothing was stored"
        );
    }
);

db_test!(
    an_allowed_local_server_works,
    |s: Spawn| s.allow_mock_host(),
    |app: TestApp| async move {
        let token = app.register("ollama@example.com").await;
        let base = app.mock.url();
        let test = app
            .request(
                Method::POST,
                "/api/v1/profile/ai-settings/test",
                Some(&token),
                Some(json!({"provider": "custom", "api_key": "local-token", "base_url": base})),
            )
            .await;
        assert_eq!(test.status, StatusCode::OK, "{}", test.text);
        assert_eq!(test.body["success"], true, "{}", test.text);
        let save = app
            .request(
                Method::PUT,
                "/api/v1/profile/ai-settings",
                Some(&token),
                Some(json!({"provider": "custom", "personal_groq_api_key": "local-token", "base_url": base})),
            )
            .await;
        assert_eq!(save.status, StatusCode::OK, "{}", save.text);
        let chat = app
            .request(
                Method::POST,
                "/api/ai/chat",
                Some(&token),
                Some(json!({"messages": [{"role": "user", "content": "hello"}]})),
            )
            .await;
        assert_eq!(chat.status, StatusCode::OK, "{}", chat.text);
        // The admin page names the allowed hosts.
        let admin = app.get("/api/v1/admin/ai-config", &token).await;
        let host = base.trim_start_matches("http://");
        assert_eq!(admin.body["allowed_provider_hosts"], json!([host]));
    }
);

#[tokio::test]
async fn redirects_are_not_followed() {
    let (target, hits) = witness(MODELS).await;
    // An allowed local server that answers with a redirect to another local port.
    let redirect: &'static str = Box::leak(
        format!(
            "HTTP/1.1 302 Found\r\nlocation: http://{target}/v1/models\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
        .into_boxed_str(),
    );
    let (bouncer, bounced) = witness(redirect).await;
    let policy = OutboundPolicy::parse(&format!("127.0.0.1:{}", bouncer.port())).unwrap();
    let client = ProviderClient::new(Duration::from_secs(5), policy).unwrap();
    let result = client
        .list_models(
            Provider::Custom,
            &format!("http://{bouncer}/v1"),
            UrlSource::User,
            &Secret::new("local-token"),
        )
        .await;
    assert!(
        matches!(result, Err(ProviderError::Upstream { status: 302, .. })),
        "a redirect is an error, not a model list: {result:?}"
    );
    assert_eq!(bounced.load(Ordering::SeqCst), 1);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );
}

/// A resolver that answers every name with one address, as a hostile DNS server would.
struct FixedResolver(SocketAddr);

impl reqwest::dns::Resolve for FixedResolver {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let addr = self.0;
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs) })
    }
}

#[tokio::test]
async fn a_public_looking_name_that_resolves_to_loopback_is_refused() {
    let (addr, hits) = witness(MODELS).await;
    let resolver = GuardedResolver::around(Arc::new(FixedResolver(addr)));
    let client =
        ProviderClient::with_resolver(Duration::from_secs(5), OutboundPolicy::default(), resolver)
            .unwrap();
    let result = client
        .list_models(
            Provider::Custom,
            &format!("http://models.example.com:{}/v1", addr.port()),
            UrlSource::User,
            &Secret::new("local-token"),
        )
        .await;
    assert_eq!(
        result.err(),
        Some(ProviderError::BlockedAddress(Provider::Custom))
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the listener"
    );
    // The same name, called as an operator-configured URL, is trusted (and not resolved
    // through the guard at all).
    let trusted = client
        .list_models(
            Provider::Custom,
            &format!("http://{addr}/v1"),
            UrlSource::Operator,
            &Secret::new("local-token"),
        )
        .await;
    assert!(trusted.is_ok(), "{trusted:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
