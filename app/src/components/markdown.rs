//! A deliberately small Markdown renderer for model answers.
//!
//! A model's answer is untrusted text: it can repeat whatever a resume or a question contained.
//! So the text is parsed into a small tree of blocks and inlines and every piece becomes a
//! Leptos text node or a fixed element; no path leads to raw HTML, and `<script>` in an answer
//! shows as the characters `<script>`. Links are kept only for `http(s)://` and same-site `/`
//! addresses, and a candidate id cited in brackets (`[3f1c…]`) becomes a numbered link (`[1]`)
//! to that candidate when the answer drew on them.
use leptos::prelude::*;

use types::chat::CandidateHit;

/// A block of a parsed answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// `#` to `###`: level 1 to 3.
    Heading(u8, Vec<Inline>),
    /// Lines of text; a single line break inside is kept as [`Inline::LineBreak`].
    Paragraph(Vec<Inline>),
    /// `-`/`*` items (`start: None`) or `1.` items (`start: Some(first number)`).
    List {
        start: Option<u32>,
        items: Vec<Vec<Inline>>,
    },
    /// A fenced block, shown exactly as written.
    Code(String),
}

/// Text-level markup inside a block.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Bold(Vec<Inline>),
    Italic(Vec<Inline>),
    /// A link whose address passed [`is_safe_href`].
    Link {
        text: Vec<Inline>,
        href: String,
    },
    /// A cited candidate id that belongs to the answer's candidates.
    Citation(String),
    LineBreak,
}

/// Parses `text` into blocks; `known_ids` are the candidate ids a bracketed citation may name.
pub fn parse_markdown(text: &str, known_ids: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Option<(Option<u32>, Vec<String>)> = None;
    let mut lines = text.lines();

    // Flushing closes whatever paragraph or list is open before another block starts.
    fn flush(
        blocks: &mut Vec<Block>,
        paragraph: &mut Vec<&str>,
        list: &mut Option<(Option<u32>, Vec<String>)>,
        known_ids: &[&str],
    ) {
        if !paragraph.is_empty() {
            let mut inlines = Vec::new();
            for (i, line) in paragraph.iter().enumerate() {
                if i > 0 {
                    inlines.push(Inline::LineBreak);
                }
                inlines.extend(parse_inline(line.trim(), known_ids));
            }
            blocks.push(Block::Paragraph(inlines));
            paragraph.clear();
        }
        if let Some((start, items)) = list.take() {
            let items = items
                .iter()
                .map(|item| parse_inline(item, known_ids))
                .collect();
            blocks.push(Block::List { start, items });
        }
    }

    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            flush(&mut blocks, &mut paragraph, &mut list, known_ids);
            let mut code = Vec::new();
            for code_line in lines.by_ref() {
                if code_line.trim_start().starts_with("```") {
                    break;
                }
                code.push(code_line);
            }
            blocks.push(Block::Code(code.join("\n")));
        } else if trimmed.is_empty() {
            flush(&mut blocks, &mut paragraph, &mut list, known_ids);
        } else if let Some((level, rest)) = heading(trimmed) {
            flush(&mut blocks, &mut paragraph, &mut list, known_ids);
            blocks.push(Block::Heading(level, parse_inline(rest, known_ids)));
        } else if let Some((start, item)) = list_item(trimmed) {
            // A different kind of list (bulleted after numbered) starts a new list.
            if list
                .as_ref()
                .is_some_and(|(open, _)| open.is_some() != start.is_some())
                || !paragraph.is_empty()
            {
                flush(&mut blocks, &mut paragraph, &mut list, known_ids);
            }
            list.get_or_insert_with(|| (start, Vec::new()))
                .1
                .push(item.to_owned());
        } else if let Some((_, items)) = list.as_mut().filter(|_| line.starts_with([' ', '\t'])) {
            // An indented line continues the last item.
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(trimmed);
            }
        } else {
            if list.is_some() {
                flush(&mut blocks, &mut paragraph, &mut list, known_ids);
            }
            paragraph.push(trimmed);
        }
    }
    flush(&mut blocks, &mut paragraph, &mut list, known_ids);
    blocks
}

/// `# x`, `## x`, `### x`; deeper levels stay text.
fn heading(line: &str) -> Option<(u8, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    let rest = line[level..].strip_prefix(' ')?;
    (1..=3).contains(&level).then(|| (level as u8, rest.trim()))
}

/// `- x`, `* x` (start `None`) or `12. x` (start `Some(12)`).
fn list_item(line: &str) -> Option<(Option<u32>, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((None, rest.trim()));
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = line[digits..].strip_prefix(". ")?;
    let start = line[..digits].parse().ok()?;
    Some((Some(start), rest.trim()))
}

/// Parses bold, italic, inline code, links and citations in one line of text.
pub fn parse_inline(text: &str, known_ids: &[&str]) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let parsed = match c {
            '`' => inline_code(rest),
            '*' if rest.starts_with("**") => emphasis(rest, "**", known_ids)
                .map(|(inner, used)| (vec![Inline::Bold(inner)], used)),
            '*' => emphasis(rest, "*", known_ids)
                .map(|(inner, used)| (vec![Inline::Italic(inner)], used)),
            '[' => link(rest, known_ids).or_else(|| citation(rest, known_ids)),
            _ => None,
        };
        let Some((inlines, used)) = parsed else {
            plain.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        rest = &rest[used..];
        for inline in inlines {
            match inline {
                // A rejected link comes back as text: keep it with its neighbours.
                Inline::Text(t) => plain.push_str(&t),
                other => {
                    if !plain.is_empty() {
                        out.push(Inline::Text(std::mem::take(&mut plain)));
                    }
                    out.push(other);
                }
            }
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

/// `` `code` ``: the text between backticks, verbatim.
fn inline_code(rest: &str) -> Option<(Vec<Inline>, usize)> {
    let end = rest[1..].find('`')? + 1;
    (end > 1).then(|| (vec![Inline::Code(rest[1..end].to_owned())], end + 1))
}

/// `**bold**` or `*italic*`: the markers must hug the text, so `2 * 3 * 4` stays text.
/// Returns the parsed inner text and the bytes used.
fn emphasis(rest: &str, marker: &str, known_ids: &[&str]) -> Option<(Vec<Inline>, usize)> {
    let after = &rest[marker.len()..];
    if after.starts_with(char::is_whitespace) || after.starts_with('*') {
        return None;
    }
    let mut search = 0;
    loop {
        let found = after[search..].find('*')? + search;
        let run = after[found..].chars().take_while(|c| *c == '*').count();
        let hugs = after[..found]
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_whitespace());
        // A run of stars closes with its last ones, so `**bold *italic***` nests; an italic
        // does not close on a `**` run, which belongs to a bold inside it.
        let closes = if marker == "**" {
            run >= 2
        } else {
            run == 1 || run >= 3
        };
        if hugs && closes {
            let close = found + run - marker.len();
            let inner = parse_inline(&after[..close], known_ids);
            return Some((inner, marker.len() + close + marker.len()));
        }
        search = found + run;
    }
}

/// `[text](url)`: a link only when the address is safe; otherwise the whole thing stays text.
fn link(rest: &str, known_ids: &[&str]) -> Option<(Vec<Inline>, usize)> {
    let close = rest.find(']')?;
    let after = rest[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let href = after[..end].trim();
    let used = close + 2 + end + 1;
    if !is_safe_href(href) {
        return Some((vec![Inline::Text(rest[..used].to_owned())], used));
    }
    let text = parse_inline(&rest[1..close], known_ids)
        .into_iter()
        // A link inside a link is not allowed in HTML: keep the inner one as its text.
        .flat_map(|inline| match inline {
            Inline::Link { text, .. } => text,
            other => vec![other],
        })
        .collect();
    Some((
        vec![Inline::Link {
            text,
            href: href.to_owned(),
        }],
        used,
    ))
}

/// `[id]` or `[id1, id2]` where every id is one of the answer's candidates.
fn citation(rest: &str, known_ids: &[&str]) -> Option<(Vec<Inline>, usize)> {
    let close = rest.find(']')?;
    let ids: Vec<&str> = rest[1..close].split(',').map(str::trim).collect();
    ids.iter()
        .all(|id| !id.is_empty() && known_ids.contains(id))
        .then(|| {
            let citations = ids
                .iter()
                .map(|id| Inline::Citation((*id).to_owned()))
                .collect();
            (citations, close + 1)
        })
}

/// Only web addresses and same-site paths; `javascript:`, `data:` and protocol-relative
/// `//host` addresses stay text.
pub fn is_safe_href(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    let allowed = lower.starts_with("http://")
        || lower.starts_with("https://")
        || (href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/\\"));
    allowed && !href.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Renders Markdown `text` as Leptos views; citations link to the matching `candidates`.
#[component]
pub fn Markdown(
    #[prop(into)] text: Signal<String>,
    #[prop(into)] candidates: Signal<Vec<CandidateHit>>,
) -> impl IntoView {
    move || {
        candidates.with(|candidates| {
            let ids: Vec<String> = candidates.iter().map(|c| c.id.to_string()).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            text.with(|text| parse_markdown(text, &ids))
                .into_iter()
                .map(|block| block_view(block, candidates))
                .collect_view()
        })
    }
}

fn block_view(block: Block, candidates: &[CandidateHit]) -> AnyView {
    match block {
        Block::Heading(1, inlines) => view! { <h3>{inlines_view(inlines, candidates)}</h3> }.into_any(),
        Block::Heading(2, inlines) => view! { <h4>{inlines_view(inlines, candidates)}</h4> }.into_any(),
        Block::Heading(_, inlines) => view! { <h5>{inlines_view(inlines, candidates)}</h5> }.into_any(),
        Block::Paragraph(inlines) => view! { <p>{inlines_view(inlines, candidates)}</p> }.into_any(),
        Block::List { start: None, items } => view! {
            <ul>{items.into_iter().map(|item| view! { <li>{inlines_view(item, candidates)}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::List { start: Some(start), items } => view! {
            <ol start=start.to_string()>{items.into_iter().map(|item| view! { <li>{inlines_view(item, candidates)}</li> }).collect_view()}</ol>
        }
        .into_any(),
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
    }
}

fn inlines_view(inlines: Vec<Inline>, candidates: &[CandidateHit]) -> Vec<AnyView> {
    inlines
        .into_iter()
        .map(|inline| inline_view(inline, candidates))
        .collect()
}

fn inline_view(inline: Inline, candidates: &[CandidateHit]) -> AnyView {
    match inline {
        Inline::Text(text) => text.into_any(),
        Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
        Inline::Bold(inner) => {
            view! { <strong>{inlines_view(inner, candidates)}</strong> }.into_any()
        }
        Inline::Italic(inner) => view! { <em>{inlines_view(inner, candidates)}</em> }.into_any(),
        Inline::Link { text, href } => {
            // Outside addresses open in a new tab without handing it this page.
            let external = !href.starts_with('/');
            view! {
                <a
                    href=href
                    target=external.then_some("_blank")
                    rel=external.then_some("noopener noreferrer nofollow")
                >
                    {inlines_view(text, candidates)}
                </a>
            }
            .into_any()
        }
        Inline::Citation(id) => {
            // Numbered like the answer's candidate cards, which carry the same numbers.
            let position = candidates.iter().position(|c| c.id.to_string() == id);
            let name = position
                .and_then(|i| candidates.get(i))
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let label =
                position.map_or_else(|| id.chars().take(8).collect(), |i| (i + 1).to_string());
            view! {
                <a
                    class="citation"
                    href=format!("/candidates/{id}")
                    title=name.clone()
                    aria-label=format!("Candidate {label}: {name}")
                    data-testid="citation"
                >
                    {format!("[{label}]")}
                </a>
            }
            .into_any()
        }
        Inline::LineBreak => view! { <br /> }.into_any(),
    }
}

#[cfg(test)]
// A test fails on the first unwrap that does not hold: that is its assertion.
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    #[test]
    fn paragraphs_split_on_blank_lines_and_keep_line_breaks() {
        let blocks = parse_markdown("one\ntwo\n\nthree", &[]);
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph(vec![text("one"), Inline::LineBreak, text("two")]),
                Block::Paragraph(vec![text("three")]),
            ]
        );
    }

    #[test]
    fn headings_up_to_level_three() {
        let blocks = parse_markdown("# One\n## Two\n### Three\n#### Four\n#nospace", &[]);
        assert_eq!(blocks[0], Block::Heading(1, vec![text("One")]));
        assert_eq!(blocks[1], Block::Heading(2, vec![text("Two")]));
        assert_eq!(blocks[2], Block::Heading(3, vec![text("Three")]));
        assert_eq!(
            blocks[3],
            Block::Paragraph(vec![text("#### Four"), Inline::LineBreak, text("#nospace")])
        );
    }

    #[test]
    fn bulleted_and_numbered_lists() {
        let blocks = parse_markdown(
            "Here is what I found:\n- Ada\n* Grace\n  continued\n\n3. first\n4. second",
            &[],
        );
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph(vec![text("Here is what I found:")]),
                Block::List {
                    start: None,
                    items: vec![vec![text("Ada")], vec![text("Grace continued")]],
                },
                Block::List {
                    start: Some(3),
                    items: vec![vec![text("first")], vec![text("second")]],
                },
            ]
        );
    }

    #[test]
    fn a_paragraph_after_a_list_closes_it() {
        let blocks = parse_markdown("- a\nafter", &[]);
        assert_eq!(
            blocks,
            vec![
                Block::List {
                    start: None,
                    items: vec![vec![text("a")]]
                },
                Block::Paragraph(vec![text("after")]),
            ]
        );
    }

    #[test]
    fn fenced_code_is_verbatim() {
        let blocks = parse_markdown("```rust\nlet x = **1**;\n<b>\n```\nafter", &[]);
        assert_eq!(
            blocks,
            vec![
                Block::Code("let x = **1**;\n<b>".to_owned()),
                Block::Paragraph(vec![text("after")]),
            ]
        );
        // An unclosed fence runs to the end (a streaming answer is often mid-fence).
        assert_eq!(
            parse_markdown("```\ncode", &[]),
            vec![Block::Code("code".to_owned())]
        );
    }

    #[test]
    fn bold_italic_and_inline_code() {
        assert_eq!(
            parse_inline("a **bold** and *it* and `x*y*`", &[]),
            vec![
                text("a "),
                Inline::Bold(vec![text("bold")]),
                text(" and "),
                Inline::Italic(vec![text("it")]),
                text(" and "),
                Inline::Code("x*y*".to_owned()),
            ]
        );
        assert_eq!(
            parse_inline("**bold *and italic***", &[]),
            vec![Inline::Bold(vec![
                text("bold "),
                Inline::Italic(vec![text("and italic")])
            ])]
        );
    }

    #[test]
    fn unmatched_markers_stay_text() {
        assert_eq!(parse_inline("2 * 3 * 4", &[]), vec![text("2 * 3 * 4")]);
        assert_eq!(parse_inline("**open", &[]), vec![text("**open")]);
        assert_eq!(parse_inline("`open", &[]), vec![text("`open")]);
        assert_eq!(parse_inline("[open", &[]), vec![text("[open")]);
        assert_eq!(parse_inline("a ** b", &[]), vec![text("a ** b")]);
    }

    #[test]
    fn links_only_for_safe_addresses() {
        assert_eq!(
            parse_inline("see [docs](https://example.com/a) now", &[]),
            vec![
                text("see "),
                Inline::Link {
                    text: vec![text("docs")],
                    href: "https://example.com/a".to_owned()
                },
                text(" now"),
            ]
        );
        assert_eq!(
            parse_inline("[me](/candidates/1)", &[]),
            vec![Inline::Link {
                text: vec![text("me")],
                href: "/candidates/1".to_owned()
            }]
        );
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](data:text/html,hi)",
            "[x](//evil.example)",
            "[x](/\\evil.example)",
            "[x](vbscript:msgbox)",
            "[x](mailto:a@b.c)",
        ] {
            let parsed = parse_inline(bad, &[]);
            assert!(
                parsed.iter().all(|i| !matches!(i, Inline::Link { .. })),
                "{bad} became a link: {parsed:?}"
            );
            let shown: String = parsed
                .iter()
                .map(|i| match i {
                    Inline::Text(t) => t.as_str(),
                    _ => "",
                })
                .collect();
            assert!(shown.starts_with("[x]("), "{bad} lost its text: {parsed:?}");
        }
    }

    #[test]
    fn html_is_only_ever_text() {
        let answer = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>";
        let blocks = parse_markdown(answer, &[]);
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph(vec![text("<script>alert(1)</script>")]),
                Block::Paragraph(vec![text("<img src=x onerror=alert(1)>")]),
            ]
        );
    }

    #[test]
    fn html_renders_escaped() {
        let owner = Owner::new();
        owner.with(|| {
            let html = view! {
                <Markdown
                    text="<img src=x onerror=alert(1)> **<b>hi</b>**".to_owned()
                    candidates=Vec::new()
                />
            }
            .to_html();
            assert!(!html.contains("<img"), "{html}");
            assert!(!html.contains("<b>"), "{html}");
            assert!(
                html.contains("&lt;img src=x onerror=alert(1)&gt;"),
                "{html}"
            );
        });
    }

    #[test]
    fn links_and_citations_render_with_escaped_addresses() {
        let ada = CandidateHit {
            id: uuid::Uuid::from_u128(0x3f1c2b9e_0000_4000_8000_000000000001),
            name: "Ada <Lovelace>".to_owned(),
            ..CandidateHit::default()
        };
        let text = format!(
            "Ada [{}] and [docs](https://example.com/\"onmouseover=alert(1)) and [home](/)",
            ada.id
        );
        let owner = Owner::new();
        owner.with(|| {
            let html = view! { <Markdown text candidates=vec![ada.clone()] /> }.to_html();
            // Hydration markers (`<!>`, more of them with erased components) are not content.
            let html = html.replace("<!>", "");
            assert!(
                html.contains(&format!("href=\"/candidates/{}\"", ada.id)),
                "{html}"
            );
            assert!(html.contains(">[1]</a>"), "{html}");
            assert!(html.contains("title=\"Ada &lt;Lovelace&gt;\""), "{html}");
            assert!(!html.contains("\"onmouseover"), "{html}");
            assert!(
                html.contains("rel=\"noopener noreferrer nofollow\""),
                "{html}"
            );
            assert!(html.contains("href=\"/\""), "{html}");
        });
    }

    #[test]
    fn cited_candidate_ids_become_citations() {
        let ada = "3f1c2b9e-0000-4000-8000-000000000001";
        let bob = "3f1c2b9e-0000-4000-8000-000000000002";
        let known = [ada, bob];
        assert_eq!(
            parse_inline(&format!("Ada [{ada}] fits."), &known),
            vec![
                text("Ada "),
                Inline::Citation(ada.to_owned()),
                text(" fits.")
            ]
        );
        assert_eq!(
            parse_inline(&format!("[{ada}, {bob}]"), &known),
            vec![
                Inline::Citation(ada.to_owned()),
                Inline::Citation(bob.to_owned())
            ]
        );
        // An id the answer did not draw on, or any other bracket, stays text.
        assert_eq!(
            parse_inline("[not-a-candidate] [x]", &known),
            vec![text("[not-a-candidate] [x]")]
        );
    }

    #[test]
    fn multibyte_text_is_kept() {
        assert_eq!(
            parse_inline("Zoë — *café* ✓", &[]),
            vec![
                text("Zoë — "),
                Inline::Italic(vec![text("café")]),
                text(" ✓")
            ]
        );
    }
}
