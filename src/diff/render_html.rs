//! diff.html: one self-contained page in the frame every page shares
//! ([`crate::output::page`]: the pack's stylesheet and script inline under
//! its Content-Security-Policy, no network), readable and printable without
//! JavaScript, which only adds a search over the page's tables. Every value
//! goes through minijinja's HTML autoescaping, with hidden characters shown
//! as markers (`output::sanitize::html_formatter`); tables are capped so a
//! large diff stays small, and say where the rest is.
//!
//! The template sees the report as diff.json has it, except that each long
//! list holds only the rows the page shows (its length is the whole list's):
//! a large diff's lists run to hundreds of thousands of entries, and the
//! page shows at most [`CAP`] of each.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{context, Value};
use serde::Serialize;

use super::model::{
    AccessChanges, AssignmentChanges, DecisionsCheck, DiffReport, FindingChanges,
    MembershipChanges, PrincipalChanges, ResourceGroupChanges, RoleChanges,
};

use crate::output::sanitize::template_value;

const TEMPLATE: &str = include_str!("../../templates/diff.html.jinja");

/// Rows shown per table.
const CAP: usize = 500;

type Result<T> = std::result::Result<T, minijinja::Error>;

/// Renders the page.
pub(crate) fn render(r: &DiffReport) -> Result<String> {
    render_with(r, report_value(r)?)
}

fn render_with(r: &DiffReport, value: Value) -> Result<String> {
    let account = match &r.new.account_name {
        Some(n) => format!("{n} ({})", r.account_id),
        None => r.account_id.clone(),
    };
    // The evidence named at the foot of every printed sheet.
    let identity = format!(
        "Account {} · OLD {} SHA-256 {} · NEW {} SHA-256 {}",
        r.account_id,
        time(&r.old.captured_at),
        r.old.sha256,
        time(&r.new.captured_at),
        r.new.sha256
    );
    crate::output::page::render(
        "diff.html.jinja",
        TEMPLATE,
        &identity,
        context! {
            r => value,
            account => account,
            cap => CAP,
        },
    )
}

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A list of which the template can only read the first [`CAP`] entries;
/// its length, truth and slices are the whole list's.
#[derive(Debug)]
struct Head {
    /// The first entries.
    items: Vec<Value>,
    /// The whole list's length.
    len: usize,
}

impl Object for Head {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.items.get(key.as_usize()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len)
    }
}

fn json_err(e: serde_json::Error) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
}

/// A value as diff.json has it.
fn full<T: Serialize + ?Sized>(v: &T) -> Result<Value> {
    Ok(template_value(&serde_json::to_value(v).map_err(json_err)?))
}

/// A list as diff.json has it, cut to what the page shows.
fn head<T: Serialize>(v: &[T]) -> Result<Value> {
    let items = v[..v.len().min(CAP)]
        .iter()
        .map(full)
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::from_object(Head {
        items,
        len: v.len(),
    }))
}

/// A JSON object from its fields.
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<String, Value>>(),
    )
}

fn principals(x: &PrincipalChanges) -> Result<Value> {
    let PrincipalChanges {
        added,
        removed,
        changed,
    } = x;
    Ok(object([
        ("added", head(added)?),
        ("removed", head(removed)?),
        ("changed", head(changed)?),
    ]))
}

fn memberships(x: &MembershipChanges) -> Result<Value> {
    let MembershipChanges { added, removed } = x;
    Ok(object([
        ("added", head(added)?),
        ("removed", head(removed)?),
    ]))
}

fn assignments(x: &AssignmentChanges) -> Result<Value> {
    let AssignmentChanges {
        added,
        removed,
        enabled,
        disabled,
    } = x;
    Ok(object([
        ("added", head(added)?),
        ("removed", head(removed)?),
        ("enabled", head(enabled)?),
        ("disabled", head(disabled)?),
    ]))
}

fn roles(x: &RoleChanges) -> Result<Value> {
    let RoleChanges {
        added,
        removed,
        changed,
    } = x;
    Ok(object([
        ("added", head(added)?),
        ("removed", head(removed)?),
        ("changed", head(changed)?),
    ]))
}

fn resource_groups(x: &ResourceGroupChanges) -> Result<Value> {
    let ResourceGroupChanges {
        added,
        removed,
        changed,
    } = x;
    Ok(object([
        ("added", head(added)?),
        ("removed", head(removed)?),
        ("changed", head(changed)?),
    ]))
}

fn access(x: &AccessChanges) -> Result<Value> {
    let AccessChanges {
        gained,
        lost,
        changed,
    } = x;
    Ok(object([
        ("gained", head(gained)?),
        ("lost", head(lost)?),
        ("changed", head(changed)?),
    ]))
}

fn findings(x: &FindingChanges) -> Result<Value> {
    let FindingChanges {
        evaluated,
        rules_evaluated,
        policy,
        new,
        resolved,
        persisting,
    } = x;
    Ok(object([
        ("evaluated", full(evaluated)?),
        ("rules_evaluated", full(rules_evaluated)?),
        ("policy", full(policy)?),
        ("new", head(new)?),
        ("resolved", head(resolved)?),
        ("persisting", head(persisting)?),
    ]))
}

fn decisions(x: &Option<DecisionsCheck>) -> Result<Value> {
    let Some(DecisionsCheck {
        file,
        sha256,
        rows,
        keep,
        modify,
        revoke,
        undecided,
        ignored_sheets,
        problems,
        verified,
        not_done,
        unchecked,
    }) = x
    else {
        return full(x);
    };
    Ok(object([
        ("file", full(file)?),
        ("sha256", full(sha256)?),
        ("rows", full(rows)?),
        ("keep", full(keep)?),
        ("modify", full(modify)?),
        ("revoke", full(revoke)?),
        ("undecided", full(undecided)?),
        ("ignored_sheets", full(ignored_sheets)?),
        ("problems", head(problems)?),
        ("verified", head(verified)?),
        ("not_done", head(not_done)?),
        ("unchecked", head(unchecked)?),
    ]))
}

/// The report as the template reads it. Every field is named here (the
/// destructuring makes a new field a compile error until it is added).
fn report_value(r: &DiffReport) -> Result<Value> {
    let DiffReport {
        schema,
        tool_version,
        account_id,
        accounts_differ,
        old,
        new,
        summary,
        principals: p,
        group_memberships,
        role_assignments,
        roles: ro,
        resource_groups: rg,
        effective_access,
        findings: fi,
        decisions: d,
        gate,
        guard,
    } = r;
    Ok(object([
        ("schema", full(schema)?),
        ("tool_version", full(tool_version)?),
        ("account_id", full(account_id)?),
        ("accounts_differ", full(accounts_differ)?),
        ("old", full(old)?),
        ("new", full(new)?),
        ("summary", full(summary)?),
        ("principals", principals(p)?),
        ("group_memberships", memberships(group_memberships)?),
        ("role_assignments", assignments(role_assignments)?),
        ("roles", roles(ro)?),
        ("resource_groups", resource_groups(rg)?),
        ("effective_access", access(effective_access)?),
        ("findings", findings(fi)?),
        ("decisions", decisions(d)?),
        ("gate", full(gate)?),
        ("guard", full(guard)?),
    ]))
}

/// Writes diff.html.
pub(crate) fn write(r: &DiffReport, path: &Path) -> std::io::Result<()> {
    let html = render(r).map_err(|e| std::io::Error::other(format!("diff.html: {e:#}")))?;
    std::fs::write(path, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page as rendered from the whole report, as it was before lists
    /// were cut to what the page shows.
    fn render_whole(r: &DiffReport) -> String {
        render_with(r, template_value(&serde_json::to_value(r).unwrap())).unwrap()
    }

    fn quarter(name: &str) -> crate::snapshot::LoadedSnapshot {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/quarter")
            .join(name);
        crate::snapshot::load(&p).unwrap()
    }

    /// Makes a non-empty list `n` long.
    fn grow<T: Clone>(v: &mut Vec<T>, n: usize) {
        if let Some(first) = v.first().cloned() {
            v.resize(n, first);
        }
    }

    #[test]
    fn the_cut_report_renders_as_the_whole_one() {
        let (o, n) = (quarter("q3.json"), quarter("q4.json"));
        let (og, ng) = (
            crate::graph::AccessGraph::build(&o.snapshot),
            crate::graph::AccessGraph::build(&n.snapshot),
        );
        let policy = crate::findings::Policy::default();
        let of = crate::findings::evaluate(&og, &policy, o.snapshot.captured_at());
        let nf = crate::findings::evaluate(&ng, &policy, n.snapshot.captured_at());
        let rules: Vec<String> = nf.rules_evaluated.iter().map(|r| r.to_string()).collect();
        let decisions = crate::diff::read_decisions(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples/quarter/q3-decisions.csv"),
        )
        .unwrap();
        let mut r = crate::diff::compare(
            &crate::diff::DiffSide {
                loaded: &o,
                file: "q3.json",
                graph: &og,
            },
            &crate::diff::DiffSide {
                loaded: &n,
                file: "q4.json",
                graph: &ng,
            },
            Some(&crate::diff::FindingsRun {
                old: &of.findings,
                new: &nf.findings,
                rules_evaluated: &rules,
                policy: &policy.source,
            }),
            Some(&decisions),
        );
        assert_eq!(render(&r).unwrap(), render_whole(&r));
        // Every list longer than the page shows, and one exactly as long.
        for n in [CAP + 7, CAP] {
            grow(&mut r.principals.added, n);
            grow(&mut r.principals.removed, n);
            grow(&mut r.principals.changed, n);
            grow(&mut r.group_memberships.added, n);
            grow(&mut r.group_memberships.removed, n);
            grow(&mut r.role_assignments.added, n);
            grow(&mut r.role_assignments.removed, n);
            grow(&mut r.role_assignments.enabled, n);
            grow(&mut r.role_assignments.disabled, n);
            grow(&mut r.roles.added, n);
            grow(&mut r.roles.removed, n);
            grow(&mut r.roles.changed, n);
            grow(&mut r.resource_groups.added, n);
            grow(&mut r.resource_groups.removed, n);
            grow(&mut r.resource_groups.changed, n);
            grow(&mut r.effective_access.gained, n);
            grow(&mut r.effective_access.lost, n);
            grow(&mut r.effective_access.changed, n);
            grow(&mut r.findings.new, n);
            grow(&mut r.findings.resolved, n);
            grow(&mut r.findings.persisting, n);
            let d = r.decisions.as_mut().unwrap();
            grow(&mut d.problems, n);
            grow(&mut d.verified, n);
            grow(&mut d.not_done, n);
            grow(&mut d.unchecked, n);
            let cut = render(&r).unwrap();
            assert!(cut.contains("more rows not shown here") == (n > CAP));
            assert_eq!(cut, render_whole(&r));
        }
    }
}
