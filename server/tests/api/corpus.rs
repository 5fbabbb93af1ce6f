//! The real-world corpus, `tests/data/corpus/` (see its README.md and MANIFEST.tsv): 8
//! published resumes and 45 damaged or unusual PDFs from pdf.js's and qpdf's test suites, each
//! uploaded as a user would. A resume must give every word of its `expect` column (compared
//! after collapsing every run of Unicode whitespace, NBSP included, to one space); a hostile
//! file gets 201 or a clean 4xx JSON error within 5 s; the server answers `/healthz` after
//! every file. A phrase that starts or ends with a Latin letter or digit counts only as a
//! whole word (`Alan Turing` is not found in `Alan TuringSKILLS`), no resume's text holds a
//! private-use character (U+E000-U+F8FF: icon fonts, small capitals), and the phrases of
//! [`NEVER_IN_TEXT`] (glued columns, fake bold read three times) appear nowhere.
use std::{
    fmt::Write as _,
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::db_test;
use crate::helpers::*;
use crate::manifest::{collapse, manifest, CORPUS, PRODUCED};

/// The longest a hostile file may take to be answered.
const HOSTILE_BUDGET: Duration = Duration::from_secs(5);

/// Resumes that no engine gives all their words, with the words missing. Listed so the test
/// fails when one is fixed: take it off then. None today: `r-billryan-zh.pdf`, whose CJK fonts
/// have no ToUnicode map and whose Chinese pdf-extract drops, is read by the pdf_oxide fallback.
const KNOWN_MISSING: &[(&str, &[&str])] = &[];

/// Text that a resume's reading must not hold: what the layouts once read as.
const NEVER_IN_TEXT: &[(&str, &[&str])] = &[
    // Two columns on a rotated landscape page, glued line to line or column to column.
    (
        "p-enscript-twocol.pdf",
        &["TuringSKILLS", "PROFILEAlan", "Turing SKILLS"],
    ),
    // Fake bold: each glyph (or heading) drawn three times, 0.3 pt apart.
    (
        "p-ghostscript-fakebold-cjk.pdf",
        &[
            "学学",
            "李李",
            "位位",
            "工工",
            "EDUCATIONEDUCATION",
            "EDUCATION EDUCATION",
        ],
    ),
    // A heading drawn whole three times, read by pdf-extract.
    (
        "p-ghostscript-private-use.pdf",
        &[
            "EXPERIENCEEXPERIENCE",
            "EXPERIENCEE",
            "EXPERIENCE EXPERIENCE",
        ],
    ),
];

/// Whether `phrase` occurs in `text`, as a whole word at an edge that is a Latin letter or a
/// digit (scripts written without spaces match anywhere).
fn holds_phrase(text: &str, phrase: &str) -> bool {
    let word_edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let (first, last) = (phrase.chars().next(), phrase.chars().next_back());
    text.match_indices(phrase).any(|(at, found)| {
        let before = text[..at].chars().next_back();
        let after = text[at + found.len()..].chars().next();
        let glued_before = word_edge(first) && before.is_some_and(char::is_alphanumeric);
        let glued_after = word_edge(last) && after.is_some_and(char::is_alphanumeric);
        !glued_before && !glued_after
    })
}

/// What is wrong in a resume's stored text besides missing words: private-use characters,
/// and the phrases [`NEVER_IN_TEXT`] lists for `file`.
fn wrong_text(file: &str, text: &str) -> Vec<String> {
    let mut wrong: Vec<String> = text
        .chars()
        .filter(|c| ('\u{e000}'..='\u{f8ff}').contains(c))
        .map(|c| format!("private-use U+{:04X}", u32::from(c)))
        .collect();
    for (_, phrases) in NEVER_IN_TEXT.iter().filter(|(f, _)| *f == file) {
        wrong.extend(
            phrases
                .iter()
                .filter(|p| text.contains(*p))
                .map(|p| format!("holds {p:?}")),
        );
    }
    wrong
}

/// The expected words that the text of the uploaded resume `r` lacks (all of them when the
/// upload was refused) with what is wrong in it ([`wrong_text`]), and the engine that read it.
async fn absent_words(
    app: &TestApp,
    token: &str,
    file: &str,
    r: &Response,
    expect: &[String],
) -> (Vec<String>, String) {
    let (text, engine) = if r.status == StatusCode::CREATED {
        let id = r.body["id"].as_str().unwrap();
        let detail = app.get(&format!("/api/v1/candidates/{id}"), token).await;
        assert_eq!(detail.status, StatusCode::OK, "{file}: {}", detail.text);
        let engine = detail.body["text_engine"].as_str().unwrap_or_default();
        assert!(
            ["pdf-extract", "pdf_oxide", "docx"].contains(&engine),
            "{file}: the engine is recorded: {}",
            detail.text
        );
        (
            collapse(detail.body["resume_text"].as_str().unwrap()),
            engine.to_owned(),
        )
    } else {
        (String::new(), "refused".to_owned())
    };
    let mut absent: Vec<String> = expect
        .iter()
        .filter(|w| !holds_phrase(&text, &collapse(w)))
        .cloned()
        .collect();
    absent.extend(wrong_text(file, &text));
    if !absent.is_empty() {
        eprintln!("{file}, read by {engine}: {text}");
    }
    (absent, engine)
}

fn owned(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(file, words)| {
            (
                (*file).to_owned(),
                words.iter().map(|w| (*w).to_owned()).collect(),
            )
        })
        .collect()
}

async fn assert_healthy(app: &TestApp, after: &str) {
    let res = app
        .http
        .get(format!("{}/healthz", app.url))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("after {after}: the server does not answer: {e}"));
    assert_eq!(res.status(), StatusCode::OK, "after {after}: /healthz");
}

db_test!(
    every_corpus_file_is_read_or_refused_cleanly,
    |s: Spawn| s
        .env("HIREKEY_MAX_UPLOAD_MB", "5")
        .env("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "1000"),
    |app: TestApp| async move {
        let token = app.register("corpus@example.com").await;
        let entries = manifest(CORPUS);
        assert_eq!(entries.len(), 53, "MANIFEST.tsv lists the 53 files");
        let on_disk = std::fs::read_dir(CORPUS)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
            .count();
        assert_eq!(on_disk, entries.len(), "every PDF is in MANIFEST.tsv");

        let mut missing: Vec<(String, Vec<String>)> = Vec::new();
        let mut report = String::from("file\tstatus\tms\tanswer\n");
        for entry in &entries {
            let file = entry.file.as_str();
            let bytes = std::fs::read(format!("{CORPUS}/{file}")).unwrap();
            let started = Instant::now();
            let r = upload(&app, &token, file, "application/pdf", bytes).await;
            let elapsed = started.elapsed();
            let answer = if r.status == StatusCode::CREATED {
                format!("{} chars", r.body["text_length"])
            } else {
                r.body["message"].as_str().unwrap_or(&r.text).to_owned()
            };
            let _ = writeln!(
                report,
                "{file}\t{}\t{}\t{answer}",
                r.status.as_u16(),
                elapsed.as_millis()
            );

            if file.starts_with("r-") {
                let (absent, engine) = absent_words(&app, &token, file, &r, &entry.expect).await;
                let _ = writeln!(report, "{file}\tread by {engine}");
                if !absent.is_empty() {
                    missing.push((file.to_owned(), absent));
                }
            } else {
                assert!(
                    r.status == StatusCode::CREATED || r.status.is_client_error(),
                    "{file}: {} {}",
                    r.status,
                    r.text
                );
                if r.status != StatusCode::CREATED {
                    assert!(
                        r.body["error"].is_string() && r.body["message"].is_string(),
                        "{file}: not a JSON error: {}",
                        r.text
                    );
                }
                assert!(
                    elapsed < HOSTILE_BUDGET,
                    "{file}: answered in {elapsed:?}, over {HOSTILE_BUDGET:?}"
                );
            }
            assert_healthy(&app, file).await;
        }
        eprintln!("corpus ({:?}):\n{report}", app.kind);

        assert_eq!(
            missing,
            owned(KNOWN_MISSING),
            "the resumes missing expected words changed (a fixed one leaves KNOWN_MISSING)"
        );
    }
);

/// Resumes missing expected words from `tests/data/producers/`, as for [`KNOWN_MISSING`].
/// Chromium's French resume: pdf-extract puts a space after each accented glyph of the bold
/// DejaVu subset (`Hé lè ne Lefè vre`, `donné es`), so its bold name is not found whole; the
/// regular text of the same file reads right. Found by this fixture; not fixed yet.
const KNOWN_MISSING_PRODUCED: &[(&str, &[&str])] =
    &[("p-chromium-fr.pdf", &["Hélène Lefèvre-Dubois"])];

db_test!(
    every_produced_resume_gives_its_words,
    |s: Spawn| s.env("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "1000"),
    |app: TestApp| async move {
        let token = app.register("producers@example.com").await;
        let entries = manifest(PRODUCED);
        let on_disk = std::fs::read_dir(PRODUCED)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("p-"))
            .count();
        assert_eq!(on_disk, entries.len(), "every file is in MANIFEST.tsv");
        assert!(entries.len() >= 6, "the producers' files are there");

        let mut missing: Vec<(String, Vec<String>)> = Vec::new();
        for entry in &entries {
            let file = entry.file.as_str();
            let bytes = std::fs::read(format!("{PRODUCED}/{file}")).unwrap();
            let r = upload(&app, &token, file, "application/octet-stream", bytes).await;
            assert_eq!(r.status, StatusCode::CREATED, "{file}: {}", r.text);
            let (absent, engine) = absent_words(&app, &token, file, &r, &entry.expect).await;
            eprintln!("{file}: read by {engine}");
            if !absent.is_empty() {
                missing.push((file.to_owned(), absent));
            }
        }
        assert_eq!(
            missing,
            owned(KNOWN_MISSING_PRODUCED),
            "the produced resumes missing expected words changed"
        );
    }
);
