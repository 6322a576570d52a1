//! `--split-by-reviewer`: one workbook per reviewer, holding only that
//! reviewer's entitlements, `reviewers/assignments.csv` naming the reviewer
//! of every entitlement, and `reviewers/send-list.csv` (who gets which file,
//! how many rows, how many privileged, when due).
//!
//! Each workbook opens with an About sheet (one printed page: the reviewer,
//! the account, the pack's snapshot SHA-256, how many rows, what to do), then
//! the reviewer's rows of Entitlements, each carrying its row key. Every cell
//! but the reviewer columns is locked and sorting is not allowed, so what
//! comes back can be matched to what was sent (`reviewpack collect`).
//!
//! A reviewer's rows are made from the report's Entitlements facts
//! ([`EntitlementRows`], made once for the sheet, its CSV file and the
//! split), so a workbook needs only its own rows. The workbooks are jobs
//! ([`Split::work`]) that whichever thread is free takes, largest first:
//! the pack's two writers take them when their own files are done, so two
//! hundred reviewers fill the time one of them would otherwise wait.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use super::reviewers::Assignments;
use super::sheets::{
    account_label, data_columns, fmt_time, push_reviewer_columns, EntitlementRows, RowFacts,
    SheetId, Sink,
};
use super::xlsx::{Formats, Limits, PackLayout};
use super::ReportContext;
use crate::graph::PrivilegeLevel;
use crate::output::csv::CsvFile;
use crate::output::xlsx::write_sheet;

/// The folder of the reviewer workbooks, inside the pack.
pub const REVIEWERS_DIR: &str = "reviewers";
/// The file naming every row's reviewer, inside [`REVIEWERS_DIR`].
pub const ASSIGNMENTS_CSV: &str = "assignments.csv";
/// The list of files to send, one row per reviewer, inside [`REVIEWERS_DIR`].
pub const SEND_LIST_CSV: &str = "send-list.csv";
/// The columns of `assignments.csv` (each row ends with the pack's account,
/// capture time and snapshot SHA-256, as every CSV file of the pack).
pub const ASSIGNMENT_COLUMNS: [&str; 8] = [
    "row_key",
    "kind",
    "reviewer",
    "basis",
    "principal_id",
    "principal_email",
    "privilege_level",
    "entitlement",
];
/// The columns of `send-list.csv`.
pub const SEND_LIST_COLUMNS: [&str; 7] = [
    "reviewer",
    "reviewer_is",
    "file",
    "rows",
    "privileged_rows",
    "due",
    "unassigned_rows_in_pack",
];

/// The About sheet's line naming the workbook's return code.
pub const RETURN_CODE: &str = "Return code";
/// The About sheet's name.
pub const ABOUT: &str = "About";

/// The most bytes of an encoded address a workbook's name keeps; a longer
/// one is cut and followed by a hash of the whole address. With the hash and
/// `.xlsx` a name stays far below the 255 bytes file systems allow.
const NAME_BYTES: usize = 120;

/// The file name of a reviewer's workbook: the email, with any character
/// but letters, digits and `.@+-_` written as `%XX` (its UTF-8 bytes), so
/// two reviewers never share a name (`o'brien@` is `o%27brien@`, `o_brien@`
/// stays `o_brien@`). A leading `.` is `%2E`, so no workbook is a hidden
/// file. An encoded address longer than [`NAME_BYTES`] is cut there and
/// followed by `~` and the first 16 hex digits of the whole address's
/// SHA-256: names stay valid, unique and the same from run to run (`~` is
/// never kept, so a cut name cannot equal an uncut one).
pub fn workbook_name(reviewer: &str) -> String {
    let mut safe = String::with_capacity(reviewer.len() + 5);
    for (i, c) in reviewer.chars().enumerate() {
        let keep = c.is_ascii_alphanumeric() || "._@+-".contains(c);
        if keep && !(i == 0 && c == '.') {
            safe.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                safe.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if safe.len() > NAME_BYTES {
        // ASCII only; cut before a `%XX` the limit would split.
        let mut cut = NAME_BYTES;
        if let Some(p) = safe[cut - 2..cut].find('%') {
            cut = cut - 2 + p;
        }
        let hash = crate::snapshot::sha256_hex(reviewer.as_bytes());
        safe = format!("{}~{}", &safe[..cut], &hash[..16]);
    }
    format!("{safe}.xlsx")
}

/// Writes `reviewers/assignments.csv`, `reviewers/send-list.csv` and one
/// workbook per reviewer into the staged pack `dir`, on every core; returns
/// the pack-relative names written. [`Split`] is the same in steps, for a
/// caller that has threads of its own to lend.
pub fn write(
    ctx: &ReportContext<'_, '_>,
    a: &Assignments,
    dir: &Path,
) -> std::io::Result<Vec<String>> {
    let split = Split::plan(ctx, a, dir)?;
    split.write_lists()?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| split.work());
        }
    });
    split.finish()
}

/// The reviewer split of a pack, planned: who gets which rows, in which
/// file. [`Split::write_lists`] writes the two lists, [`Split::work`] (on
/// any number of threads) the workbooks, [`Split::finish`] says how it went.
pub struct Split<'c, 'a, 's> {
    ctx: &'c ReportContext<'a, 's>,
    a: &'c Assignments,
    out: PathBuf,
    /// The Entitlements facts when the report made none.
    own_rows: Option<EntitlementRows>,
    facts: RowFacts<'a>,
    /// Per reviewer: the rows (sheet indices, in sheet order), how many
    /// are admin or escalation.
    rows_of: Vec<(Vec<u32>, usize)>,
    unassigned: usize,
    /// Reviewers with rows: (reviewer, path, pack-relative name).
    files: Vec<(usize, PathBuf, String)>,
    /// Indices into `files`, largest first: the longest workbook does not
    /// start last and leave the other threads idle at the end.
    order: Vec<usize>,
    next: AtomicUsize,
    failure: Mutex<Option<std::io::Error>>,
    /// Excel's limits (smaller in tests, to reach the large-workbook case).
    limits: Limits,
}

impl<'c, 'a, 's> Split<'c, 'a, 's> {
    /// Routes every row to its reviewer and creates `reviewers/` in the
    /// staged pack `dir`.
    pub fn plan(
        ctx: &'c ReportContext<'a, 's>,
        a: &'c Assignments,
        dir: &Path,
    ) -> std::io::Result<Self> {
        let out = dir.join(REVIEWERS_DIR);
        crate::atomic::create_dir_all(&out)?;
        let own_rows = ctx
            .entitlement_rows
            .is_none()
            .then(|| EntitlementRows::make(ctx.graph));
        let rows = ctx.entitlement_rows.or(own_rows.as_ref()).expect("made");
        let facts = RowFacts::for_rows(ctx.findings, ctx.policy, rows);
        if rows.len() != a.rows.len() {
            return Err(std::io::Error::other(format!(
                "the Entitlements sheet has {} rows, {} were assigned",
                rows.len(),
                a.rows.len()
            )));
        }
        let mut rows_of: Vec<(Vec<u32>, usize)> = vec![(Vec::new(), 0); a.reviewers.len()];
        let mut unassigned = 0;
        for (i, ra) in a.rows.iter().enumerate() {
            match ra.reviewer {
                Some(x) => {
                    let (list, privileged) = &mut rows_of[x as usize];
                    list.push(i as u32);
                    let level = rows.level(i);
                    if level == PrivilegeLevel::Admin || level == PrivilegeLevel::Escalation {
                        *privileged += 1;
                    }
                }
                None => unassigned += 1,
            }
        }
        let files: Vec<(usize, PathBuf, String)> = (0..a.reviewers.len())
            .filter(|r| !rows_of[*r].0.is_empty())
            .map(|r| {
                let name = workbook_name(&a.reviewers[r]);
                (r, out.join(&name), format!("{REVIEWERS_DIR}/{name}"))
            })
            .collect();
        let mut order: Vec<usize> = (0..files.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(rows_of[files[k].0].0.len()));
        Ok(Split {
            ctx,
            a,
            out,
            own_rows,
            facts,
            rows_of,
            unassigned,
            files,
            order,
            next: AtomicUsize::new(0),
            failure: Mutex::new(None),
            limits: Limits::EXCEL,
        })
    }

    fn rows(&self) -> &EntitlementRows {
        self.ctx
            .entitlement_rows
            .or(self.own_rows.as_ref())
            .expect("made in plan")
    }

    /// Writes `reviewers/assignments.csv` (every row's reviewer) and
    /// `reviewers/send-list.csv` (who gets which file, how much is in it,
    /// when it is due).
    pub fn write_lists(&self) -> std::io::Result<()> {
        let (ctx, a) = (self.ctx, self.a);
        let s = &ctx.loaded.snapshot;
        let captured = fmt_time(s.captured_at());
        let provenance = [
            ("account_id", s.account.id.as_str()),
            ("snapshot_captured_at", captured.as_str()),
            ("snapshot_sha256", ctx.loaded.sha256.as_str()),
        ];
        let mut csv = CsvFile::create(
            &self.out.join(ASSIGNMENTS_CSV),
            &ASSIGNMENT_COLUMNS,
            &provenance,
        )?;
        let rows = self.rows();
        for i in 0..rows.len() {
            let l = rows.listing(ctx.graph, i);
            csv.row([
                l.key.as_str(),
                l.key.split_once(':').map_or("", |(code, _)| code),
                a.reviewer_of(i).unwrap_or(""),
                a.basis_text(i).as_str(),
                &l.principal_id,
                l.principal_email.to_ascii_lowercase().as_str(),
                l.level,
                l.entitlement.as_str(),
            ])?;
        }
        csv.finish()?;

        let due = ctx
            .policy
            .reviewers
            .as_ref()
            .and_then(|p| p.due)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let mut send = CsvFile::create(
            &self.out.join(SEND_LIST_CSV),
            &SEND_LIST_COLUMNS,
            &provenance,
        )?;
        for (r, _, rel) in &self.files {
            let (list, privileged) = &self.rows_of[*r];
            send.row([
                a.reviewers[*r].as_str(),
                a.who.get(*r).copied().unwrap_or_default(),
                rel.trim_start_matches(&format!("{REVIEWERS_DIR}/")),
                list.len().to_string().as_str(),
                privileged.to_string().as_str(),
                due.as_str(),
                self.unassigned.to_string().as_str(),
            ])?;
        }
        send.finish()
    }

    /// Writes workbooks until none is left (or one failed); any number of
    /// threads may call it at once, each taking the next.
    pub fn work(&self) {
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let Some((r, path, _)) = self.order.get(k).map(|&k| &self.files[k]) else {
                break;
            };
            if self.failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                break;
            }
            if let Err(e) = self.workbook(*r, path) {
                let mut f = self.failure.lock().unwrap_or_else(|p| p.into_inner());
                f.get_or_insert(e);
                break;
            }
        }
    }

    /// Stops the workbooks not yet started: the caller's own work failed,
    /// and its error is the one to report.
    pub fn give_up(&self) {
        let mut f = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        f.get_or_insert_with(|| std::io::Error::other("stopped: the pack could not be written"));
    }

    /// The first failure, or the pack-relative names written, sorted.
    pub fn finish(self) -> std::io::Result<Vec<String>> {
        if let Some(e) = self.failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        if self.next.load(Ordering::Relaxed) < self.order.len() {
            return Err(std::io::Error::other(
                "not every reviewer workbook was written",
            ));
        }
        let mut names: Vec<String> = vec![
            format!("{REVIEWERS_DIR}/{ASSIGNMENTS_CSV}"),
            format!("{REVIEWERS_DIR}/{SEND_LIST_CSV}"),
        ];
        names.extend(self.files.into_iter().map(|(_, _, n)| n));
        names.sort();
        Ok(names)
    }

    fn workbook(&self, r: usize, path: &Path) -> std::io::Result<()> {
        let (list, privileged) = &self.rows_of[r];
        let rows = self.rows();
        let g = self.ctx.graph;
        workbook(
            self.ctx,
            &self.a.reviewers[r],
            self.a.codes.get(r).map(String::as_str),
            (list.len(), *privileged),
            path,
            self.limits,
            |sink| {
                for &i in list {
                    let i = i as usize;
                    let mut row = rows.row(g, &self.facts, i);
                    push_reviewer_columns(self.a, i, &mut row);
                    sink(row)?;
                }
                Ok(())
            },
        )
    }
}

/// Writes one reviewer's workbook: the About sheet, then the reviewer's
/// rows of Entitlements, made by `produce`.
fn workbook(
    ctx: &ReportContext<'_, '_>,
    reviewer: &str,
    code: Option<&str>,
    (rows, privileged): (usize, usize),
    path: &Path,
    limits: Limits,
    produce: impl FnOnce(&mut Sink<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let xerr = |e: XlsxError| std::io::Error::other(format!("{label}: {e}"));
    let s = &ctx.loaded.snapshot;
    let mut wb = crate::output::xlsx::new_workbook();
    if let Some(dir) = path.parent() {
        wb.set_tempdir(dir).map_err(xerr)?;
    }
    let captured = s.captured_at();
    let created = crate::output::xlsx::excel_time(captured).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "Access review for {}: {}",
                crate::text::mark(reviewer),
                crate::text::mark(&account_label(s))
            ))
            .set_subject(format!(
                "Harness account {} snapshot {} SHA-256 {}",
                s.account.id,
                fmt_time(captured),
                ctx.loaded.sha256
            ))
            .set_author("reviewpack")
            .set_creation_datetime(&created),
    );
    let formats = Formats::new();
    about(&mut wb, ctx, reviewer, code, rows, privileged).map_err(xerr)?;

    let sheet = SheetId::Entitlements;
    let mut layout = PackLayout::new(ctx, &formats, sheet, data_columns(ctx, sheet), limits);
    layout.title_suffix = Some(match code {
        Some(c) => format!("for {reviewer} · return code {c}"),
        None => format!("for {reviewer}"),
    });
    layout.protect = true;
    write_sheet(
        &mut wb,
        &label,
        sheet.name(),
        rows,
        limits.rows_per_sheet,
        &mut layout,
        |sink| produce(sink),
    )?;
    wb.save(path).map_err(xerr)
}

/// The About sheet, one printed page: who, what, from which snapshot, and
/// what to do.
fn about(
    wb: &mut Workbook,
    ctx: &ReportContext<'_, '_>,
    reviewer: &str,
    code: Option<&str>,
    rows: usize,
    privileged: usize,
) -> Result<(), XlsxError> {
    let s = &ctx.loaded.snapshot;
    let bold = Format::new()
        .set_bold()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let ws = wb.add_worksheet();
    ws.set_name(ABOUT)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 90)?;
    let due = ctx
        .policy
        .reviewers
        .as_ref()
        .and_then(|p| p.due)
        .map(|d| d.format("%Y-%m-%d").to_string());
    let mut items: Vec<(String, String)> = vec![
        ("Access review for".into(), reviewer.to_string()),
        ("Account".into(), account_label(s)),
        ("Snapshot SHA-256".into(), ctx.loaded.sha256.clone()),
        ("Snapshot captured at".into(), fmt_time(s.captured_at())),
        (
            "Rows to review".into(),
            format!(
                "{rows} on the Entitlements sheet, {privileged} of them admin or escalation access"
            ),
        ),
    ];
    if let Some(d) = due {
        items.push(("Due".into(), d));
    }
    if let Some(c) = code {
        items.push((RETURN_CODE.into(), c.to_string()));
    }
    items.extend([
        (
            "What a row is".into(),
            "One entitlement: something one action in Harness removes (a user or service account, a user's membership of an org or project, a membership of a group, a role assignment, a token). Who, Entitlement and Gives say what it is and the strongest access it gives; the columns to the right say more (admin of, escalation permissions, roles, members, how it is removed).".into(),
        ),
        (
            "What to do".into(),
            "For every row choose a Decision: Keep, Revoke (remove it), or Modify (role assignments only: name the role, or ROLE on RESOURCE_GROUP, in Modify to). Keeping admin or escalation access needs a Justification; Revoke and Modify need a Ticket. Reviewer: your email (or leave empty). Review date: the day you decided.".into(),
        ),
        (
            "Do not".into(),
            "Change, add, move or sort rows, or edit anything outside the yellow columns: each row is matched by its Row key, and a changed row is refused.".into(),
        ),
        (
            "Return".into(),
            "Send this file back as it is (Excel, LibreOffice or Google Sheets may save it), or a CSV export of the Entitlements sheet.".into(),
        ),
    ]);
    for (r, (k, v)) in items.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, crate::output::cell(k).as_ref(), &bold)?;
        ws.write_string_with_format(r as u32, 1, crate::output::cell(v).as_ref(), &wrap)?;
        // Wrapped text gets the height it needs (not every program sizes
        // rows on opening).
        let lines = (v.chars().count() as f64 / 85.0).ceil().max(1.0);
        ws.set_row_height(r as u32, 15.0 * lines)?;
    }
    // One printed page, portrait.
    ws.set_print_fit_to_pages(1, 1);
    ws.set_paper_size(9);
    ws.protect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::workbook_name;

    #[test]
    fn workbook_names_never_collide() {
        assert_eq!(workbook_name("pat@example.com"), "pat@example.com.xlsx");
        assert_eq!(
            workbook_name("o_brien@example.com"),
            "o_brien@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("o'brien@example.com"),
            "o%27brien@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("o%27brien@example.com"),
            "o%2527brien@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("zoë@example.com"),
            "zo%C3%AB@example.com.xlsx"
        );
        assert_eq!(
            workbook_name("../x@example.com"),
            "%2E.%2Fx@example.com.xlsx"
        );
    }

    #[test]
    fn a_leading_dot_never_makes_a_hidden_workbook() {
        assert_eq!(workbook_name(".ops@example.com"), "%2Eops@example.com.xlsx");
        // Distinct from an address that really begins with `%2E`.
        assert_eq!(
            workbook_name("%2Eops@example.com"),
            "%252Eops@example.com.xlsx"
        );
        assert_eq!(workbook_name("a.ops@example.com"), "a.ops@example.com.xlsx");
    }

    #[test]
    fn a_long_address_is_cut_and_told_apart_by_its_hash() {
        let long = |tail: &str| format!("{}{tail}@example.com", "r".repeat(290));
        let (a, b) = (workbook_name(&long("a")), workbook_name(&long("b")));
        assert_ne!(a, b);
        for n in [&a, &b] {
            assert!(n.len() <= 142, "{n}: {} bytes", n.len());
            assert!(n.starts_with(&"r".repeat(120)), "{n}");
            assert!(n.ends_with(".xlsx"));
        }
        assert_eq!(a, workbook_name(&long("a")), "the same every time");
        // A cut never splits a %XX.
        let quoted = format!("{}{}@example.com", "r".repeat(119), "'".repeat(100));
        let n = workbook_name(&quoted);
        assert!(n.starts_with(&format!("{}~", "r".repeat(119))), "{n}");
        // Up to the limit, nothing is cut.
        let fits = format!("{}@example.com", "r".repeat(120 - 12));
        assert_eq!(workbook_name(&fits), format!("{fits}.xlsx"));
    }
}

#[cfg(test)]
mod jobs {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use crate::graph::AccessGraph;
    use crate::report::sheets::EntitlementRows;
    use crate::report::{write_pack, Format, ReportContext};

    /// Every file under `dir`, by relative name.
    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            out.insert(name, std::fs::read(&p).unwrap());
        }
        out
    }

    /// The demo snapshot and its campaign policy.
    fn demo_campaign() -> (crate::snapshot::LoadedSnapshot, crate::findings::Policy) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = crate::snapshot::load(&root.join("samples/demo/snapshot.json")).unwrap();
        let policy_path = root.join("samples/demo/campaign-policy.toml");
        let policy =
            crate::findings::Policy::parse(&policy_path, &std::fs::read(&policy_path).unwrap())
                .unwrap();
        (loaded, policy)
    }

    /// The demo campaign's report context, without findings.
    fn context<'a, 's>(
        loaded: &'a crate::snapshot::LoadedSnapshot,
        graph: &'a AccessGraph<'s>,
        policy: &'a crate::findings::Policy,
        assignments: &'a crate::report::reviewers::Assignments,
        rows: Option<&'a EntitlementRows>,
    ) -> ReportContext<'a, 's> {
        ReportContext {
            loaded,
            graph,
            as_of: loaded.snapshot.captured_at(),
            findings: &[],
            policy,
            roster: None,
            assignments: Some(assignments),
            operator: None,
            verdict: None,
            entitlement_rows: rows,
            memo: Default::default(),
        }
    }

    /// A reviewer with more rows than an Excel table is given (100,000;
    /// here 2) still gets every row's reviewer cells tagged with the fill
    /// its row key names, so a decision moved to another row is told there
    /// too.
    #[test]
    fn a_workbook_too_large_for_a_table_still_tags_every_row() {
        use calamine::{open_workbook, Reader, Xlsx};

        let (loaded, policy) = demo_campaign();
        let graph = AccessGraph::build(&loaded.snapshot);
        let assignments =
            crate::report::reviewers::assign(&graph, policy.reviewers.as_ref().unwrap(), None);
        let ctx = context(&loaded, &graph, &policy, &assignments, None);
        let dir = tempfile::tempdir().unwrap();
        let mut split = super::Split::plan(&ctx, &assignments, dir.path()).unwrap();
        split.limits.table_max_rows = 2;
        split.write_lists().unwrap();
        split.work();
        let paths: Vec<PathBuf> = split.files.iter().map(|(_, p, _)| p.clone()).collect();
        split.finish().unwrap();

        let mut tagged = 0;
        for path in &paths {
            let mut wb: Xlsx<_> = open_workbook(path).unwrap();
            let range = wb.worksheet_range("Entitlements").unwrap();
            let rows: Vec<Vec<String>> = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            let header = rows
                .iter()
                .position(|r| r.iter().any(|c| c == "Row key"))
                .unwrap();
            let col = |title: &str| rows[header].iter().position(|c| c == title).unwrap();
            let (key, decision) = (col("Row key"), col("Decision"));
            let tags = crate::campaign::tags::column_tags(
                path,
                "Entitlements",
                range.start().unwrap().1 as usize + decision,
            );
            let data = &rows[header + 1..];
            assert!(
                data.len() > 2,
                "{}: only {} rows",
                path.display(),
                data.len()
            );
            let first = range.start().unwrap().0 as usize + header + 2;
            for (i, r) in data.iter().enumerate() {
                let sheet_row = (first + i) as u32;
                assert_eq!(
                    tags.get(&sheet_row),
                    Some(&crate::report::xlsx::row_tag(&r[key])),
                    "{} row {sheet_row}",
                    path.display()
                );
                tagged += 1;
            }
        }
        assert!(tagged > 10, "{tagged} rows checked");
    }

    /// The reviewer workbooks written as jobs by the pack's two writers,
    /// beside the pack, are the bytes the split writes on its own, from facts
    /// made once or by the split itself; and again the same.
    #[test]
    fn reviewer_files_do_not_depend_on_which_thread_wrote_them() {
        let (loaded, policy) = demo_campaign();
        let graph = AccessGraph::build(&loaded.snapshot);
        let assignments =
            crate::report::reviewers::assign(&graph, policy.reviewers.as_ref().unwrap(), None);
        let rows = EntitlementRows::make(&graph);
        let ctx = |shared: bool| {
            context(
                &loaded,
                &graph,
                &policy,
                &assignments,
                shared.then_some(&rows),
            )
        };
        let dir = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        for (k, shared) in [true, true, false].into_iter().enumerate() {
            let out = dir.path().join(k.to_string());
            std::fs::create_dir_all(&out).unwrap();
            if k == 2 {
                super::write(&ctx(shared), &assignments, &out).unwrap();
            } else {
                write_pack(&ctx(shared), &[Format::Csv, Format::Xlsx], &out, true).unwrap();
            }
            written.push(files(&out.join(super::REVIEWERS_DIR)));
        }
        assert!(written[0].len() > 3, "{:?}", written[0].keys());
        assert!(written[0].keys().any(|n| n.ends_with(".xlsx")));
        assert_eq!(written[0], written[1]);
        assert_eq!(written[0], written[2]);

        // A writer whose own files failed stops the workbooks not begun:
        // none is written, and the split reports that it stopped.
        let out = dir.path().join("stopped");
        let ctx = ctx(true);
        let split = super::Split::plan(&ctx, &assignments, &out).unwrap();
        split.give_up();
        split.work();
        let err = split.finish().unwrap_err();
        assert!(err.to_string().contains("stopped"), "{err}");
        let left = files(&out.join(super::REVIEWERS_DIR));
        assert!(
            left.keys().all(|n| !n.ends_with(".xlsx")),
            "{:?}",
            left.keys()
        );
    }
}
