//! The workforce roster (`report --roster FILE`): the file format and its
//! parsing. The two rules that read it, `not-in-roster` and
//! `roster-terminated`, are in `roster_rules`.
//!
//! A roster is a CSV export of the people who work here: Entra ID's
//! "Download users", an Okta user report, or a plain HR file. The format is
//! told by the header row (or by `--roster-format`); every row must parse, and
//! one that does not is an error naming its line, never a silent skip,
//! because a skipped leaver is exactly the finding the review exists for.
//! Matching is on email, case-insensitively, over every address a row lists
//! (Entra's `mail`, `otherMails` and `proxyAddresses`; Okta's primary and
//! secondary email; the HR file's `aliases`).
//!
//! Parsing is pure (bytes in, [`Roster`] out): the CLI reads the file and
//! hashes it, the rules only look names up.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Which export a roster file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RosterFormat {
    /// Entra ID (Azure AD) "Download users".
    Entra,
    /// An Okta user report.
    Okta,
    /// A plain HR file: `email`, `status`, optional `termination_date`,
    /// `manager`, `aliases`.
    Hr,
}

impl RosterFormat {
    /// Parses a `--roster-format` word.
    pub fn parse(s: &str) -> Option<RosterFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "entra" | "azure" | "azuread" | "aad" => Some(RosterFormat::Entra),
            "okta" => Some(RosterFormat::Okta),
            "hr" => Some(RosterFormat::Hr),
            _ => None,
        }
    }

    /// The `--roster-format` word.
    pub fn as_str(self) -> &'static str {
        match self {
            RosterFormat::Entra => "entra",
            RosterFormat::Okta => "okta",
            RosterFormat::Hr => "hr",
        }
    }
}

impl std::fmt::Display for RosterFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a roster came from: recorded in findings.json and the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterSource {
    /// The file name (never the path: paths name people's home folders).
    pub file: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The format used.
    pub format: RosterFormat,
    /// How the format was chosen: `header` or `--roster-format`.
    pub detected_by: &'static str,
    /// Data rows read.
    pub rows: usize,
}

/// One person in the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// The 1-based line of the file the row starts on.
    pub line: u64,
    /// Every address of the row, lowercased, the primary first.
    pub emails: Vec<String>,
    /// The status as the file spells it (`SUSPENDED`, `False`, `terminated`).
    pub status: String,
    /// True when the status says the person left or is suspended.
    pub leaver: bool,
    /// The termination date, when the file has one.
    pub termination_date: Option<NaiveDate>,
    /// The manager, when the file has one (untrusted text).
    pub manager: Option<String>,
}

impl RosterEntry {
    /// True when the person is gone as of `day`: a leaver status, or a
    /// termination date on or before it.
    pub fn gone_on(&self, day: NaiveDate) -> bool {
        self.leaver || self.termination_date.is_some_and(|d| d <= day)
    }
}

/// A parsed roster.
#[derive(Debug, Clone)]
pub struct Roster {
    /// Where it came from.
    pub source: RosterSource,
    entries: Vec<RosterEntry>,
    by_email: BTreeMap<String, Vec<usize>>,
}

/// Why a roster file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// The header row does not say which export this is.
    #[error("{file}: cannot tell the roster format from the header ({headers}); expected an Entra ID \"Download users\" export (userPrincipalName, accountEnabled), an Okta user report (Username, Primary email, Status) or an HR file (email, status); or pass --roster-format entra|okta|hr")]
    UnknownFormat {
        /// The file name.
        file: String,
        /// The headers found.
        headers: String,
    },
    /// The header lacks a column the format needs.
    #[error("{file}: a {format} roster needs a {column:?} column; the header has {headers}")]
    MissingColumn {
        /// The file name.
        file: String,
        /// The format.
        format: RosterFormat,
        /// The column missing.
        column: &'static str,
        /// The headers found.
        headers: String,
    },
    /// A row that cannot be read.
    #[error("{file} line {line}: {reason}")]
    BadRow {
        /// The file name.
        file: String,
        /// The 1-based line.
        line: u64,
        /// Why.
        reason: String,
    },
    /// The file is empty or has only a header.
    #[error("{file}: the roster has no rows")]
    Empty {
        /// The file name.
        file: String,
    },
}

/// A header name reduced for comparison: lowercase, no spaces, `_` or `-`
/// (`Primary email`, `primary_email` and `primaryEmail` are one column).
fn norm(h: &str) -> String {
    h.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The format the header row says, if it says one. Entra first (its
/// `userPrincipalName` is unique to it), then Okta (`Primary email`, or
/// `Username` with `Status`), then HR (`email` with `status`).
pub fn detect_format(headers: &[String]) -> Option<RosterFormat> {
    let has = |n: &str| headers.iter().any(|h| norm(h) == n);
    if has("userprincipalname") {
        Some(RosterFormat::Entra)
    } else if has("primaryemail") || (has("username") && has("status")) {
        Some(RosterFormat::Okta)
    } else if has("email") && has("status") {
        Some(RosterFormat::Hr)
    } else {
        None
    }
}

/// Column positions for one format.
struct Columns {
    /// Columns holding one address each; the first present is the primary.
    single: Vec<usize>,
    /// Columns holding lists of addresses.
    lists: Vec<usize>,
    status: usize,
    termination: Option<usize>,
    manager: Option<usize>,
}

fn lowercase_email(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s
        .strip_prefix("smtp:")
        .or_else(|| s.strip_prefix("SMTP:"))
        .unwrap_or(s)
        .trim();
    (!s.is_empty()).then(|| s.to_lowercase())
}

/// The 1-based line of byte `at` (the csv crate's own line count is off by
/// one per row in CRLF files, which Entra and Excel write).
fn line_at(text: &str, at: u64) -> u64 {
    let mut end = usize::try_from(at).unwrap_or(usize::MAX).min(text.len());
    // A record's position can sit on the line break before it.
    while matches!(text.as_bytes().get(end), Some(b'\r' | b'\n')) {
        end += 1;
    }
    1 + text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    // ISO dates, and ISO date-times whose first ten characters are the date.
    let head = s.trim().get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

impl Roster {
    /// Parses a roster file's bytes. `file` is the name errors and evidence
    /// use; `format` overrides header detection.
    pub fn parse(
        file: &str,
        bytes: &[u8],
        format: Option<RosterFormat>,
    ) -> Result<Roster, RosterError> {
        let bad = |line: u64, reason: String| RosterError::BadRow {
            file: file.to_string(),
            line,
            reason,
        };
        let sha256: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(body).map_err(|e| {
            let line = 1 + body[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            bad(line, "not UTF-8 text (save the export as CSV UTF-8)".into())
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| bad(1, format!("unreadable header row: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let shown = headers
            .iter()
            .map(|h| format!("{h:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (format, detected_by) = match format {
            Some(f) => (f, "--roster-format"),
            None => match detect_format(&headers) {
                Some(f) => (f, "header"),
                None => {
                    return Err(RosterError::UnknownFormat {
                        file: file.to_string(),
                        headers: shown,
                    })
                }
            },
        };
        let find = |name: &str| headers.iter().position(|h| norm(h) == name);
        let need = |column: &'static str| {
            find(&norm(column)).ok_or_else(|| RosterError::MissingColumn {
                file: file.to_string(),
                format,
                column,
                headers: shown.clone(),
            })
        };
        let cols = match format {
            RosterFormat::Entra => Columns {
                single: [Some(need("userPrincipalName")?), find("mail")]
                    .into_iter()
                    .flatten()
                    .collect(),
                lists: ["othermails", "proxyaddresses"]
                    .into_iter()
                    .filter_map(find)
                    .collect(),
                status: need("accountEnabled")?,
                termination: find("employeeleavedatetime").or_else(|| find("terminationdate")),
                manager: find("manager"),
            },
            RosterFormat::Okta => {
                let primary = need("Primary email").or_else(|e| find("email").ok_or(e))?;
                Columns {
                    single: [find("username"), Some(primary), find("secondaryemail")]
                        .into_iter()
                        .flatten()
                        .collect(),
                    lists: Vec::new(),
                    status: need("Status")?,
                    termination: find("terminationdate").or_else(|| find("deactivateddate")),
                    manager: find("manager"),
                }
            }
            RosterFormat::Hr => Columns {
                single: vec![need("email")?],
                lists: find("aliases").into_iter().collect(),
                status: need("status")?,
                termination: find("terminationdate"),
                manager: find("manager"),
            },
        };

        let mut entries = Vec::new();
        let mut by_email: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} fields where the header has {expected_len}"),
                    _ => e.to_string(),
                };
                bad(line, reason)
            })?;
            let line = record.position().map_or(0, |p| line_at(text, p.byte()));
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let mut emails: Vec<String> = Vec::new();
            for &i in &cols.single {
                // Okta usernames need not be emails; only addresses count.
                if let Some(e) = lowercase_email(field(i)).filter(|e| e.contains('@')) {
                    emails.push(e);
                } else if format == RosterFormat::Hr
                    || (format == RosterFormat::Entra && i == cols.single[0])
                {
                    return Err(bad(
                        line,
                        format!("{:?} is {:?}, not an email address", headers[i], field(i)),
                    ));
                }
            }
            for &i in &cols.lists {
                for part in field(i).split([';', ',', ' ', '\t']) {
                    let p = part.trim();
                    if p.is_empty() {
                        continue;
                    }
                    // proxyAddresses also hold SIP: and X500: entries.
                    let lower = p.to_ascii_lowercase();
                    if lower.contains(':') && !lower.starts_with("smtp:") {
                        continue;
                    }
                    match lowercase_email(p).filter(|e| e.contains('@')) {
                        Some(e) => emails.push(e),
                        None => {
                            return Err(bad(
                                line,
                                format!("{:?} lists {p:?}, not an email address", headers[i]),
                            ))
                        }
                    }
                }
            }
            if emails.is_empty() {
                return Err(bad(line, "no email address in the row".into()));
            }
            let mut seen = std::collections::BTreeSet::new();
            emails.retain(|e| seen.insert(e.clone()));
            let status = field(cols.status).to_string();
            let leaver = leaver_status(format, &status).ok_or_else(|| {
                bad(
                    line,
                    format!(
                        "{:?} is {status:?}, not a status reviewpack knows ({})",
                        headers[cols.status],
                        known_statuses(format)
                    ),
                )
            })?;
            let termination_date = match cols.termination.map(field).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(parse_date(s).ok_or_else(|| {
                    bad(
                        line,
                        format!("termination date {s:?} is not a date (YYYY-MM-DD)"),
                    )
                })?),
            };
            let manager = cols
                .manager
                .map(field)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let index = entries.len();
            for e in &emails {
                by_email.entry(e.clone()).or_default().push(index);
            }
            entries.push(RosterEntry {
                line,
                emails,
                status,
                leaver,
                termination_date,
                manager,
            });
        }
        if entries.is_empty() {
            return Err(RosterError::Empty {
                file: file.to_string(),
            });
        }
        Ok(Roster {
            source: RosterSource {
                file: file.to_string(),
                sha256,
                format,
                detected_by,
                rows: entries.len(),
            },
            entries,
            by_email,
        })
    }

    /// The rows listing `email` (any case), in file order.
    pub fn lookup(&self, email: &str) -> Vec<&RosterEntry> {
        self.by_email
            .get(&email.trim().to_lowercase())
            .map(|ix| ix.iter().map(|&i| &self.entries[i]).collect())
            .unwrap_or_default()
    }

    /// Every row.
    pub fn entries(&self) -> &[RosterEntry] {
        &self.entries
    }
}

/// Whether a status means the person left or is suspended; `None` when the
/// status is not one the format uses.
fn leaver_status(format: RosterFormat, status: &str) -> Option<bool> {
    let s = status.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    match format {
        RosterFormat::Entra => match s.as_str() {
            "true" | "yes" | "1" => Some(false),
            "false" | "no" | "0" => Some(true),
            _ => None,
        },
        RosterFormat::Okta => match s.as_str() {
            "active" | "provisioned" | "staged" | "recovery" | "password_expired"
            | "locked_out" | "password_reset" => Some(false),
            "suspended" | "deprovisioned" | "deactivated" => Some(true),
            _ => None,
        },
        RosterFormat::Hr => match s.as_str() {
            "active" | "leave" | "on_leave" | "loa" | "parental_leave" | "sabbatical" => {
                Some(false)
            }
            "terminated" | "termed" | "leaver" | "left" | "inactive" | "suspended" | "disabled"
            | "deprovisioned" | "deceased" | "retired" => Some(true),
            _ => None,
        },
    }
}

fn known_statuses(format: RosterFormat) -> &'static str {
    match format {
        RosterFormat::Entra => "True or False",
        RosterFormat::Okta => "ACTIVE, PROVISIONED, STAGED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED or DEPROVISIONED",
        RosterFormat::Hr => "active, leave, terminated, inactive or suspended",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Roster, RosterError> {
        Roster::parse("r.csv", text.as_bytes(), None)
    }

    const ENTRA: &str = "\u{feff}userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,department,accountEnabled,otherMails,proxyAddresses\n\
alice@corp.example.com,Alice,A,Alice.Smith@Example.com,Alice,1,Member,,,True,,\"SMTP:alice.smith@example.com;smtp:al@example.com;SIP:alice@example.com\"\n\
bob@corp.example.com,\"Bob, Jr.\",B,bob@example.com,Bob,2,Member,,,False,bobby@example.net,\n";

    #[test]
    fn entra_is_detected_from_its_header_with_bom_quotes_and_aliases() {
        let r = parse(ENTRA).unwrap();
        assert_eq!(r.source.format, RosterFormat::Entra);
        assert_eq!(r.source.detected_by, "header");
        assert_eq!(r.source.rows, 2);
        assert_eq!(r.source.sha256.len(), 64);
        // Case-insensitive, through mail and proxyAddresses (smtp: stripped,
        // SIP: ignored).
        let a = r.lookup("ALICE.SMITH@example.com");
        assert_eq!(a.len(), 1);
        assert!(!a[0].leaver);
        assert_eq!(a[0].line, 2);
        assert_eq!(r.lookup("al@Example.COM").len(), 1);
        assert!(r.lookup("alice@example.com").is_empty());
        let b = r.lookup("bobby@example.net");
        assert_eq!(b[0].status, "False");
        assert!(b[0].leaver);
        assert_eq!(b[0].line, 3);
    }

    #[test]
    fn okta_is_detected_and_its_statuses_are_mapped() {
        let text = "Username,First name,Last name,Primary email,Secondary email,Status\n\
carol@example.com,Carol,C,carol@example.com,carol.c@example.org,ACTIVE\n\
dan,Dan,D,Dan@Example.com,,SUSPENDED\n\
erin@example.com,Erin,E,erin@example.com,,DEPROVISIONED\n\
fay@example.com,Fay,F,fay@example.com,,PASSWORD_EXPIRED\n";
        let r = parse(text).unwrap();
        assert_eq!(r.source.format, RosterFormat::Okta);
        assert!(!r.lookup("CAROL.C@example.org")[0].leaver);
        assert!(r.lookup("dan@example.com")[0].leaver);
        assert!(r.lookup("erin@example.com")[0].leaver);
        assert!(!r.lookup("fay@example.com")[0].leaver);
    }

    #[test]
    fn hr_is_detected_with_dates_managers_and_aliases() {
        let text = "email,name,status,termination_date,manager,aliases\n\
gus@example.com,Gus,active,,hal@example.com,gustav@example.com;g@example.com\n\
ida@example.com,Ida,terminated,2026-08-31,hal@example.com,\n\
jo@example.com,Jo,active,2026-09-15,,\n";
        let r = parse(text).unwrap();
        assert_eq!(r.source.format, RosterFormat::Hr);
        assert_eq!(r.lookup("G@EXAMPLE.COM")[0].line, 2);
        let ida = r.lookup("ida@example.com")[0];
        assert!(ida.leaver);
        assert_eq!(ida.termination_date, NaiveDate::from_ymd_opt(2026, 8, 31));
        assert_eq!(ida.manager.as_deref(), Some("hal@example.com"));
        // Active, but the date has passed: gone.
        let jo = r.lookup("jo@example.com")[0];
        assert!(!jo.leaver);
        assert!(jo.gone_on(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()));
        assert!(!jo.gone_on(NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()));
    }

    #[test]
    fn a_malformed_line_is_an_error_naming_the_line() {
        let e = parse("email,status\nk@example.com,active\nl@example.com,fired-ish\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.csv line 3: \"status\" is \"fired-ish\", not a status reviewpack knows (active, leave, terminated, inactive or suspended)"
        );
        let e =
            parse("email,status\nk@example.com,active\nl@example.com,active,extra\n").unwrap_err();
        assert!(e.to_string().starts_with("r.csv line 3: 3 fields"), "{e}");
        let e = parse("email,status,termination_date\nm@example.com,terminated,31/08/2026\n")
            .unwrap_err();
        assert!(
            e.to_string().starts_with("r.csv line 2: termination date"),
            "{e}"
        );
        let e = parse("email,status\nnot-an-address,active\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse("userPrincipalName,accountEnabled\nn@example.com,maybe\n").unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("True or False"));
        let e =
            parse("email,status\r\nk@example.com,active\r\nl@example.com,bogus\r\n").unwrap_err();
        assert!(e.to_string().starts_with("r.csv line 3:"), "CRLF: {e}");
        // A quoted field spanning lines: the next row's line is still right.
        let e = parse(
            "email,status,manager\no@example.com,active,\"two\nlines\"\np@example.com,nope,\n",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("r.csv line 4:"), "{e}");
    }

    #[test]
    fn unknown_headers_are_refused_unless_the_format_is_given() {
        let text = "E-Mail Address,Employment Status\nq@example.com,active\n";
        let e = parse(text).unwrap_err();
        assert!(matches!(e, RosterError::UnknownFormat { .. }), "{e}");
        assert!(e.to_string().contains("--roster-format"));
        let e = Roster::parse("r.csv", text.as_bytes(), Some(RosterFormat::Hr)).unwrap_err();
        assert!(e.to_string().contains("needs a \"email\" column"), "{e}");
        let r = Roster::parse(
            "r.csv",
            b"Login,Email,Status\nr@example.com,r@example.com,ACTIVE\n",
            Some(RosterFormat::Okta),
        )
        .unwrap();
        assert_eq!(r.source.detected_by, "--roster-format");
        assert_eq!(r.lookup("r@example.com").len(), 1);
        assert!(matches!(
            parse("email,status\n").unwrap_err(),
            RosterError::Empty { .. }
        ));
    }
}
