//! The WASM, JS and CSS bundles under `/pkg`: content-hashed names from the site's `hash.txt`,
//! the precompressed copies `make build` writes, and how long browsers may keep each file.
use reqwest::{header, StatusCode};

use crate::helpers::*;

const JS: &str = "Js0123456789abcdefghij";
const WASM: &str = "Wasm_123456789abcdef-X";
const CSS: &str = "Css01234567890abcdefgh";

/// A built site as `make build` leaves it: hashed bundle names, a brotli copy, and the list of
/// hashes beside `pkg/`.
fn hashed_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join(format!("hirekey.{JS}.js")), "export default 1;").unwrap();
    std::fs::write(pkg.join(format!("hirekey.{WASM}.wasm")), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(pkg.join(format!("hirekey.{WASM}.wasm.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("hirekey.{CSS}.css")), "body{}").unwrap();
    std::fs::write(pkg.join("unhashed.js"), "1").unwrap();
    std::fs::write(
        site.path().join("hash.txt"),
        format!("js: {JS}\nwasm: {WASM}\ncss: {CSS}\n"),
    )
    .unwrap();
    site
}

/// The app serving `site`.
async fn serve(site: &tempfile::TempDir) -> TestApp {
    Spawn::new(DbKind::Sqlite)
        .env("LEPTOS_SITE_ROOT", &site.path().display().to_string())
        .start()
        .await
        .unwrap()
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.url))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap()
}

/// A page's HTML, uncompressed.
async fn page(app: &TestApp, path: &str) -> String {
    let res = app
        .http
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    res.text().await.unwrap()
}

fn cache_control(res: &reqwest::Response) -> String {
    res.headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn hashed_bundles_are_named_in_pages_and_cached_for_a_year() {
    let site = hashed_site();
    let app = serve(&site).await;

    // A page that hydrates names the hashed script, module and stylesheet.
    let page = page(&app, "/no-such-page").await;
    assert!(page.contains(&format!("/pkg/hirekey.{JS}.js")), "{page}");
    assert!(
        page.contains(&format!("/pkg/hirekey.{WASM}.wasm")),
        "{page}"
    );
    assert!(page.contains(&format!("/pkg/hirekey.{CSS}.css")), "{page}");
    assert!(!page.contains("/pkg/hirekey.css"), "{page}");

    // The WASM goes out as its brotli copy, to be kept for a year.
    let wasm = fetch(&app, &format!("/pkg/hirekey.{WASM}.wasm")).await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(wasm.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(cache_control(&wasm), "public, max-age=31536000, immutable");
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"brotli bytes");

    let css = fetch(&app, &format!("/pkg/hirekey.{CSS}.css")).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(cache_control(&css).contains("immutable"));

    // A name without a hash may change under the same name: revalidated on every use.
    let plain = fetch(&app, "/pkg/unhashed.js").await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(cache_control(&plain), "no-cache");

    // A hashed name that is not there is not cached as if it were.
    let missing = fetch(&app, "/pkg/hirekey.Zz0123456789abcdefghij.wasm").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(cache_control(&missing), "no-cache");
}

#[tokio::test]
async fn without_a_hash_list_bundles_keep_plain_names_and_are_revalidated() {
    let site = hashed_site();
    std::fs::remove_file(site.path().join("hash.txt")).unwrap();
    let app = serve(&site).await;

    let page = page(&app, "/no-such-page").await;
    assert!(page.contains("/pkg/hirekey.css"), "{page}");
    assert!(!page.contains(JS), "{page}");

    // Even a name that looks hashed: without the list, nothing says it will not change.
    let wasm = fetch(&app, &format!("/pkg/hirekey.{WASM}.wasm")).await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(cache_control(&wasm), "no-cache");
}
