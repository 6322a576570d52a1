//! Reading the previous review's decisions: the filled-in review.xlsx, or a
//! CSV export of one of its review sheets.
//!
//! Reviewers edit these files by hand, in Excel, LibreOffice or Google
//! Sheets, so the reader goes by header names, never by column positions: it
//! finds the header row by its Decision column (a banner may sit above it),
//! normalises header spelling (`Review date`, `review_date` and `REVIEW-DATE`
//! are one column), ignores columns it does not know, and undoes the leading
//! apostrophe the pack puts before cells a spreadsheet would evaluate.
//!
//! Which rows say what:
//! - a sheet (or CSV) with `principal_id` and `assignment_id` columns, such as
//!   Effective Access or Privileged Access: each row is one grant; `via` and
//!   `assignment_scope` narrow it when present;
//! - the Principals sheet (or a CSV with `id` and no `rule` column, like
//!   principals.csv): each row is a principal, and Revoke means all of its
//!   access;
//! - anything else with a Decision column (Findings) is not read; a Revoke
//!   there is reported as a problem, since a finding is not access.
//!
//! This module only reads; [`super::revocations`] checks the decisions
//! against the new snapshot.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::model::DecisionProblem;
use crate::output::tables::{normalise_header, read_text_file, ReadError};
use crate::output::text_csv;
use crate::output::uncell;

/// What a reviewer decided on a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep the access.
    Keep,
    /// Remove the access.
    Revoke,
    /// Change the access.
    Modify,
    /// No decision written.
    Undecided,
}

impl Verdict {
    fn parse(s: &str) -> Option<Verdict> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" => Some(Verdict::Undecided),
            "keep" => Some(Verdict::Keep),
            "revoke" => Some(Verdict::Revoke),
            "modify" => Some(Verdict::Modify),
            _ => None,
        }
    }
}

/// What a decision is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DecisionTarget {
    /// One effective-access row.
    Grant {
        /// User uuid or `sa:SCOPE/IDENTIFIER`.
        principal_id: String,
        /// `direct` or `group:SCOPE/ID`, when the sheet has the column.
        via: Option<String>,
        /// The role assignment.
        assignment_id: String,
        /// Its scope, when the sheet has the column.
        assignment_scope: Option<String>,
    },
    /// All access of a principal.
    Principal {
        /// User uuid or `sa:SCOPE/IDENTIFIER`.
        principal_id: String,
    },
    /// An entitlement (a campaign's decisions file, or the Entitlements
    /// sheet): a principal in the account, a scope or group membership, a
    /// role assignment; its Revoke is checked against the one action that
    /// removes it.
    Entitlement {
        /// What the row key names.
        entitlement: crate::graph::EntitlementRef,
        /// The principal the row names (`principal_id`): a user uuid,
        /// `sa:SCOPE/ID` or `group:SCOPE/ID`.
        principal_id: String,
    },
    /// One API token of a service account.
    Token {
        /// The service account, `sa:SCOPE/IDENTIFIER`.
        principal_id: String,
        /// The token's scope.
        scope: String,
        /// The service account's identifier.
        parent: String,
        /// The API key.
        api_key: String,
        /// The token.
        token: String,
    },
}

impl DecisionTarget {
    /// The principal it names.
    pub fn principal_id(&self) -> &str {
        match self {
            DecisionTarget::Grant { principal_id, .. }
            | DecisionTarget::Principal { principal_id }
            | DecisionTarget::Entitlement { principal_id, .. }
            | DecisionTarget::Token { principal_id, .. } => principal_id,
        }
    }
}

/// One row with a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The sheet name, or the file name for a CSV file.
    pub sheet: String,
    /// 1-based row number in the sheet.
    pub row: usize,
    /// The decision.
    pub verdict: Verdict,
    /// What it is about.
    pub target: DecisionTarget,
    /// Reviewer column.
    pub reviewer: String,
    /// Review date column, as written (dates as YYYY-MM-DD).
    pub review_date: String,
    /// Justification column.
    pub justification: String,
    /// Ticket column.
    pub ticket: String,
    /// Modify to column: what a Modify should make of the access.
    pub modify_to: String,
    /// A campaign's `remediate_by` column: the day (YYYY-MM-DD) a Revoke or
    /// Modify must be carried out by; empty when the file has none.
    pub remediate_by: String,
}

/// Every decision of one file.
#[derive(Debug, Clone, Default)]
pub struct DecisionSet {
    /// The file name (no directory).
    pub file: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// Revoke and Modify rows with a principal, in sheet then row order
    /// (the decisions next quarter checks).
    pub decisions: Vec<Decision>,
    /// Rows with a principal decided Keep: counted, not kept (a campaign's
    /// decisions file holds millions).
    pub kept: usize,
    /// Rows with a principal and no decision: counted.
    pub undecided: usize,
    /// Sheets with a Decision column that were not read.
    pub ignored_sheets: Vec<String>,
    /// Rows that could not be used.
    pub problems: Vec<DecisionProblem>,
    /// The snapshots the file says its decisions are about (the
    /// `snapshot_sha256` column of a campaign's decisions.csv, the banner of
    /// a review sheet); empty when it names none.
    pub snapshots: std::collections::BTreeSet<String>,
    /// Set when the decisions are read against another snapshot than the
    /// one they name (the snapshots named): each is then unchecked.
    pub other_snapshot: Option<String>,
}

/// Why a decisions file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecisionsError {
    /// The file could not be read. The cause is the error's source, so
    /// `{:#}` prints it once, after the file.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a review workbook or CSV export we can read.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads a decisions file: `.xlsx` (or `.ods`), within the bounds of
/// [`crate::output::bounded`], or
/// `.csv`; files with another extension are sniffed (a ZIP is a workbook).
pub fn read_decisions(path: &Path) -> Result<DecisionSet, DecisionsError> {
    if is_csv(path)? {
        return read_csv_decisions(path);
    }
    let text = read_text_file(path).map_err(|e| match e {
        ReadError::Io { path, source } => DecisionsError::Io { path, source },
        ReadError::Format { path, message } => DecisionsError::Format { path, message },
    })?;
    let format_err = |message: &str| DecisionsError::Format {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let mut set = DecisionSet {
        file: text.file.clone(),
        sha256: text.sha256.clone(),
        ..DecisionSet::default()
    };
    let mut used = 0;
    for t in &text.tables {
        let label = t.sheet.clone().unwrap_or_else(|| text.file.clone());
        if read_table(
            &label,
            t.sheet.as_deref(),
            t.first_row,
            t.rows.iter().cloned(),
            &mut set,
        ) {
            used += 1;
        }
    }
    if used > 0 {
        return Ok(set);
    }
    Err(if text.workbook {
        format_err("no review sheet with a Decision column and principal_id (Effective Access, Privileged Access) or id (Principals) columns, or row_key (decisions.csv of reviewpack collect)")
    } else if !set.ignored_sheets.is_empty() {
        format_err(FINDINGS_CSV)
    } else {
        format_err(UNKNOWN_CSV)
    })
}

/// A CSV export of the Findings sheet.
const FINDINGS_CSV: &str = "this CSV exports the Findings sheet, whose decisions are not checked: export the Effective Access (or Principals) sheet with its decision column";

/// A CSV file with a decision column but none of the columns we read by.
const UNKNOWN_CSV: &str = "cannot tell which review sheet this CSV exports: expected a decision column with the columns of effective_access.csv (principal_id, via, assignment_id, assignment_scope) or of principals.csv (id), or row_key (decisions.csv of reviewpack collect)";

/// Whether `path` is read as CSV: by its extension, else by not starting
/// like a ZIP (a workbook), as `read_text_file` decides.
fn is_csv(path: &Path) -> Result<bool, DecisionsError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "csv" | "txt" => true,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => false,
        _ => {
            let mut head = [0u8; 4];
            let n = crate::output::bounded::open_regular(path)
                .and_then(|(mut f, _)| f.read(&mut head))
                .map_err(|source| DecisionsError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
            head[..n] != *b"PK\x03\x04"
        }
    })
}

/// A CSV decisions file, streamed: collect's decisions.csv holds a row per
/// decision, millions at 50,000 users, and is never held whole. Its encoding
/// and separator are sniffed from its start; the records are decoded as they
/// are read ([`text_csv`]) and pass one at a time to [`read_table`].
fn read_csv_decisions(path: &Path) -> Result<DecisionSet, DecisionsError> {
    let io = |source| DecisionsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let format_err = |message: String| DecisionsError::Format {
        path: path.to_path_buf(),
        message,
    };
    // A FIFO or a device is refused before anything opens it.
    drop(crate::output::bounded::open_regular(path).map_err(io)?);
    let (sha256, _) = crate::output::seal::sha256_file(path).map_err(io)?;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut set = DecisionSet {
        file: file.clone(),
        sha256,
        ..DecisionSet::default()
    };
    let shape = text_csv::sniff(path).map_err(io)?;
    let mut records = text_csv::reader(path, &shape).map_err(io)?;
    let mut failure: Option<csv::Error> = None;
    let used = read_table(
        &file,
        None,
        0,
        csv_rows(&mut records, &mut failure),
        &mut set,
    );
    if let Some(e) = failure {
        // The records are decoded to UTF-8 and may differ in length: only
        // reading the file can fail.
        return Err(match e.into_kind() {
            csv::ErrorKind::Io(source) => io(source),
            kind => format_err(format!("not a CSV file (read as {shape}): {kind:?}")),
        });
    }
    if used {
        return Ok(set);
    }
    Err(if !set.ignored_sheets.is_empty() {
        format_err(FINDINGS_CSV.into())
    } else {
        format_err(format!("{UNKNOWN_CSV} (read as {shape})"))
    })
}

/// The records of `records` as rows, one at a time as they are read; the
/// first error ends them and is left in `failure`.
fn csv_rows<'a, R: Read>(
    records: &'a mut csv::Reader<R>,
    failure: &'a mut Option<csv::Error>,
) -> impl Iterator<Item = Vec<String>> + 'a {
    records.records().map_while(move |r| match r {
        Ok(r) => Some(r.iter().map(str::to_string).collect()),
        Err(e) => {
            *failure = Some(e);
            None
        }
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SheetKind {
    Grants,
    Principals,
    Tokens,
    /// `decisions.csv` of `reviewpack collect`: each row's row key says
    /// what it is about.
    RowKeys,
    Ignored,
}

/// What a row key names: an entitlement (`PR`, `SM`, `GM`, `RA`, `TK`), or a
/// grant row of an earlier campaign (`EA`, `PA`). `principal_id` is the
/// row's principal column, when it has one.
pub fn target_of_row_key(key: &str, principal_id: &str) -> Option<DecisionTarget> {
    let (code, rest) = key.split_once(':')?;
    if let Some(e) = crate::graph::EntitlementRef::parse(key) {
        use crate::graph::EntitlementRef as R;
        let pid = match &e {
            R::Principal(p) => p.clone(),
            R::ScopeMembership { user, .. } | R::GroupMembership { user, .. } => user.clone(),
            R::Token { scope, parent, .. } => format!("sa:{scope}/{parent}"),
            R::RoleAssignment { .. } => principal_id.to_string(),
        };
        if let R::Token {
            scope,
            parent,
            api_key,
            token,
        } = e
        {
            return Some(DecisionTarget::Token {
                principal_id: pid,
                scope,
                parent,
                api_key,
                token,
            });
        }
        return Some(DecisionTarget::Entitlement {
            entitlement: e,
            principal_id: pid,
        });
    }
    match code {
        "EA" | "PA" => {
            let mut parts = rest.splitn(3, '|');
            let (pid, via, place) = (parts.next()?, parts.next()?, parts.next()?);
            let (scope, aid) = place.rsplit_once('/')?;
            Some(DecisionTarget::Grant {
                principal_id: pid.to_string(),
                via: Some(via.to_string()),
                assignment_id: aid.to_string(),
                assignment_scope: Some(scope.to_string()),
            })
        }
        _ => None,
    }
}

/// Reads one table; returns false when it holds no decisions we read.
/// `sheet_name` is `None` for a CSV file.
fn read_table(
    label: &str,
    sheet_name: Option<&str>,
    first_row: usize,
    rows: impl IntoIterator<Item = Vec<String>>,
    set: &mut DecisionSet,
) -> bool {
    // The header row is the first with a Decision column, within the top of
    // the sheet (a title or provenance banner may come first). The rows
    // stream past: a decisions file can hold millions.
    let mut rows = rows.into_iter();
    let mut top: Vec<Vec<String>> = Vec::new();
    let mut found = None;
    for (i, r) in rows.by_ref().take(30).enumerate() {
        let is_header = r.iter().any(|c| normalise_header(c) == "decision");
        top.push(r);
        if is_header {
            found = Some(i);
            break;
        }
    }
    let Some(hi) = found else {
        return false;
    };
    // A review sheet's banner names its snapshot.
    for r in &top[..hi] {
        for c in r {
            if let Some(sha) = c
                .split(|ch: char| !ch.is_ascii_hexdigit())
                .find(|w| w.len() == 64)
            {
                set.snapshots.insert(sha.to_ascii_lowercase());
            }
        }
    }
    let header = &top[hi];
    let names: Vec<String> = header.iter().map(|c| normalise_header(c)).collect();
    let col = |name: &str| names.iter().position(|n| n == name);
    let Some(decision) = col("decision") else {
        return false;
    };
    let principal = col("principal_id").or_else(|| col("id"));
    let assignment = col("assignment_id");
    let row_key = col("row_key");
    let row_snapshot = col("snapshot_sha256");
    let token_id = col("token_id");
    let lower_name = sheet_name.map(|n| n.trim().to_ascii_lowercase());
    let kind = match (&lower_name, principal, assignment) {
        (Some(n), _, _) if n.starts_with("findings") => SheetKind::Ignored,
        _ if row_key.is_some() => SheetKind::RowKeys,
        _ if token_id.is_some() && col("owner_id").is_some() => SheetKind::Tokens,
        (_, Some(_), Some(_)) => SheetKind::Grants,
        (Some(n), Some(_), None) if n.starts_with("principals") => SheetKind::Principals,
        (None, Some(_), None) if col("rule").is_none() => SheetKind::Principals,
        _ => SheetKind::Ignored,
    };
    let via = col("via");
    let scope = col("assignment_scope");
    let reviewer = col("reviewer");
    let review_date = col("review_date");
    let justification = col("justification");
    let ticket = col("ticket");
    let modify_to = col("modify_to");
    let remediate_by = col("remediate_by");
    let (owner, token_scope, api_key) = (col("owner_id"), col("scope"), col("api_key_id"));
    let get = |r: &[String], i: Option<usize>| -> String {
        i.and_then(|i| r.get(i))
            .map(|c| uncell(c.trim()).trim().to_string())
            .unwrap_or_default()
    };
    if kind == SheetKind::Ignored {
        set.ignored_sheets.push(label.to_string());
        for (ri, r) in rows.enumerate().map(|(i, r)| (i + hi + 1, r)) {
            let r: &[String] = &r;
            if Verdict::parse(&get(r, Some(decision))) == Some(Verdict::Revoke) {
                set.problems.push(DecisionProblem {
                    sheet: label.to_string(),
                    row: first_row + ri + 1,
                    message: "a Revoke on this sheet is not checked: decide on the Effective Access or Principals row of the access instead".into(),
                });
            }
        }
        return false;
    }
    for (ri, r) in rows.enumerate().map(|(i, r)| (i + hi + 1, r)) {
        let r: &[String] = &r;
        let row = first_row + ri + 1;
        let raw = get(r, Some(decision));
        let key = get(r, row_key);
        let pid = match kind {
            SheetKind::RowKeys => key.clone(),
            SheetKind::Tokens => get(r, owner),
            _ => get(r, principal),
        };
        if pid.is_empty() && raw.is_empty() {
            continue;
        }
        let problem = |message: String| DecisionProblem {
            sheet: label.to_string(),
            row,
            message,
        };
        let Some(verdict) = Verdict::parse(&raw) else {
            set.problems.push(problem(format!(
                "unknown decision {raw:?}: expected Keep, Revoke or Modify"
            )));
            continue;
        };
        if pid.is_empty() {
            set.problems
                .push(problem("a decision on a row with no principal id".into()));
            continue;
        }
        if let Some(i) = row_snapshot {
            let sha = get(r, Some(i));
            if !sha.is_empty() && !set.snapshots.contains(&sha) {
                set.snapshots.insert(sha.to_ascii_lowercase());
            }
        }
        let target = if kind == SheetKind::RowKeys {
            match target_of_row_key(&key, &get(r, principal)) {
                Some(t) => t,
                None => {
                    set.problems
                        .push(problem(format!("{key:?} is not a row key of a pack")));
                    continue;
                }
            }
        } else if kind == SheetKind::Tokens {
            let parent = pid.rsplit('/').next().unwrap_or_default().to_string();
            DecisionTarget::Token {
                principal_id: pid,
                scope: get(r, token_scope),
                parent,
                api_key: get(r, api_key),
                token: get(r, token_id),
            }
        } else if kind == SheetKind::Grants {
            let aid = get(r, assignment);
            if aid.is_empty() {
                if verdict == Verdict::Revoke {
                    set.problems
                        .push(problem("a Revoke on a row with no assignment_id".into()));
                }
                continue;
            }
            let opt = |s: String| (!s.is_empty()).then_some(s);
            DecisionTarget::Grant {
                principal_id: pid,
                via: opt(get(r, via)),
                assignment_id: aid,
                assignment_scope: opt(get(r, scope)),
            }
        } else {
            DecisionTarget::Principal { principal_id: pid }
        };
        match verdict {
            Verdict::Keep => {
                set.kept += 1;
                continue;
            }
            Verdict::Undecided => {
                set.undecided += 1;
                continue;
            }
            Verdict::Revoke | Verdict::Modify => {}
        }
        set.decisions.push(Decision {
            sheet: label.to_string(),
            row,
            verdict,
            target,
            reviewer: get(r, reviewer),
            review_date: get(r, review_date),
            justification: get(r, justification),
            ticket: get(r, ticket),
            modify_to: get(r, modify_to),
            remediate_by: get(r, remediate_by),
        });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_file_is_named_with_its_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_decisions(dir.path()).unwrap_err();
        let cause = std::error::Error::source(&e)
            .expect("the cause is the source")
            .to_string();
        let text = format!("{:#}", anyhow::Error::from(e));
        assert_eq!(text, format!("{}: {cause}", dir.path().display()));
    }

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn headers_are_found_by_name_below_a_banner_with_extra_columns() {
        let rows = table(&[
            &["Account Acme", "snapshot abc"],
            &[],
            &[
                "principal_kind",
                "Principal ID",
                "via",
                "extra",
                "assignment_id",
                "assignment_scope",
                "Decision",
                "Reviewer",
                "Review date",
                "Ticket",
            ],
            &[
                "user",
                "'-odd-uuid",
                "direct",
                "x",
                "ra1",
                "account",
                "REVOKE",
                "'=Evil",
                "2026-10-05",
                "SEC-1",
            ],
            &[
                "user", "u2", "direct", "", "ra2", "account", "Keep", "", "", "",
            ],
            &["", "", "", "", "", "", "", "", "", ""],
            &[
                "user", "u3", "direct", "", "ra3", "account", "nope", "", "", "",
            ],
        ]);
        let mut set = DecisionSet::default();
        assert!(read_table(
            "Effective Access",
            Some("Effective Access"),
            0,
            rows.clone(),
            &mut set
        ));
        assert_eq!(set.decisions.len(), 1, "Keep is counted, not kept");
        assert_eq!(set.kept, 1);
        let d = &set.decisions[0];
        assert_eq!(d.row, 4);
        assert_eq!(d.verdict, Verdict::Revoke);
        assert_eq!(d.reviewer, "=Evil");
        assert_eq!(
            d.target,
            DecisionTarget::Grant {
                principal_id: "-odd-uuid".into(),
                via: Some("direct".into()),
                assignment_id: "ra1".into(),
                assignment_scope: Some("account".into()),
            }
        );
        assert_eq!(set.problems.len(), 1);
        assert_eq!(set.problems[0].row, 7);
        assert!(set.problems[0].message.contains("nope"));
    }

    #[test]
    fn principals_and_findings_sheets_are_told_apart() {
        let principals = table(&[
            &["kind", "id", "name", "Decision"],
            &["user", "u1", "A", "Revoke"],
        ]);
        let mut set = DecisionSet::default();
        assert!(read_table(
            "Principals",
            Some("Principals"),
            0,
            principals.clone(),
            &mut set
        ));
        assert_eq!(
            set.decisions[0].target,
            DecisionTarget::Principal {
                principal_id: "u1".into()
            }
        );
        let findings = table(&[
            &["id", "rule", "principal_id", "Decision"],
            &["f1", "admin-access", "u1", "Revoke"],
        ]);
        let mut set = DecisionSet::default();
        assert!(!read_table(
            "Findings",
            Some("Findings"),
            0,
            findings.clone(),
            &mut set
        ));
        assert!(set.decisions.is_empty());
        assert_eq!(set.ignored_sheets, ["Findings"]);
        assert_eq!(set.problems.len(), 1);
        // The same table as a CSV export is recognised by its `rule` column.
        let mut set = DecisionSet::default();
        assert!(!read_table("csv", None, 0, findings.clone(), &mut set));
    }

    #[test]
    fn a_csv_file_is_read_with_its_byte_order_mark_or_as_windows_1252() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("decisions.csv");
        std::fs::write(
            &good,
            "\u{feff}row_key,decision,reviewer,ticket\r\nEA:u1|direct|account/ra1,Revoke,pat,SEC-1\r\nEA:u2|direct|account/ra2,Keep,pat,\r\nEA:u3|direct|account/ra3,,,\r\n",
        )
        .unwrap();
        let set = read_decisions(&good).unwrap();
        assert_eq!(set.decisions.len(), 1);
        assert_eq!((set.kept, set.undecided), (1, 1));
        assert_eq!(set.decisions[0].row, 2);
        assert_eq!(
            set.sha256,
            crate::snapshot::sha256_hex(&std::fs::read(&good).unwrap())
        );
        // Not UTF-8: Windows-1252, as Excel writes "CSV (Comma delimited)".
        let latin = dir.path().join("latin1.csv");
        std::fs::write(
            &latin,
            b"row_key,decision\r\nEA:u1|direct|account/ra1,R\xe9voque\r\n",
        )
        .unwrap();
        let set = read_decisions(&latin).unwrap();
        assert!(set.decisions.is_empty());
        let [p] = &set.problems[..] else {
            panic!("{:?}", set.problems)
        };
        assert_eq!(p.row, 2);
        assert_eq!(
            p.message,
            "unknown decision \"Révoque\": expected Keep, Revoke or Modify"
        );
    }

    /// A decisions CSV with names, semicolons and commas in its cells.
    const DECISIONS: &[&[&str]] = &[
        &["row_key", "decision", "reviewer", "ticket"],
        &[
            "EA:u1|direct|account/ra1",
            "Revoke",
            "Käthe Müller",
            "SEC-1; SEC-2",
        ],
        &["EA:u2|direct|account/ra2", "Keep", "Käthe Müller", ""],
        &[
            "EA:u3|direct|account/ra3",
            "Modify",
            "Éloïse Dupont",
            "SEC-3, SEC-4",
        ],
    ];

    #[test]
    fn csv_decisions_of_every_program_are_read() {
        let dir = tempfile::tempdir().unwrap();
        for (i, (program, write, _)) in text_csv::samples::PROGRAMS.into_iter().enumerate() {
            let path = dir.path().join(format!("decisions-{i}.csv"));
            std::fs::write(&path, write(DECISIONS)).unwrap();
            let set = read_decisions(&path).unwrap_or_else(|e| panic!("{program}: {e}"));
            assert!(set.problems.is_empty(), "{program}: {:?}", set.problems);
            assert_eq!((set.kept, set.undecided), (1, 0), "{program}");
            let got: Vec<_> = set
                .decisions
                .iter()
                .map(|d| (d.row, d.verdict, d.reviewer.as_str(), d.ticket.as_str()))
                .collect();
            assert_eq!(
                got,
                [
                    (2, Verdict::Revoke, "Käthe Müller", "SEC-1; SEC-2"),
                    (4, Verdict::Modify, "Éloïse Dupont", "SEC-3, SEC-4"),
                ],
                "{program}"
            );
            assert_eq!(
                set.decisions[0].target,
                DecisionTarget::Grant {
                    principal_id: "u1".into(),
                    via: Some("direct".into()),
                    assignment_id: "ra1".into(),
                    assignment_scope: Some("account".into()),
                },
                "{program}"
            );
        }
    }

    /// A decisions file of a million rows (Windows-1252, `;`), made as it is
    /// read, counting the bytes taken from it.
    struct Generated {
        taken: std::rc::Rc<std::cell::Cell<usize>>,
        row: usize,
        pending: Vec<u8>,
    }

    impl Generated {
        fn new() -> Generated {
            Generated {
                taken: std::rc::Rc::default(),
                row: 0,
                pending: Vec::new(),
            }
        }
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pending.is_empty() {
                let line = match self.row {
                    0 => "row_key;decision;reviewer\r\n".to_string(),
                    1_000_001.. => return Ok(0),
                    n => format!("EA:u{n}|direct|account/ra{n};Revoke;K\u{e4}the\r\n"),
                };
                self.pending = encoding_rs::WINDOWS_1252.encode(&line).0.into_owned();
                self.row += 1;
            }
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            self.taken.set(self.taken.get() + n);
            Ok(n)
        }
    }

    #[test]
    fn a_csv_decisions_file_is_read_as_a_stream() {
        // read_csv_decisions passes csv_rows over text_csv::reader to
        // read_table, which takes the rows one at a time. The first rows of
        // a million come, decoded, after a few buffers of the file.
        let mut sample = vec![0; text_csv::SAMPLE];
        Generated::new().read_exact(&mut sample).unwrap();
        let shape = text_csv::sniff_bytes(&sample, false);
        assert_eq!(shape.describe(), "Windows-1252, semicolon-separated");
        let source = Generated::new();
        let taken = source.taken.clone();
        let mut records = text_csv::reader_from(source, &shape).unwrap();
        let mut failure = None;
        let rows: Vec<Vec<String>> = csv_rows(&mut records, &mut failure).take(3).collect();
        assert!(failure.is_none());
        assert_eq!(rows[0], ["row_key", "decision", "reviewer"]);
        assert_eq!(rows[2], ["EA:u2|direct|account/ra2", "Revoke", "Käthe"]);
        assert!(taken.get() <= 1 << 20, "{} bytes taken", taken.get());
    }
}
