//! `GET /api/docs`: the OpenAPI document as one readable HTML page, rendered on the server
//! (the CSP allows no viewer from a CDN): every path, method, summary, parameter and request and
//! response schema.
use std::fmt::Write as _;

use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped prose, with Markdown's `code` spans as `<code>`.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The anchor of an operation, from its method and path.
fn operation_anchor(method: &str, path: &str) -> String {
    let slug: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("op-{method}{slug}")
}

/// A schema's type as HTML: a link for a reference, `T[]` for arrays, `a | b` for unions.
fn type_html(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let name = escape(name);
        return format!("<a href=\"#schema-{name}\">{name}</a>");
    }
    for (key, joiner) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " &amp; ")] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            return parts.iter().map(type_html).collect::<Vec<_>>().join(joiner);
        }
    }
    let one = |t: &str| -> String {
        match t {
            "array" => format!(
                "{}[]",
                schema
                    .get("items")
                    .map(type_html)
                    .unwrap_or_else(|| "any".into())
            ),
            other => escape(other),
        }
    };
    let mut out = match schema.get("type") {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(one)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => "any".into(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        let _ = write!(out, " ({})", escape(format));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|v| escape(&v.to_string())).collect();
        let _ = write!(out, ": {}", values.join(", "));
    }
    out
}

/// The `content` map of a request body or response as "media type: schema" lines.
fn content_html(content: Option<&Value>) -> String {
    let Some(content) = content.and_then(Value::as_object) else {
        return String::new();
    };
    content
        .iter()
        .map(|(media, body)| {
            let schema = body.get("schema").map(type_html).unwrap_or_default();
            format!("<code>{}</code> {schema}", escape(media))
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn security_html(operation: &Value, doc: &Value) -> String {
    let schemes: Vec<String> = operation
        .get("security")
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array)
        .map(|reqs| {
            reqs.iter()
                .filter_map(Value::as_object)
                .flat_map(|req| req.keys().map(|k| escape(k)))
                .collect()
        })
        .unwrap_or_default();
    if schemes.is_empty() {
        "none (public)".into()
    } else {
        schemes.join(" or ")
    }
}

fn operation_html(out: &mut String, doc: &Value, method: &str, path: &str, operation: &Value) {
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"method {method}\">{}</span> <code>{}</code></h3>",
        operation_anchor(method, path),
        method.to_uppercase(),
        escape(path)
    );
    let summary = text(operation, "summary");
    if !summary.is_empty() {
        let _ = write!(out, "<p class=\"summary\">{}</p>", prose(summary));
    }
    let description = text(operation, "description");
    if !description.is_empty() {
        for paragraph in description.split("\n\n") {
            let _ = write!(out, "<p>{}</p>", prose(paragraph));
        }
    }
    let _ = write!(
        out,
        "<p><strong>Authentication:</strong> {}</p>",
        security_html(operation, doc)
    );
    if let Some(params) = operation.get("parameters").and_then(Value::as_array) {
        out.push_str("<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>");
        for p in params {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(text(p, "name")),
                escape(text(p, "in")),
                p.get("schema").map(type_html).unwrap_or_default(),
                if p.get("required").and_then(Value::as_bool).unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                },
                prose(text(p, "description")),
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(body) = operation.get("requestBody") {
        let _ = write!(
            out,
            "<h4>Request body</h4><p>{}</p>",
            content_html(body.get("content"))
        );
    }
    if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
        out.push_str("<h4>Responses</h4><table><thead><tr><th>Status</th><th>Description</th><th>Body</th></tr></thead><tbody>");
        for (status, response) in responses {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                prose(text(response, "description")),
                content_html(response.get("content")),
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

/// The fields of an object schema, including those of the schemas it flattens (`allOf`).
fn fields_html(out: &mut String, schema: &Value) {
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            if part.get("$ref").is_some() {
                let _ = write!(
                    out,
                    "<tr><td colspan=\"4\">Every field of {}</td></tr>",
                    type_html(part)
                );
            } else {
                fields_html(out, part);
            }
        }
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(name),
                type_html(property),
                if required.contains(&name.as_str()) {
                    "yes"
                } else {
                    "no"
                },
                prose(text(property, "description")),
            );
        }
    }
}

/// The document as an HTML page: operations grouped by tag, then every schema.
pub fn render_docs(doc: &Value) -> String {
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let title = escape(text(&info, "title"));
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<style>{STYLE}</style></head><body><main><h1>{title} <small>{}</small></h1><p>{}</p>\
<p>OpenAPI {}: <a href=\"/api/openapi.json\">/api/openapi.json</a></p>",
        escape(text(&info, "version")),
        prose(text(&info, "description")),
        escape(text(doc, "openapi")),
    );

    // (tag, method, path, operation), in the document's tag order.
    let mut operations: Vec<(String, &str, &str, &Value)> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    let tag = operation
                        .get("tags")
                        .and_then(Value::as_array)
                        .and_then(|t| t.first())
                        .and_then(Value::as_str)
                        .unwrap_or("other")
                        .to_owned();
                    operations.push((tag, method, path.as_str(), operation));
                }
            }
        }
    }
    let mut tags: Vec<(String, String)> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    (
                        text(t, "name").to_owned(),
                        text(t, "description").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for (tag, ..) in &operations {
        if !tags.iter().any(|(name, _)| name == tag) {
            tags.push((tag.clone(), String::new()));
        }
    }

    out.push_str("<h2>Operations</h2><table class=\"toc\"><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead><tbody>");
    for (tag, _) in &tags {
        for (_, method, path, operation) in operations.iter().filter(|o| &o.0 == tag) {
            let _ = write!(
                out,
                "<tr><td><span class=\"method {method}\">{}</span></td><td><a href=\"#{}\"><code>{}</code></a></td><td>{}</td></tr>",
                method.to_uppercase(),
                operation_anchor(method, path),
                escape(path),
                prose(text(operation, "summary")),
            );
        }
    }
    out.push_str("</tbody></table>");

    for (tag, description) in &tags {
        let _ = write!(out, "<h2 id=\"tag-{0}\">{0}</h2>", escape(tag));
        if !description.is_empty() {
            let _ = write!(out, "<p>{}</p>", prose(description));
        }
        for (_, method, path, operation) in operations.iter().filter(|o| &o.0 == tag) {
            operation_html(&mut out, doc, method, path, operation);
        }
    }

    let components = doc.get("components");
    if let Some(schemes) = components
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_object)
    {
        out.push_str("<h2>Authentication</h2><dl>");
        for (name, scheme) in schemes {
            let _ = write!(
                out,
                "<dt><code>{}</code> ({})</dt><dd>{}</dd>",
                escape(name),
                escape(
                    [
                        text(scheme, "type"),
                        text(scheme, "scheme"),
                        text(scheme, "in"),
                        text(scheme, "name")
                    ]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str()
                ),
                prose(text(scheme, "description")),
            );
        }
        out.push_str("</dl>");
    }
    if let Some(schemas) = components
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
    {
        out.push_str("<h2>Schemas</h2>");
        for (name, schema) in schemas {
            let name = escape(name);
            let _ = write!(
                out,
                "<section class=\"schema\" id=\"schema-{name}\"><h3>{name}</h3>"
            );
            let description = text(schema, "description");
            if !description.is_empty() {
                let _ = write!(out, "<p>{}</p>", prose(description));
            }
            let mut rows = String::new();
            fields_html(&mut rows, schema);
            if rows.is_empty() {
                let _ = write!(out, "<p>Type: {}</p>", type_html(schema));
            } else {
                let _ = write!(
                    out,
                    "<table><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>{rows}</tbody></table>"
                );
            }
            out.push_str("</section>");
        }
    }
    out.push_str("</main></body></html>");
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c2430}\
main{max-width:1100px;margin:0 auto;padding:1.5rem}\
h1 small{font-size:.5em;color:#667}\
h2{margin-top:2.5rem;border-bottom:1px solid #d8dde3;padding-bottom:.3rem}\
section{background:#fff;border:1px solid #d8dde3;border-radius:10px;padding:.8rem 1.2rem;margin:1rem 0}\
section h3{margin:.2rem 0}\
.summary{font-weight:600}\
table{border-collapse:collapse;width:100%;margin:.4rem 0}\
th,td{text-align:left;border-bottom:1px solid #e6e9ed;padding:.3rem .5rem;vertical-align:top}\
code{font-family:ui-monospace,monospace;font-size:.92em}\
.method{display:inline-block;min-width:4.2em;text-align:center;border-radius:5px;padding:.1rem .4rem;\
font:600 .8rem ui-monospace,monospace;color:#fff;background:#556}\
.method.get{background:#1f7a4d}.method.post{background:#1d5fa8}.method.put{background:#a86b00}\
.method.delete{background:#b3261e}.method.patch{background:#6b3fa0}\
a{color:#1d5fa8}";

#[cfg(test)]
mod tests {
    use super::super::DOCUMENT;
    use super::*;

    #[test]
    fn prose_escapes_and_marks_code() {
        assert_eq!(prose("a `<b>` c"), "a <code>&lt;b&gt;</code> c");
        assert_eq!(prose("odd ` tick <i>"), "odd ` tick &lt;i&gt;");
    }

    #[test]
    fn the_page_lists_every_documented_operation() {
        let page = render_docs(&DOCUMENT);
        let paths = DOCUMENT["paths"].as_object().cloned().unwrap_or_default();
        assert!(paths.len() > 20);
        for path in paths.keys() {
            assert!(page.contains(&format!("<code>{path}</code>")), "{path}");
        }
        assert!(!page.contains("<script"));
    }
}
