//! `reviewpack explain`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::graph::{AccessGraph, Ask, Explanation, GrantPath};
use crate::snapshot::Scope;

use super::{load_snapshot, term_safe, Output};

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The snapshot file.
    snapshot: PathBuf,
    /// An email, a user uuid, or sa:SCOPE/IDENTIFIER (such as sa:account/ci_bot).
    principal: String,
    /// Ask whether the principal holds this permission (such as core_secret_access).
    #[arg(long)]
    permission: Option<String>,
    /// Ask about this scope: account, org:ORG or project:ORG/PROJECT.
    #[arg(long)]
    scope: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: ExplainArgs, _out: &Output) -> anyhow::Result<ExitCode> {
    let scope: Option<Scope> = args
        .scope
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("--scope")?;
    let loaded = load_snapshot(&args.snapshot)?;
    let graph = AccessGraph::build(&loaded.snapshot);
    let p = graph.find_principal(&args.principal).with_context(|| {
        format!(
            "no principal {:?} in {}: expected an email, a user uuid or sa:SCOPE/IDENTIFIER",
            args.principal,
            args.snapshot.display()
        )
    })?;
    let e = graph.explain(
        p,
        &Ask {
            permission: args.permission,
            scope,
        },
    );
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &e)?;
        writeln!(stdout)?;
    } else {
        stdout.write_all(render_text(&e).as_bytes())?;
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The human rendering of an explanation. Untrusted names are escaped.
pub(crate) fn render_text(e: &Explanation) -> String {
    let mut o = String::new();
    let p = &e.principal;
    let email = p
        .email
        .as_deref()
        .map(|m| format!(" <{}>", term_safe(m)))
        .unwrap_or_default();
    o.push_str(&format!("{} {}{}\n", p.kind, term_safe(&p.name), email));
    o.push_str(&format!(
        "  id: {}\n  status: {}\n",
        term_safe(&p.id),
        p.status
    ));
    let admin = if e.admin_of.is_empty() {
        String::new()
    } else {
        format!(" (admin of: {})", e.admin_of.join(", "))
    };
    o.push_str(&format!(
        "  highest privilege: {}{}\n",
        e.highest_privilege, admin
    ));

    if let Some(q) = &e.question {
        let what = q.permission.as_deref().unwrap_or("anything");
        let on = q
            .scope
            .as_deref()
            .map(|s| format!(" on {s}"))
            .unwrap_or_default();
        let answer = match (q.allowed, q.only_some_resources) {
            (false, _) => "NO".to_string(),
            (true, false) => format!("YES, through {} grant(s) below", e.grants.len()),
            (true, true) => format!(
                "YES, on some resources only, through {} grant(s) below",
                e.grants.len()
            ),
        };
        o.push_str(&format!("\nCan it do {what}{on}? {answer}\n"));
        if !q.allowed {
            if let Some(x) = e.escalation_paths.first() {
                o.push_str(&format!(
                    "But it can make itself admin of {} (escalation path below).\n",
                    x.admin_of
                ));
            }
        }
    }

    o.push_str(&format!("\nGrants ({}):\n", e.grants.len()));
    if e.grants.is_empty() {
        o.push_str("  (none)\n");
    }
    for (i, g) in e.grants.iter().enumerate() {
        push_grant(&mut o, i + 1, g);
    }
    if !e.dormant.is_empty() {
        o.push_str(&format!(
            "\nDormant: disabled assignments, nothing until re-enabled ({}):\n",
            e.dormant.len()
        ));
        for (i, g) in e.dormant.iter().enumerate() {
            push_grant(&mut o, i + 1, g);
        }
    }
    if !e.escalation_paths.is_empty() {
        o.push_str(&format!(
            "\nEscalation paths to admin ({}):\n",
            e.escalation_paths.len()
        ));
        for (i, path) in e.escalation_paths.iter().enumerate() {
            o.push_str(&format!(
                "  {}. admin of {} in {} step(s):\n",
                i + 1,
                path.admin_of,
                path.steps.len()
            ));
            for (j, s) in path.steps.iter().enumerate() {
                o.push_str(&format!(
                    "     {}) {} {}\n        {}\n",
                    j + 1,
                    s.action.as_str(),
                    term_safe(&s.target),
                    term_safe(&s.text)
                ));
            }
        }
    }
    if !e.can_become.is_empty() {
        o.push_str(&format!(
            "\nCan become (escalation steps open now, {}):\n",
            e.can_become.len()
        ));
        for s in &e.can_become {
            o.push_str(&format!(
                "  - {} {} ({} through assignment {} at {})\n",
                s.action.as_str(),
                term_safe(&s.target),
                s.permission.as_deref().unwrap_or("-"),
                term_safe(&s.assignment_id),
                s.assignment_scope
            ));
        }
    }
    o
}

fn push_grant(o: &mut String, n: usize, g: &GrantPath) {
    let role_scope = if g.role_scope.is_empty() {
        String::new()
    } else {
        format!(" ({})", g.role_scope)
    };
    o.push_str(&format!(
        "  {n}. {}: role {}{} on resource group {}\n",
        g.privilege_level,
        term_safe(&g.role_id),
        role_scope,
        term_safe(&g.resource_group_id)
    ));
    o.push_str(&format!("     via {}\n", term_safe(&g.via)));
    o.push_str(&format!(
        "     assignment {} at {}\n",
        term_safe(&g.assignment_id),
        g.assignment_scope
    ));
    o.push_str(&format!(
        "     targets {}; resources {}\n",
        term_safe(&g.targets),
        term_safe(&g.resources)
    ));
    if let Some(a) = &g.admin_of {
        o.push_str(&format!("     admin of {a}\n"));
    }
    let escalation: Vec<&str> = g
        .permissions
        .iter()
        .map(String::as_str)
        .filter(|p| crate::graph::is_escalation(p))
        .collect();
    let esc = if escalation.is_empty() {
        String::new()
    } else {
        format!(" (escalation: {})", escalation.join(" "))
    };
    o.push_str(&format!(
        "     {} permissions{}\n",
        g.permissions.len(),
        esc
    ));
}
