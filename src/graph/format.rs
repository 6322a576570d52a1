//! How every output writes target scopes, a resource group's included
//! scopes and a resource selection, so the CSV, XLSX, HTML, JSON and
//! `explain` texts agree to the character.

use super::access::Target;
use crate::snapshot::{ResourceSelector, ScopeSelector};

/// Renders target scopes as `account/**; org:eng` (`/**` marks a subtree).
pub fn format_targets(targets: &[Target]) -> String {
    format_target_refs(targets.iter())
}

/// [`format_targets`] over borrowed targets.
pub fn format_target_refs<'t>(targets: impl Iterator<Item = &'t Target>) -> String {
    targets.map(format_target).collect::<Vec<_>>().join("; ")
}

/// Renders a resource group's `includedScopes` as stored: an entry naming no
/// scope is `(assignment scope)`, an empty list `none`.
pub fn format_included_scopes(selectors: &[ScopeSelector]) -> String {
    if selectors.is_empty() {
        return "none".to_string();
    }
    selectors
        .iter()
        .map(|t| match &t.scope {
            Some(s) => format_scope_entry(&s.to_string(), t.include_child_scopes),
            None => format_scope_entry("(assignment scope)", t.include_child_scopes),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One target as [`format_target_refs`] names it.
pub fn format_target(t: &Target) -> String {
    format_scope_entry(&t.scope.to_string(), t.include_child_scopes)
}

fn format_scope_entry(scope: &str, include_child_scopes: bool) -> String {
    if include_child_scopes {
        format!("{scope}/**")
    } else {
        scope.to_string()
    }
}

/// Renders a resource selection: `all`, or `PIPELINE: deploy_prod; SECRET: all`.
pub fn format_resources(resources: Option<&[ResourceSelector]>) -> String {
    match resources {
        None => "all".to_string(),
        Some([]) => "none".to_string(),
        Some(sel) => sel
            .iter()
            .map(|s| {
                let what = if let Some(f) = &s.attribute_filter {
                    format!("{} in [{}]", f.name, f.values.join(", "))
                } else if s.identifiers.is_empty() {
                    "all".to_string()
                } else {
                    s.identifiers.join(", ")
                };
                format!("{}: {}", s.resource_type, what)
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}
