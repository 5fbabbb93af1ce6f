//! How much of a candidate's identity blind-screening redaction
//! (`services::screening::redact`) removes, measured on a hand-labelled set.
//!
//! `tests/data/redaction/labels.tsv` lists, per resume, the exact strings that must leave the
//! text (`file`, `kind` as `Kind::as_str`, `expected string`); `survive.tsv` the strings that
//! must stay (skills, year ranges, companies, job titles). The resumes are the text-bearing
//! fixtures of `server/tests/data/producers` and `server/tests/data/corpus` (read as the app
//! reads them: pdf-extract, then pdf_oxide when that reading is implausibly short) and the
//! synthetic resumes in `tests/data/redaction/synthetic`.
//!
//! Recall per kind = labelled strings no longer in the redacted text (case-insensitive) /
//! labelled strings. Every labelled string must be in the text before redaction, so a label
//! cannot pass by being misspelt. The table is printed, and written to
//! `target/redaction-recall.tsv`; the extracted and redacted texts go to `target/redaction/`.
//!
//! Two passes: with no names known (the heuristics alone: first line, `Name:` labels), and with
//! the names the app would pass (`names.tsv`: the analysed name and the e-mail's local part).
// A test prints its table and stops on a broken fixture.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use hirekey_core::services::{
    extract::{extract_parts, DocumentKind, Engine, FALLBACK_MARGIN, MIN_LETTERS_PER_PAGE},
    screening::redact::{redact, Kind},
};

fn core_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data_dir() -> PathBuf {
    core_dir().join("tests/data/redaction")
}

fn target_dir() -> PathBuf {
    core_dir().join("../target")
}

/// The text of a labelled file: a synthetic resume (`synthetic/…`) or a server fixture
/// (`producers/…`, `corpus/…`), read as the app reads it.
fn load(file: &str) -> String {
    if file.starts_with("synthetic/") {
        return fs::read_to_string(data_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let path = core_dir().join("../server/tests/data").join(file);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = DocumentKind::detect(name, "", &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    let primary = extract_parts(kind, Engine::primary(kind), &bytes);
    if kind != DocumentKind::Pdf {
        return primary.unwrap_or_else(|e| panic!("{file}: {e}")).text;
    }
    let letters = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
    let short = match &primary {
        Ok(read) => letters(&read.text) < MIN_LETTERS_PER_PAGE * read.pages.max(1) as usize,
        Err(_) => true,
    };
    if !short {
        return primary.map(|r| r.text).unwrap_or_default();
    }
    let second = extract_parts(kind, Engine::PdfOxide, &bytes);
    match (primary, second) {
        (Ok(first), Ok(second)) => {
            if letters(&second.text) as f64 >= letters(&first.text) as f64 * FALLBACK_MARGIN {
                second.text
            } else {
                first.text
            }
        }
        (Err(_), Ok(second)) => second.text,
        (Ok(first), Err(_)) => first.text,
        (Err(e), Err(_)) => panic!("{file}: {e}"),
    }
}

/// The rows of a TSV file, without blank lines and `#` comments.
fn rows(name: &str) -> Vec<Vec<String>> {
    let path = data_dir().join(name);
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

struct Label {
    file: String,
    kind: Kind,
    expected: String,
}

fn labels() -> Vec<Label> {
    rows("labels.tsv")
        .into_iter()
        .map(|r| {
            assert_eq!(r.len(), 3, "labels.tsv: three columns: {r:?}");
            Label {
                file: r[0].clone(),
                kind: Kind::parse(&r[1]).unwrap_or_else(|| panic!("labels.tsv: kind {:?}", r[1])),
                expected: r[2].clone(),
            }
        })
        .collect()
}

/// Case-insensitive `contains`, whitespace runs as one space.
fn contains(haystack: &str, needle: &str) -> bool {
    let squash = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    squash(haystack).contains(&squash(needle))
}

struct Tally {
    labelled: usize,
    redacted: usize,
}

/// Redacts every file with `names_of(file)`; per-kind tallies and the misses.
fn measure(
    texts: &BTreeMap<String, String>,
    labels: &[Label],
    names_of: &dyn Fn(&str) -> Vec<String>,
    dump: bool,
) -> (BTreeMap<Kind, Tally>, Vec<String>) {
    let mut redacted_texts = BTreeMap::new();
    for (file, text) in texts {
        let names = names_of(file);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let r = redact(text, &names);
        if dump {
            let out = target_dir().join("redaction");
            let stem = file.replace('/', "__");
            let _ = fs::create_dir_all(&out);
            let _ = fs::write(out.join(format!("{stem}.redacted.txt")), &r.text);
        }
        redacted_texts.insert(file.clone(), r.text);
    }
    let mut tallies: BTreeMap<Kind, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for label in labels {
        let redacted = &redacted_texts[&label.file];
        let tally = tallies.entry(label.kind).or_insert(Tally {
            labelled: 0,
            redacted: 0,
        });
        tally.labelled += 1;
        if contains(redacted, &label.expected) {
            misses.push(format!(
                "{}\t{}\t{}",
                label.file,
                label.kind.as_str(),
                label.expected
            ));
        } else {
            tally.redacted += 1;
        }
    }
    (tallies, misses)
}

fn table(tallies: &BTreeMap<Kind, Tally>) -> String {
    let mut out = String::from("kind\tlabelled\tredacted\trecall\n");
    let (mut all, mut hit) = (0, 0);
    for (kind, t) in tallies {
        let recall = t.redacted as f64 / t.labelled.max(1) as f64;
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{recall:.3}",
            kind.as_str(),
            t.labelled,
            t.redacted
        );
        all += t.labelled;
        hit += t.redacted;
    }
    let _ = writeln!(
        out,
        "all\t{all}\t{hit}\t{:.3}",
        hit as f64 / all.max(1) as f64
    );
    out
}

fn check(tallies: &BTreeMap<Kind, Tally>, misses: &[String], pass: &str) {
    let mut failed = Vec::new();
    for (kind, t) in tallies {
        let recall = t.redacted as f64 / t.labelled.max(1) as f64;
        let floor = match kind {
            Kind::Name | Kind::Email | Kind::Phone | Kind::Url => 0.9,
            _ if t.labelled >= 5 => 0.8,
            _ => 0.0,
        };
        if recall < floor {
            failed.push(format!("{}: recall {recall:.3} < {floor}", kind.as_str()));
        }
    }
    assert!(
        failed.is_empty(),
        "{pass}: {}\nmissed:\n{}",
        failed.join("; "),
        misses.join("\n")
    );
}

#[test]
fn redaction_recall_and_precision() {
    let labels = labels();
    let mut files: BTreeSet<String> = labels.iter().map(|l| l.file.clone()).collect();
    let survive = rows("survive.tsv");
    files.extend(survive.iter().map(|r| r[0].clone()));
    let names_rows = rows("names.tsv");
    files.extend(names_rows.iter().map(|r| r[0].clone()));
    let texts: BTreeMap<String, String> = files.iter().map(|f| (f.clone(), load(f))).collect();
    let out = target_dir().join("redaction");
    let _ = fs::create_dir_all(&out);
    for (file, text) in &texts {
        let _ = fs::write(out.join(format!("{}.txt", file.replace('/', "__"))), text);
    }

    // Every label is in its text before redaction.
    let absent: Vec<String> = labels
        .iter()
        .filter(|l| !contains(&texts[&l.file], &l.expected))
        .map(|l| format!("{}\t{}\t{}", l.file, l.kind.as_str(), l.expected))
        .collect();
    assert!(
        absent.is_empty(),
        "labels not found in their text:\n{}",
        absent.join("\n")
    );

    let kinds_seen: BTreeSet<Kind> = labels.iter().map(|l| l.kind).collect();
    assert_eq!(kinds_seen.len(), Kind::ALL.len(), "every kind has labels");

    // Pass 1: nothing known of the person.
    let (blind, blind_misses) = measure(&texts, &labels, &|_| Vec::new(), true);
    // Pass 2: the names the app passes.
    let known: BTreeMap<String, Vec<String>> =
        names_rows.iter().fold(BTreeMap::new(), |mut m, r| {
            m.entry(r[0].clone())
                .or_insert_with(Vec::new)
                .extend(r[1..].iter().cloned());
            m
        });
    let (named, named_misses) = measure(
        &texts,
        &labels,
        &|file| known.get(file).cloned().unwrap_or_default(),
        false,
    );

    let blind_table = table(&blind);
    let named_table = table(&named);
    println!(
        "\nRedaction recall, {} files, {} labels\n\nno names known:\n{blind_table}\nwith the app's names:\n{named_table}",
        texts.len(),
        labels.len()
    );
    if !blind_misses.is_empty() {
        println!("missed with no names known:\n{}\n", blind_misses.join("\n"));
    }
    if !named_misses.is_empty() {
        println!(
            "missed with the app's names:\n{}\n",
            named_misses.join("\n")
        );
    }
    let _ = fs::write(
        target_dir().join("redaction-recall.tsv"),
        format!("# no names known\n{blind_table}# with the app's names\n{named_table}"),
    );

    // Precision: what must stay, stays.
    let mut lost = Vec::new();
    for r in &survive {
        let (file, keep) = (&r[0], &r[1]);
        let text = &texts[file];
        assert!(
            contains(text, keep),
            "survive.tsv: {keep:?} is not in {file}"
        );
        for names in [Vec::new(), known.get(file).cloned().unwrap_or_default()] {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            if !contains(&redact(text, &names).text, keep) {
                lost.push(format!("{file}\t{keep}"));
                break;
            }
        }
    }
    println!(
        "precision guards: {} kept of {}",
        survive.len() - lost.len(),
        survive.len()
    );
    assert!(
        lost.is_empty(),
        "redacted but must stay:\n{}",
        lost.join("\n")
    );

    check(&blind, &blind_misses, "no names known");
    check(&named, &named_misses, "with the app's names");
}
