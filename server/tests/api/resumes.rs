//! Resume upload, analysis and the candidate API.
use std::io::Write;

use reqwest::StatusCode;
use serde_json::Value;

use crate::db_test;
use crate::helpers::*;
use crate::pdfs::{self, Expect};

const UPLOAD: &str = "/api/v1/resumes/upload";

// ---- Files -------------------------------------------------------------------------------

fn pdf_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// A PDF from object bodies (object `i + 1` is `objects[i]`), with a correct xref table.
fn assemble_pdf(objects: &[String], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(content: &str) -> String {
    format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

/// Catalog, page tree and Helvetica, then one page (and its content stream) per entry.
fn pdf_objects(page_contents: &[String]) -> Vec<String> {
    let kids: Vec<String> = (0..page_contents.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            page_contents.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    for (i, content) in page_contents.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(stream(content));
    }
    objects
}

fn text_content(lines: &[&str]) -> String {
    let mut content = String::from("BT\n/F1 12 Tf\n72 720 Td\n");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            content.push_str("0 -18 Td\n");
        }
        content.push_str(&format!("({}) Tj\n", pdf_escape(line)));
    }
    content.push_str("ET");
    content
}

/// A valid text PDF: one page per entry, one line of Helvetica text per string.
fn text_pdf(pages: &[&[&str]]) -> Vec<u8> {
    let contents: Vec<String> = pages.iter().map(|lines| text_content(lines)).collect();
    assemble_pdf(&pdf_objects(&contents), "")
}

const PAGE_ONE: &[&str] = &[
    "Jane Doe",
    "Senior Backend Engineer",
    "Email: jane.doe@example.com, Phone: +1 (555) 123-4567",
    "Location: Berlin, Germany",
    "Skills: Rust, Python, PostgreSQL, Kubernetes",
];
const PAGE_TWO: &[&str] = &[
    "Experience: 9 years building distributed systems at Acme.",
    "M.Sc Computer Science, Technical University of Munich",
];

fn resume_pdf() -> Vec<u8> {
    text_pdf(&[PAGE_ONE, PAGE_TWO])
}

/// A PDF whose trailer names an encryption dictionary that the empty password does not open.
fn encrypted_pdf() -> Vec<u8> {
    let mut objects = pdf_objects(&[text_content(&["Secret resume"])]);
    objects.push(format!(
        "<< /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P -44 >>",
        "5A".repeat(32),
        "C3".repeat(32)
    ));
    let encrypt = objects.len();
    assemble_pdf(
        &objects,
        &format!(
            " /Encrypt {encrypt} 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>]"
        ),
    )
}

/// A "scan": a page that only paints a rectangle, with no text operators.
pub(crate) fn image_only_pdf() -> Vec<u8> {
    assemble_pdf(
        &pdf_objects(&["q 0.5 g 72 72 468 648 re f Q".to_owned()]),
        "",
    )
}

fn broken_pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    bytes
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A minimal .docx: the content types and `word/document.xml`, one paragraph per line.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        let body: String = paragraphs
            .iter()
            .map(|p| {
                format!(
                    "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                    xml_escape(p)
                )
            })
            .collect();
        zip.write_all(format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#).as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    buf.into_inner()
}

// ---- Requests ----------------------------------------------------------------------------

async fn download(
    app: &TestApp,
    token: &str,
    id: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .http
        .get(format!("{}/api/v1/candidates/{id}/resume", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn id_of(r: &Response) -> String {
    r.body["id"].as_str().expect("candidate id").to_owned()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

// ---- Tests -------------------------------------------------------------------------------

db_test!(
    pdf_upload_is_analysed_with_the_personal_key,
    |app: TestApp| async move {
        let email = format!("jane-{}@example.com", uuid::Uuid::new_v4().simple());
        let token = app.register(&email).await;
        let key = groq_key("valid");
        app.save_groq_key(&token, &key).await;

        let pdf = resume_pdf();
        let r = upload(&app, &token, "jane.pdf", "application/pdf", pdf.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let c = &r.body;
        assert_eq!(c["analysis_status"], "done", "{}", r.text);
        assert_eq!(c["analysis_error"], Value::Null);
        assert_eq!(c["key_source"], "personal");
        assert_eq!(c["name"], "Jane Doe");
        assert_eq!(c["email"], "jane.doe@example.com");
        assert_eq!(c["phone"], "+1 (555) 123-4567");
        assert_eq!(c["location"], "Berlin, Germany");
        assert_eq!(c["current_title"], "Senior Backend Engineer");
        let skills: Vec<&str> = c["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(skills, ["Rust", "Python", "PostgreSQL", "Kubernetes"]);
        assert_eq!(c["years_experience"].as_f64(), Some(9.0));
        assert_eq!(c["seniority"], "senior");
        assert_eq!(c["truncated"], false);
        assert_eq!(c["file_name"], "jane.pdf");
        assert_eq!(c["content_type"], "application/pdf");
        assert_eq!(c["file_size"].as_u64(), Some(pdf.len() as u64));
        assert!(c["text_length"].as_u64().unwrap() > 100);
        assert!(c["created_at"].as_str().unwrap().ends_with('Z'));
        let id = id_of(&r);
        assert_eq!(
            r.headers.get("location").unwrap(),
            &format!("/api/v1/candidates/{id}")
        );
        assert_eq!(c["download_url"], format!("/api/v1/candidates/{id}/resume"));

        // The mock saw the user's key and the text of both pages inside <resume> tags.
        let sent = app.chat_requests().pop().unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(key.as_str()));
        let prompt = &sent.messages.last().unwrap().content;
        assert!(prompt.contains("<resume>\nJane Doe"), "{prompt}");
        assert!(
            prompt.contains("Technical University of Munich\n</resume>"),
            "{prompt}"
        );
        assert!(captured_logs().contains(&format!("Using personal API key for user: {email}")));
        assert!(!captured_logs().contains(&key));
        let usage = app.wait_for_usage_rows(1).await;
        assert!(usage
            .iter()
            .any(|u| u.feature == "resume_analysis" && u.key_source == "personal"));

        let detail = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
        assert_eq!(detail.status, StatusCode::OK);
        assert_eq!(detail.body["id"], id.as_str());
        assert_eq!(detail.body["name"], "Jane Doe");
        let text = detail.body["resume_text"].as_str().unwrap();
        assert!(text.starts_with("Jane Doe\n"), "{text}");
        assert!(text.contains("Experience: 9 years"), "{text}");

        let (status, headers, bytes) = download(&app, &token, &id).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, pdf);
        assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
        assert_eq!(
            headers.get("content-disposition").unwrap(),
            "attachment; filename=\"jane.pdf\"; filename*=UTF-8''jane.pdf"
        );
    }
);

db_test!(
    without_any_key_the_upload_is_kept_and_analysed_later,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        let token = app.register("nokey-resume@example.com").await;
        let text = "Omar Haddad\nData Engineer\nomar@example.org\nSkills: Python, SQL\n";
        let r = upload_text(&app, &token, text).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "failed");
        assert_eq!(r.body["key_source"], Value::Null);
        let error = r.body["analysis_error"].as_str().unwrap();
        assert!(error.starts_with("API key required"), "{error}");
        assert!(error.contains("API key in settings"), "{error}");
        // The pattern still found the address.
        assert_eq!(r.body["email"], "omar@example.org");
        assert_eq!(r.body["name"], Value::Null);
        assert!(app.chat_requests().is_empty());
        let id = id_of(&r);

        let (status, _, bytes) = download(&app, &token, &id).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, text.as_bytes());
        let detail = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
        assert_eq!(detail.body["resume_text"], text.trim_end());
        assert_eq!(detail.body["analysis_status"], "failed");

        let key = groq_key("valid");
        app.save_groq_key(&token, &key).await;
        let again = app
            .post(
                &format!("/api/v1/candidates/{id}/analyze"),
                &token,
                Value::Null,
            )
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body["id"], id.as_str());
        assert_eq!(again.body["analysis_status"], "done");
        assert_eq!(again.body["analysis_error"], Value::Null);
        assert_eq!(again.body["key_source"], "personal");
        assert_eq!(again.body["name"], "Omar Haddad");
        assert_eq!(again.body["skills"][0], "Python");
        assert_eq!(
            app.chat_requests().pop().unwrap().api_key.as_deref(),
            Some(key.as_str())
        );
    }
);

db_test!(
    provider_faults_leave_a_failed_candidate,
    // Faults that pass are retried in the background: the upload answers `pending` at once.
    |s: Spawn| s.env("HIREKEY_ANALYSIS_WAIT_SECS", "1"),
    |app: TestApp| async move {
        let cases = [
            (
                "invalid",
                "Invalid API key: Your Groq API key was rejected",
                false,
            ),
            (
                "ratelimit",
                "Rate limited: Rate limited by Groq, try again in 7s",
                true,
            ),
            (
                "slow",
                "Provider timeout: Groq did not answer in time",
                true,
            ),
        ];
        for (tag, expected, retried) in cases {
            let token = app.register(&format!("fault-{tag}@example.com")).await;
            let key = groq_key(tag);
            app.store_key_directly(&token, "groq", &key).await;
            let text = format!("Candidate {tag}\nEngineer\nSkills: Go\n");
            let r = upload_text(&app, &token, &text).await;
            assert_eq!(r.status, StatusCode::CREATED, "{tag}: {}", r.text);
            let id = id_of(&r);
            let r = if retried {
                // Until its last attempt has failed too, the candidate stays pending.
                assert_eq!(r.body["analysis_status"], "pending", "{tag}");
                let uuid = id.parse().unwrap();
                crate::jobs::make_next_attempt_the_last(&app.state.db, uuid).await;
                crate::jobs::wait_analysed(&app, &token, uuid).await
            } else {
                r.body
            };
            assert_eq!(r["analysis_status"], "failed", "{tag}");
            assert_eq!(r["analysis_error"], expected, "{tag}");
            assert_eq!(r["key_source"], "personal", "{tag}");
            assert!(!r.to_string().contains(&key));
            let list = app.get("/api/v1/candidates", &token).await;
            assert_eq!(list.body["total"], 1, "{tag}");
            assert_eq!(list.body["items"][0]["analysis_status"], "failed");
            let (status, _, bytes) = download(&app, &token, &id).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(bytes, text.as_bytes());
        }
        let rows = app.wait_for_usage_rows(3).await;
        assert!(rows
            .iter()
            .any(|r| r.feature == "resume_analysis" && r.status == "invalid_key"));
    }
);

db_test!(
    fenced_answers_are_repaired_and_invalid_ones_fail_after_a_retry,
    |app: TestApp| async move {
        let token = app.register("fences@example.com").await;
        let r = upload_text(&app, &token, "Fiona Fence\nMOCK_FENCED\nSkills: Rust\n").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
        assert_eq!(r.body["name"], "Fiona Fence");
        assert_eq!(r.body["key_source"], "system");

        let before = app.chat_requests().len();
        let r = upload_text(&app, &token, "Ivan Invalid\nMOCK_INVALID_JSON\n").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "failed");
        assert!(r.body["analysis_error"]
            .as_str()
            .unwrap()
            .contains("valid analysis JSON"));
        let sent = app.chat_requests();
        assert_eq!(sent.len() - before, 2, "one retry");
        // The retry tells the model what was wrong.
        let retry = sent.last().unwrap();
        assert_eq!(retry.messages.len(), 4);
        assert_eq!(retry.messages[2].role, "assistant");
    }
);

db_test!(
    emails_and_phones_found_by_pattern_win,
    |app: TestApp| async move {
        let token = app.register("pattern@example.com").await;
        // The mock's heuristic takes "plugin@2.0.1" and "2015 - 2024"; the pattern knows better.
        let text = "Pat Pattern\nRelease Engineer\nWorked 2015 - 2024 at Acme, shipped plugin@2.0.1\nContact: pat@example.com, +49 30 1234567\n";
        let r = upload_text(&app, &token, text).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done");
        assert_eq!(r.body["email"], "pat@example.com");
        assert_eq!(r.body["phone"], "+49 30 1234567");
    }
);

db_test!(
    long_resumes_are_cut_to_fit_the_prompt,
    |app: TestApp| async move {
        let token = app.register("longcv@example.com").await;
        // Past the API's 1 MB default body limit, within the 10 MB upload limit.
        let mut text = String::from("Lena Long\nArchitect\n");
        while text.len() < 1_500_000 {
            text.push_str("Designed and operated large systems with Rust and Python.\n");
        }
        let r = upload_text(&app, &token, &text).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done");
        assert_eq!(r.body["name"], "Lena Long");
        assert_eq!(r.body["truncated"], true);
        assert_eq!(r.body["file_size"].as_u64(), Some(text.len() as u64));
        // The stored text is capped; the file is kept whole.
        let stored = r.body["text_length"].as_u64().unwrap();
        assert!((190_000..=200_000).contains(&stored), "{stored}");
        let prompt = &app.chat_requests().pop().unwrap().messages[1].content;
        assert!(prompt.len() < 24_100, "{}", prompt.len());
        let (_, _, bytes) = download(&app, &token, &id_of(&r)).await;
        assert_eq!(bytes.len(), text.len());
    }
);

db_test!(
    uploads_are_checked_before_anything_is_stored,
    |s: Spawn| s.env("HIREKEY_MAX_UPLOAD_MB", "1"),
    |app: TestApp| async move {
        let token = app.register("limits@example.com").await;

        let big = vec![b'a'; 1024 * 1024 + 10];
        let r = upload(&app, &token, "big.txt", "text/plain", big).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        assert_eq!(r.body["error"], "Payload too large");
        assert!(r.body["message"].as_str().unwrap().contains("1 MB"));

        // Far past the limit the declared length alone refuses it.
        let huge = vec![b'a'; 3 * 1024 * 1024];
        let r = upload(&app, &token, "huge.txt", "text/plain", huge).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);

        // Without a declared length (chunked), the body limit stops a huge extra field.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..40).map(|_| Ok(vec![b'x'; 64 * 1024])).collect();
        let padding = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
            futures::stream::iter(chunks),
        ));
        let form = reqwest::multipart::Form::new()
            .part("padding", padding)
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"Tiny Resume".to_vec()).file_name("cv.txt"),
            );
        let res = app
            .http
            .post(format!("{}{UPLOAD}", app.url))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let r = into_response(res).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        assert_eq!(r.body["error"], "Payload too large");

        let r = upload(
            &app,
            &token,
            "resume.pdf",
            "application/pdf",
            b"<html>not a pdf</html>".to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
        assert_eq!(r.body["error"], "Unsupported media type");
        assert!(r.body["message"].as_str().unwrap().contains("not a PDF"));

        let r = upload(
            &app,
            &token,
            "tool.exe",
            "application/octet-stream",
            b"MZ\x90\x00".to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);

        for (name, bytes, expected) in [
            ("locked.pdf", encrypted_pdf(), "encrypted"),
            ("broken.pdf", broken_pdf(), "damaged"),
        ] {
            let r = upload(&app, &token, name, "application/pdf", bytes).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                r.text
            );
            assert_eq!(r.body["error"], "Validation failed");
            assert!(
                r.body["message"].as_str().unwrap().contains(expected),
                "{name}: {}",
                r.text
            );
        }

        let r = app
            .http
            .post(format!("{}{UPLOAD}", app.url))
            .bearer_auth(&token)
            .json(&serde_json::json!({"file": "nope"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let unauthenticated = app
            .http
            .post(format!("{}{UPLOAD}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);

        // Nothing was stored for the refused files.
        assert_eq!(app.get("/api/v1/candidates", &token).await.body["total"], 0);

        // A .docx and a PDF named without an extension are read.
        let r = upload(
            &app,
            &token,
            "dora.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docx(&[
                "Dora Docx",
                "Product Manager",
                "Skills: Roadmaps, SQL, Python",
                "Research & Delivery at <Acme>",
            ]),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["name"], "Dora Docx");
        assert_eq!(r.body["skills"][2], "Python");
        let detail = app
            .get(&format!("/api/v1/candidates/{}", id_of(&r)), &token)
            .await;
        assert_eq!(
            detail.body["resume_text"],
            "Dora Docx\nProduct Manager\nSkills: Roadmaps, SQL, Python\nResearch & Delivery at <Acme>"
        );
        let r = upload(&app, &token, "cv", "application/octet-stream", resume_pdf()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["file_name"], "cv.pdf");
        assert_eq!(app.get("/api/v1/candidates", &token).await.body["total"], 2);
    }
);

db_test!(
    replacing_a_resume_keeps_the_candidate,
    |app: TestApp| async move {
        let token = app.register("replace@example.com").await;
        let first = upload_text(&app, &token, "Rita Old\nJunior Dev\n").await;
        let id = id_of(&first);
        let pdf = resume_pdf();
        let r = upload_to(
            &app,
            &token,
            &format!("{UPLOAD}/{id}"),
            "../../new cv.pdf",
            "application/pdf",
            pdf.clone(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["id"], id.as_str());
        assert_eq!(r.body["name"], "Jane Doe");
        assert_eq!(r.body["file_name"], "new cv.pdf");
        assert_eq!(r.body["created_at"], first.body["created_at"]);
        let (_, _, bytes) = download(&app, &token, &id).await;
        assert_eq!(bytes, pdf);
        assert_eq!(app.get("/api/v1/candidates", &token).await.body["total"], 1);

        let missing = upload_to(
            &app,
            &token,
            &format!("{UPLOAD}/{}", uuid::Uuid::new_v4()),
            "x.txt",
            "text/plain",
            b"Someone".to_vec(),
        )
        .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    listing_search_paging_and_ownership,
    |app: TestApp| async move {
        let token = app.register("lister@example.com").await;
        for text in [
            "Alice Smith\nData Engineer\nSkills: Python, SQL\n",
            "Bob Jones\nFrontend Developer\nSkills: TypeScript, React\nGrew revenue 50% in a year\n",
            "Carol White\nSystems Engineer\nSkills: Rust, Go\nIt's what O'Brien said\n",
        ] {
            let r = upload_text(&app, &token, text).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
        let all = app.get("/api/v1/candidates", &token).await;
        assert_eq!(all.status, StatusCode::OK);
        assert_eq!(all.body["total"], 3);
        assert_eq!(all.body["page"], 1);
        assert_eq!(all.body["per_page"], 20);
        assert_eq!(
            names(&all.body),
            ["Carol White", "Bob Jones", "Alice Smith"]
        );

        let page1 = app.get("/api/v1/candidates?per_page=2", &token).await;
        assert_eq!(names(&page1.body), ["Carol White", "Bob Jones"]);
        assert_eq!(page1.body["total"], 3);
        let page2 = app
            .get("/api/v1/candidates?per_page=2&page=2", &token)
            .await;
        assert_eq!(names(&page2.body), ["Alice Smith"]);
        let capped = app.get("/api/v1/candidates?per_page=1000", &token).await;
        assert_eq!(capped.body["per_page"], 100);
        let bad = app.get("/api/v1/candidates?page=abc", &token).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body["message"].is_string());

        for (q, expected) in [
            ("python", vec!["Alice Smith"]),
            ("PYTHON", vec!["Alice Smith"]),
            ("white", vec!["Carol White"]),
            ("%25", vec!["Bob Jones"]),
            ("50%25", vec!["Bob Jones"]),
            ("_", vec![]),
            ("o'brien", vec!["Carol White"]),
            ("'%20OR%201%3D1%20--", vec![]),
            ("%22%3B%20DROP%20TABLE%20candidates%3B%20--", vec![]),
        ] {
            let r = app.get(&format!("/api/v1/candidates?q={q}"), &token).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            assert_eq!(names(&r.body), expected, "q={q}");
            assert_eq!(r.body["total"], expected.len(), "q={q}");
        }
        assert_eq!(app.get("/api/v1/candidates", &token).await.body["total"], 3);

        // Another user sees none of them and cannot touch them.
        let first_id = all.body["items"][0]["id"].as_str().unwrap().to_owned();
        let other = app.register("intruder@example.com").await;
        let theirs = app.get("/api/v1/candidates", &other).await;
        assert_eq!(theirs.body["total"], 0);
        assert_eq!(
            app.get("/api/v1/candidates?q=python", &other).await.body["total"],
            0
        );
        let base = format!("/api/v1/candidates/{first_id}");
        for r in [
            app.get(&base, &other).await,
            app.get(&format!("{base}/resume"), &other).await,
            app.post(&format!("{base}/analyze"), &other, Value::Null)
                .await,
            app.delete(&base, &other).await,
            upload_to(
                &app,
                &other,
                &format!("{UPLOAD}/{first_id}"),
                "x.txt",
                "text/plain",
                b"Mallory".to_vec(),
            )
            .await,
        ] {
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
            assert_eq!(r.body["error"], "Not found");
        }
        let malformed = app.get("/api/v1/candidates/not-a-uuid", &token).await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.body["error"], "Bad request");
        let unauthenticated = app
            .request(reqwest::Method::GET, "/api/v1/candidates", None, None)
            .await;
        assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);

        // The owner deletes: 204, then gone.
        let deleted = app.delete(&base, &token).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&base, &token).await.status, StatusCode::NOT_FOUND);
        let (status, _, _) = download(&app, &token, &first_id).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/api/v1/candidates", &token).await.body["total"], 2);
    }
);

// ---- Generated PDFs (tests/api/pdfs.rs) --------------------------------------------------

/// The upload limit these tests run with, in MB.
const PDF_TEST_LIMIT_MB: usize = 1;

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The server answers `GET /healthz` with 200.
async fn assert_serving(app: &TestApp, after: &str) {
    let res = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("after {after}: the server does not answer: {e}"));
    assert_eq!(res.status(), StatusCode::OK, "after {after}: /healthz");
}

fn error_label(status: u16) -> &'static str {
    match status {
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Validation failed",
        other => panic!("no label for {other}"),
    }
}

db_test!(
    generated_resume_pdfs_are_read,
    |s: Spawn| s.env("HIREKEY_MAX_UPLOAD_MB", &PDF_TEST_LIMIT_MB.to_string()),
    |app: TestApp| async move {
        let token = app.register("producers@example.com").await;
        let mut read = 0;
        for sample in pdfs::catalogue(PDF_TEST_LIMIT_MB * 1024 * 1024) {
            let Expect::Read {
                name,
                skills,
                lines,
            } = sample.expect
            else {
                continue;
            };
            let label = sample.label;
            let r = upload(
                &app,
                &token,
                sample.file_name,
                "application/pdf",
                sample.bytes.clone(),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text);
            assert_eq!(r.body["analysis_status"], "done", "{label}: {}", r.text);
            assert_eq!(r.body["name"], name, "{label}");
            assert_eq!(strings(&r.body["skills"]), skills, "{label}");
            assert_eq!(r.body["content_type"], "application/pdf", "{label}");
            assert_eq!(r.body["file_name"], sample.file_name, "{label}");
            // The mock was sent the text, name first.
            let prompt = app
                .chat_requests()
                .pop()
                .unwrap()
                .messages
                .last()
                .unwrap()
                .content
                .clone();
            assert!(
                prompt.contains(&format!("<resume>\n{name}\n")),
                "{label}: {prompt}"
            );

            let id = id_of(&r);
            let detail = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
            let text = detail.body["resume_text"].as_str().unwrap();
            for line in lines {
                assert!(
                    text.lines().any(|l| l == *line),
                    "{label} ({} pages): no line {line:?} in\n{text}",
                    sample.pages
                );
            }
            let (status, _, bytes) = download(&app, &token, &id).await;
            assert_eq!(status, StatusCode::OK, "{label}");
            assert_eq!(bytes, sample.bytes, "{label}: the original is kept");
            read += 1;
        }
        assert_eq!(read, 6);

        // Words in other scripts are found by search, on both databases.
        for (q, expected) in [
            ("петрова", "Анна Петрова"),
            ("ΕΛΛΗΝΙΚΆ", "Анна Петрова"),
            ("東京大学", "Анна Петрова"),
            ("garcía", "Tomás García"),
        ] {
            let r = app.get(&format!("/api/v1/candidates?q={q}"), &token).await;
            assert_eq!(r.status, StatusCode::OK, "q={q}: {}", r.text);
            assert_eq!(names(&r.body), [expected], "q={q}");
        }
    }
);

db_test!(
    broken_and_hostile_pdfs_get_clear_errors_and_the_server_keeps_serving,
    |s: Spawn| s.env("HIREKEY_MAX_UPLOAD_MB", &PDF_TEST_LIMIT_MB.to_string()),
    |app: TestApp| async move {
        let token = app.register("hostile-pdfs@example.com").await;
        let catalogue = pdfs::catalogue(PDF_TEST_LIMIT_MB * 1024 * 1024);
        let refused: Vec<_> = catalogue
            .iter()
            .filter_map(|s| match s.expect {
                Expect::Refused { status, message } => Some((s, status, message)),
                Expect::Read { .. } | Expect::Scan => None,
            })
            .collect();
        assert_eq!(refused.len(), 7);
        for &(sample, status, message) in &refused {
            let label = sample.label;
            let r = upload(
                &app,
                &token,
                sample.file_name,
                "application/pdf",
                sample.bytes.clone(),
            )
            .await;
            assert_eq!(r.status.as_u16(), status, "{label}: {}", r.text);
            assert_eq!(r.body["error"], error_label(status), "{label}: {}", r.text);
            let text = r.body["message"]
                .as_str()
                .unwrap_or_else(|| panic!("{label}: {}", r.text));
            assert!(text.contains(message), "{label}: {text}");
            assert_serving(&app, label).await;
        }

        // All of them at once, with a good one among them: each gets its own answer.
        let good = pdfs::one_page();
        let burst = refused
            .iter()
            .map(|&(sample, status, _)| (sample.file_name, sample.bytes.clone(), status))
            .chain([("good.pdf", good, 201)])
            .map(|(name, bytes, status)| {
                let app = &app;
                let token = &token;
                async move {
                    let r = upload(app, token, name, "application/pdf", bytes).await;
                    (name, status, r)
                }
            });
        for (name, status, r) in futures::future::join_all(burst).await {
            assert_eq!(r.status.as_u16(), status, "{name} in a burst: {}", r.text);
        }
        assert_serving(&app, "the burst").await;

        // Nothing was kept of the refused files; the good one was read.
        let list = app.get("/api/v1/candidates", &token).await;
        assert_eq!(list.body["total"], 1, "{}", list.text);
        assert_eq!(names(&list.body), ["Jane Doe"]);
    }
);

db_test!(
    fuzzer_found_pdfs_are_read_by_the_fallback,
    |app: TestApp| async move {
        // Found by `make fuzz` (pdf_extract): page resources whose font entry is misnamed make
        // pdf-extract panic. Its worker turns that into a failed reading, and the pdf_oxide
        // fallback reads the page's visible text.
        let token = app.register("fuzzed@example.com").await;
        let bytes = include_bytes!("../fixtures/fuzz-pdf-resources-without-font.pdf").to_vec();
        let r = upload(&app, &token, "fuzzed.pdf", "application/pdf", bytes).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_serving(&app, "the fuzzed PDF").await;
        let id = r.body["id"].as_str().unwrap();
        let detail = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
        assert_eq!(detail.body["text_engine"], "pdf_oxide", "{}", detail.text);
        assert!(
            detail.body["resume_text"]
                .as_str()
                .unwrap()
                .contains("Skills: Java, Go"),
            "{}",
            detail.text
        );
    }
);
