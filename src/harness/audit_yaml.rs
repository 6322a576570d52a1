//! Reading the two audit YAMLs the removals need: a deleted role assignment
//! (`RoleAssignmentRequest`) and a user group before and after an update
//! (`UserGroupRequest`).
//!
//! The server writes them with Jackson's YAML mapper (`NGYamlUtils`: block
//! style, two-space indent, sequences at their key's indent, quotes only
//! where a plain scalar would be misread, empty lists and nulls left out).
//! This reads that block subset and nothing more: a flow collection, an
//! anchor or a multi-line scalar is not understood, and the caller then
//! treats the details as unread, never as empty.

/// A deleted role assignment's identifier, role and resource group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedAssignment {
    /// `roleAssignment.identifier`.
    pub identifier: String,
    /// `roleAssignment.roleIdentifier`.
    pub role: Option<String>,
    /// `roleAssignment.resourceGroupIdentifier`.
    pub resource_group: Option<String>,
}

/// The lines of a top-level section (`top:` at indent 0), with their
/// indents; `None` when there is no such section.
fn section<'a>(yaml: &'a str, top: &str) -> Option<Vec<(usize, &'a str)>> {
    let mut lines = yaml.lines().skip_while(|l| l.trim() == "---");
    lines.find(|l| l.trim_end() == format!("{top}:"))?;
    Some(
        lines
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| (l.len() - l.trim_start().len(), l.trim()))
            .take_while(|(indent, _)| *indent > 0)
            .collect(),
    )
}

/// The section's own indent (its first line's).
fn own_indent(lines: &[(usize, &str)]) -> Option<usize> {
    lines.first().map(|(i, _)| *i)
}

/// A plain, single- or double-quoted scalar; `None` for anything else
/// (a flow collection, an anchor, a block scalar).
fn scalar(v: &str) -> Option<String> {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    other => out.push(other),
                }
            } else {
                out.push(c);
            }
        }
        return Some(out);
    }
    if let Some(inner) = v.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    if v.is_empty() || v.starts_with(['[', '{', '&', '*', '|', '>', '!']) {
        return None;
    }
    Some(v.to_string())
}

/// `key: value` at the section's own indent.
fn value(lines: &[(usize, &str)], key: &str) -> Option<String> {
    let indent = own_indent(lines)?;
    lines
        .iter()
        .filter(|(i, _)| *i == indent)
        .find_map(|(_, l)| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(scalar)
}

/// The sequence under `key:` at the section's own indent: `Some(empty)`
/// when the key is absent (Jackson leaves empty lists out) or `[]`; `None`
/// when an item is not a plain scalar.
fn sequence(lines: &[(usize, &str)], key: &str) -> Option<Vec<String>> {
    let indent = own_indent(lines)?;
    let head = format!("{key}:");
    let Some(at) = lines
        .iter()
        .position(|(i, l)| *i == indent && (*l == head || l.starts_with(&format!("{head} "))))
    else {
        return Some(Vec::new());
    };
    let rest = lines[at].1[head.len()..].trim();
    if rest == "[]" {
        return Some(Vec::new());
    }
    if !rest.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (i, l) in &lines[at + 1..] {
        if *i < indent || (*i == indent && !l.starts_with("- ") && *l != "-") {
            break;
        }
        out.push(scalar(l.strip_prefix("- ")?)?);
    }
    Some(out)
}

/// The role assignment an `ROLE_ASSIGNMENT_DELETED` event's old YAML names.
pub fn deleted_assignment(old_yaml: &str) -> Option<DeletedAssignment> {
    let lines = section(old_yaml, "roleAssignment")?;
    Some(DeletedAssignment {
        identifier: value(&lines, "identifier")?,
        role: value(&lines, "roleIdentifier"),
        resource_group: value(&lines, "resourceGroupIdentifier"),
    })
}

/// A user group's member ids, from an update's old or new YAML.
pub fn group_users(yaml: &str) -> Option<Vec<String>> {
    let lines = section(yaml, "userGroup")?;
    value(&lines, "identifier")?;
    sequence(&lines, "users")
}

/// The member ids an update removed: in the old YAML, not in the new.
pub fn removed_members(old_yaml: &str, new_yaml: &str) -> Option<Vec<String>> {
    let before = group_users(old_yaml)?;
    let after = group_users(new_yaml)?;
    Some(before.into_iter().filter(|u| !after.contains(u)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As `NGYamlUtils.getYamlString` writes a `RoleAssignmentRequest`.
    const ASSIGNMENT: &str = "roleAssignment:\n  identifier: role_assignment_qggRnZ7WlONL6gyObfuT\n  resourceGroupIdentifier: _all_account_level_resources\n  roleIdentifier: _account_admin\n  principal:\n    identifier: U-2nEAdY8lMTM6CcvKK4bA\n    type: USER\n  disabled: false\n  managed: false\n";

    #[test]
    fn a_deleted_assignment_is_read_from_its_old_yaml() {
        let a = deleted_assignment(ASSIGNMENT).unwrap();
        assert_eq!(a.identifier, "role_assignment_qggRnZ7WlONL6gyObfuT");
        assert_eq!(a.role.as_deref(), Some("_account_admin"));
        assert_eq!(
            a.resource_group.as_deref(),
            Some("_all_account_level_resources")
        );
        // The principal's nested identifier is not taken for the assignment's.
        let nested_first = "roleAssignment:\n  principal:\n    identifier: someone\n    type: USER\n  identifier: \"ra_1\"\n";
        assert_eq!(deleted_assignment(nested_first).unwrap().identifier, "ra_1");
        assert!(deleted_assignment("userGroup:\n  identifier: g\n").is_none());
        assert!(deleted_assignment("roleAssignment:\n  roleIdentifier: r\n").is_none());
        assert!(deleted_assignment("").is_none());
    }

    #[test]
    fn a_group_update_names_the_members_it_removed() {
        let old = "userGroup:\n  accountIdentifier: A\n  identifier: admins\n  name: Admins\n  users:\n  - u1\n  - 'u''2'\n  - \"u3\"\n  externallyManaged: false\n";
        let new = "userGroup:\n  accountIdentifier: A\n  identifier: admins\n  name: Admins\n  users:\n  - u1\n  externallyManaged: false\n";
        assert_eq!(
            removed_members(old, new).unwrap(),
            vec!["u'2".to_string(), "u3".to_string()]
        );
        // The last member gone: Jackson leaves the empty list out.
        let empty = "userGroup:\n  identifier: admins\n  name: Admins\n";
        assert_eq!(removed_members(new, empty).unwrap(), vec!["u1".to_string()]);
        // Indented sequences are read too.
        let indented = "userGroup:\n  identifier: admins\n  users:\n    - u1\n  name: x\n";
        assert_eq!(group_users(indented).unwrap(), vec!["u1".to_string()]);
        // What this reader does not understand is unknown, not empty.
        assert!(group_users("userGroup:\n  identifier: g\n  users: [u1, u2]\n").is_none());
        assert!(group_users("userGroup:\n  identifier: g\n  users:\n  - &a u1\n").is_none());
        assert!(removed_members("nonsense", new).is_none());
    }
}
