//! The memory of a process tree, read from /proc: the OCR bench and the OCR tests measure the
//! server with every worker and tool it started.

/// Resident memory of `pid` and every process under it, in bytes.
#[allow(dead_code)]
pub fn tree_rss(pid: u32) -> u64 {
    let procs: Vec<(u32, u32, u64)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p: u32 = e.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(format!("/proc/{p}/status")).ok()?;
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            };
            Some((
                p,
                field("PPid:")? as u32,
                field("VmRSS:").unwrap_or(0) * 1024,
            ))
        })
        .collect();
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        for (child, parent, rss) in &procs {
            if *child == p {
                total += rss;
            }
            if *parent == p {
                stack.push(*child);
            }
        }
    }
    total
}
