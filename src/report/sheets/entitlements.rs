//! The Entitlements sheet: one row per thing one Harness action removes (a
//! principal, a scope or group membership, a role assignment, a token), with
//! what it gives, so a reviewer decides each once with the facts in view.
//! The grant sheets (Privileged Access, Effective Access) are the evidence of
//! what each entitlement reaches.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::*;
use crate::graph::{Entitlement, Holder, RoleOrder};

/// The columns, the row's identity first: in the workbook the reviewer
/// columns follow [`IDENTITY_COLUMNS`] of them, so who, what and the
/// decision sit side by side.
pub(super) const ENTITLEMENTS: &[Column] = &[
    col("principal_name", "Who", 24.0),
    col("entitlement", "Entitlement", 46.0),
    col("privilege_level", "Gives", 11.0),
    col("principal_email", "Email", 28.0),
    col("principal_status", "Status", 10.0),
    col("last_login", "Last login", 21.0),
    col("two_factor", "2FA", 6.0),
    col("open_findings", "Open findings", 9.0),
    col("owner", "Owner", 24.0),
    col("purpose", "Purpose", 30.0),
    col("admin_of", "Admin of", 18.0),
    col("escalation_permissions", "Escalation permissions", 30.0),
    col("reaches", "Reaches", 24.0),
    col("roles", "Roles", 46.0),
    col("members", "Members", 36.0),
    col("grants", "Grants", 8.0),
    col("remove_with", "How it is removed", 46.0),
    col("kind", "Kind", 16.0),
    col("principal_kind", "Principal kind", 14.0),
    col("principal_id", "Principal ID", 26.0),
    col("scope", "Scope", 20.0),
    col("permissions", "Permissions", 46.0),
    col("row_key", "Row key", 40.0),
];

/// How many of [`ENTITLEMENTS`] name the row (the workbook freezes them and
/// puts the reviewer columns right after).
pub const IDENTITY_COLUMNS: usize = 3;

/// Columns whose text wraps in the workbook.
pub const WRAPPED: &[&str] = &[
    "entitlement",
    "purpose",
    "roles",
    "permissions",
    "members",
    "remove_with",
    "escalation_permissions",
    "reaches",
    "admin_of",
];

/// How many members a row names before counting the rest.
const MEMBERS_SHOWN: usize = 3;
/// How many resource types a permission summary names.
const TYPES_SHOWN: usize = 5;

pub(super) fn entitlement_count(g: &AccessGraph<'_>) -> usize {
    g.entitlements().len()
}

/// What a row says about its principal besides the graph: open findings
/// (not exempt) by principal id, and the policy's service-account owners.
pub struct RowFacts<'p> {
    /// Open findings per principal id (user uuid, `sa:SCOPE/ID`,
    /// `group:SCOPE/ID`).
    pub open_findings: HashMap<String, usize>,
    /// The policy's service-account ownership.
    pub service_accounts: &'p crate::findings::ServiceAccountPolicy,
    /// `open_findings` by [`EntitlementRows`]' holders (users, service
    /// accounts, listed groups), looked up once rather than on every row;
    /// empty unless made by [`RowFacts::for_rows`].
    open_by_holder: Vec<usize>,
}

impl<'p> RowFacts<'p> {
    /// From a report's findings and policy (each row then looks up its
    /// holder's open findings by id: see [`RowFacts::for_rows`]).
    fn of(findings: &[crate::findings::Finding], policy: &'p crate::findings::Policy) -> Self {
        let mut open_findings: HashMap<String, usize> = HashMap::new();
        for f in findings.iter().filter(|f| !f.is_exempt()) {
            if let Some(p) = &f.principal {
                *open_findings.entry(p.id.clone()).or_default() += 1;
            }
        }
        RowFacts {
            open_findings,
            service_accounts: &policy.service_accounts,
            open_by_holder: Vec::new(),
        }
    }

    /// [`RowFacts::of`], with each holder of `rows` looked up once.
    pub fn for_rows(
        findings: &[crate::findings::Finding],
        policy: &'p crate::findings::Policy,
        rows: &EntitlementRows,
    ) -> Self {
        let mut facts = RowFacts::of(findings, policy);
        facts.open_by_holder = rows
            .people
            .iter()
            .chain(&rows.groups)
            .map(|who| facts.open_findings.get(&*who.id).copied().unwrap_or(0))
            .collect();
        facts
    }
}

/// What every Entitlements row takes from the graph (what its accesses
/// give, its roles, its members, how many grants hang on it), made once per
/// report on every core and shared by every writer of the rows: the sheet,
/// its CSV file, the reviewer split. A row is then its entitlement's names
/// and these ([`EntitlementRows::row`]).
pub struct EntitlementRows {
    cores: Vec<RowCore>,
    targets: TargetNames,
    /// Who each user, then each service account, is in a row.
    people: Vec<Who>,
    /// Who each listed group is in a row.
    groups: Vec<Who>,
}

/// The cells naming who holds an entitlement, made once per principal or
/// group (tens of rows name the same user).
#[derive(Clone)]
struct Who {
    kind: &'static str,
    id: Arc<str>,
    name: Arc<str>,
    email: Arc<str>,
    status: &'static str,
    login: Cell,
    tfa: &'static str,
}

impl Who {
    fn of(g: &AccessGraph<'_>, holder: Holder) -> Who {
        let s = g.snapshot();
        match holder {
            Holder::Principal(p) => {
                let id = g.identity(p);
                let (login, tfa) = match p {
                    Principal::User(u) => (
                        Cell::Shared(last_login(g, u).into()),
                        two_factor(&s.users[u]),
                    ),
                    Principal::ServiceAccount(_) => (Cell::Empty, ""),
                };
                Who {
                    kind: id.kind,
                    id: id.id.into(),
                    name: id.name.into(),
                    email: id.email.unwrap_or_default().into(),
                    status: principal_status(g, p),
                    login,
                    tfa,
                }
            }
            Holder::Group(gr) => {
                let (scope, gid) = g.group_scope_and_id(gr);
                let name = gr
                    .index
                    .map(|i| s.user_groups[i].name.as_str())
                    .unwrap_or(gid);
                Who {
                    kind: "user_group",
                    id: format!("group:{scope}/{gid}").into(),
                    name: name.into(),
                    email: "".into(),
                    status: "",
                    login: Cell::Empty,
                    tfa: "",
                }
            }
            Holder::Unknown => Who {
                kind: "",
                id: "".into(),
                name: "".into(),
                email: "".into(),
                status: "",
                login: Cell::Empty,
                tfa: "",
            },
        }
    }
}

/// One row's share of [`EntitlementRows`].
struct RowCore {
    e: Entitlement,
    /// Who it is about ([`AccessGraph::entitlement_holder`], which for a
    /// token searches the service accounts).
    holder: Holder,
    set: Arc<SetCells>,
    roles: Arc<str>,
    members: Option<Arc<str>>,
    grants: usize,
}

/// The cells a row takes from its set of accesses.
struct SetCells {
    level: PrivilegeLevel,
    admin_of: Arc<str>,
    escalation: Arc<str>,
    /// The scopes it reaches, as [`TargetNames`] numbers them.
    reaches: Box<[u32]>,
    /// Their names, made once when more than one row shares the set (a
    /// set of one row, such as most principals' and scope memberships',
    /// names them when its row is made: a kilobyte a row at 50,000 users).
    reaches_text: std::sync::OnceLock<Arc<str>>,
    permissions: Arc<str>,
}

/// How many entitlements a thread takes at a time.
const CHUNK: usize = 8192;

impl EntitlementRows {
    /// Every entitlement's, in row order ([`AccessGraph::entitlements`]).
    pub fn make(g: &AccessGraph<'_>) -> EntitlementRows {
        let all = g.entitlements();
        let shared = Shared {
            grant_counts: g.grant_counts(),
            roles: g.role_order(),
            targets: TargetNames::of(g),
        };
        let chunks: Vec<&[Entitlement]> = all.chunks(CHUNK).collect();
        let order: Vec<usize> = (0..chunks.len()).collect();
        let made = crate::parallel::map_in_order_with(
            &order,
            || CoreMaker::new(g, &shared),
            |maker, i| chunks[i].iter().map(|&e| maker.core(e)).collect::<Vec<_>>(),
        );
        let cores: Vec<RowCore> = made.into_iter().flatten().collect();
        // The makers' caches are gone: a set still held twice is shared.
        for c in &cores {
            if Arc::strong_count(&c.set) > 1 {
                c.set
                    .reaches_text
                    .get_or_init(|| shared.targets.text(&c.set.reaches).into());
            }
        }
        let s = g.snapshot();
        let people = g
            .principals()
            .map(|p| Who::of(g, Holder::Principal(p)))
            .collect();
        let groups = (0..s.user_groups.len())
            .map(|i| {
                let gr = GroupRef {
                    index: Some(i),
                    builtin_from_assignment: None,
                };
                Who::of(g, Holder::Group(gr))
            })
            .collect();
        EntitlementRows {
            cores,
            targets: shared.targets,
            people,
            groups,
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.cores.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.cores.is_empty()
    }

    /// The level row `i` gives.
    pub fn level(&self, i: usize) -> PrivilegeLevel {
        self.cores[i].set.level
    }

    /// Row `i`, in [`ENTITLEMENTS`]' columns.
    pub fn row(&self, g: &AccessGraph<'_>, facts: &RowFacts<'_>, i: usize) -> Vec<Cell> {
        let RowCore {
            e,
            holder,
            set,
            roles,
            members,
            grants,
        } = &self.cores[i];
        let (e, holder) = (*e, *holder);
        let s = g.snapshot();
        let (slot, who) = self.who(g, holder);
        let open = match slot.and_then(|k| facts.open_by_holder.get(k)) {
            Some(n) => *n,
            None => facts.open_findings.get(&*who.id).copied().unwrap_or(0),
        };
        let (owner, purpose): (Cell, Cell) = match holder {
            Holder::Principal(Principal::ServiceAccount(i)) => {
                let sa = &s.service_accounts[i];
                (
                    facts
                        .service_accounts
                        .owner_of(sa)
                        .map_or_else(|| Cell::from("no owner"), Cell::from),
                    sa.description.clone().into(),
                )
            }
            _ => (Cell::Empty, Cell::Empty),
        };
        vec![
            Cell::Shared(who.name.clone()),
            what(g, e).into(),
            set.level.as_str().into(),
            Cell::Shared(who.email.clone()),
            who.status.into(),
            who.login.clone(),
            who.tfa.into(),
            open.into(),
            owner,
            purpose,
            Cell::Shared(set.admin_of.clone()),
            Cell::Shared(set.escalation.clone()),
            match set.reaches_text.get() {
                Some(t) => Cell::Shared(t.clone()),
                None => self.targets.text(&set.reaches).into(),
            },
            Cell::Shared(roles.clone()),
            members.clone().map_or(Cell::Empty, Cell::Shared),
            (*grants).into(),
            remove_with(g, e, *grants).into(),
            e.kind().label().into(),
            who.kind.into(),
            Cell::Shared(who.id.clone()),
            g.entitlement_scope(e).to_string().into(),
            Cell::Shared(set.permissions.clone()),
            g.entitlement_key(e).into(),
        ]
    }

    /// Who holds an entitlement, and its place in `people` then `groups`
    /// when it has one.
    fn who(&self, g: &AccessGraph<'_>, holder: Holder) -> (Option<usize>, Cow<'_, Who>) {
        let slot = match holder {
            Holder::Principal(Principal::User(u)) => Some(u),
            Holder::Principal(Principal::ServiceAccount(i)) => Some(g.snapshot().users.len() + i),
            Holder::Group(GroupRef { index: Some(i), .. }) => Some(self.people.len() + i),
            _ => None,
        };
        let who = match slot {
            Some(k) if k < self.people.len() => Cow::Borrowed(&self.people[k]),
            Some(k) => Cow::Borrowed(&self.groups[k - self.people.len()]),
            None => Cow::Owned(Who::of(g, holder)),
        };
        (slot, who)
    }

    /// What `reviewers/assignments.csv` says of row `i` besides its reviewer,
    /// without making the rest of the row: the row's key, principal id,
    /// email, level and entitlement cells.
    pub fn listing(&self, g: &AccessGraph<'_>, i: usize) -> Listing {
        let core = &self.cores[i];
        let (_, who) = self.who(g, core.holder);
        Listing {
            key: g.entitlement_key(core.e),
            principal_id: who.id.clone(),
            principal_email: who.email.clone(),
            level: core.set.level.as_str(),
            entitlement: what(g, core.e),
        }
    }
}

/// One row of `reviewers/assignments.csv`, but its reviewer
/// ([`EntitlementRows::listing`]).
pub struct Listing {
    /// The row key.
    pub key: String,
    /// The holder's id.
    pub principal_id: Arc<str>,
    /// The holder's email, as the row shows it.
    pub principal_email: Arc<str>,
    /// The level it gives.
    pub level: &'static str,
    /// The entitlement in words.
    pub entitlement: String,
}

/// What every thread making [`RowCore`]s reads.
struct Shared {
    grant_counts: Vec<usize>,
    roles: RoleOrder,
    targets: TargetNames,
}

/// Every target scope of the graph's accesses, in the order
/// [`crate::graph::format_target_refs`] lists them, with its name: a set of
/// accesses then names what it reaches by sorting numbers.
struct TargetNames {
    sorted: Vec<crate::graph::Target>,
    names: Vec<String>,
}

impl TargetNames {
    fn of(g: &AccessGraph<'_>) -> TargetNames {
        let mut sorted: Vec<crate::graph::Target> = (0..g.assignments.len())
            .filter_map(|ai| g.access_of(ai))
            .flat_map(|a| a.targets.iter().cloned())
            .collect();
        sorted.sort();
        sorted.dedup();
        let names = sorted.iter().map(crate::graph::format_target).collect();
        TargetNames { sorted, names }
    }

    /// `account/**; org:eng` of target numbers, sorted.
    fn text(&self, numbers: &[u32]) -> String {
        let mut text = String::new();
        for (i, &n) in numbers.iter().enumerate() {
            if i > 0 {
                text.push_str("; ");
            }
            text.push_str(&self.names[n as usize]);
        }
        text
    }

    fn numbers(&self, access: &crate::graph::Access) -> Vec<u32> {
        access
            .targets
            .iter()
            .map(|t| {
                self.sorted
                    .binary_search(t)
                    .expect("every access's targets are listed") as u32
            })
            .collect()
    }
}

/// Makes [`RowCore`]s on one thread. What many rows share is made once: the
/// facts of each distinct set of accesses (group members share their
/// group's, a project's members mostly the same few roles), each group's
/// members, each access's target numbers.
struct CoreMaker<'g, 's, 'h> {
    g: &'g AccessGraph<'s>,
    shared: &'h Shared,
    roles: RoleOrder,
    by_set: HashMap<Vec<usize>, Arc<SetCells>>,
    members: HashMap<GroupRef, Arc<str>>,
    group_sizes: HashMap<usize, Arc<str>>,
    targets: HashMap<usize, Vec<u32>>,
    words: PermissionWords,
}

impl<'g, 's, 'h> CoreMaker<'g, 's, 'h> {
    fn new(g: &'g AccessGraph<'s>, shared: &'h Shared) -> Self {
        CoreMaker {
            g,
            shared,
            roles: shared.roles.clone(),
            by_set: HashMap::new(),
            members: HashMap::new(),
            group_sizes: HashMap::new(),
            targets: HashMap::new(),
            words: PermissionWords::default(),
        }
    }

    fn core(&mut self, e: Entitlement) -> RowCore {
        let g = self.g;
        // A role assignment's grants are only counted (to an all-users
        // group it carries one per user of the scope).
        let (assignments, grants) = match e {
            Entitlement::RoleAssignment(ai) => (vec![ai], self.shared.grant_counts[ai]),
            _ => g.entitlement_reach(e),
        };
        let set = self.set_cells(&assignments);
        let holder = g.entitlement_holder(e);
        let members = match (e, holder) {
            (Entitlement::RoleAssignment(_), Holder::Group(gr)) => Some(
                self.members
                    .entry(gr)
                    .or_insert_with(|| members_label(g, gr).into())
                    .clone(),
            ),
            (Entitlement::GroupMembership { group, .. }, _) => {
                Some(self.group_sizes.entry(group).or_insert_with(|| {
                    let n = g
                        .group_members(GroupRef {
                            index: Some(group),
                            builtin_from_assignment: None,
                        })
                        .len();
                    format!("the group has {n} member{}", if n == 1 { "" } else { "s" }).into()
                }))
                .cloned()
            }
            _ => None,
        };
        RowCore {
            e,
            holder,
            set,
            roles: self.roles.text(g, &assignments),
            members,
            grants,
        }
    }

    fn set_cells(&mut self, assignments: &[usize]) -> Arc<SetCells> {
        let g = self.g;
        let accesses = g.access_set(assignments);
        let key: Vec<usize> = accesses
            .iter()
            .map(|a| *a as *const crate::graph::Access as usize)
            .collect();
        if let Some(c) = self.by_set.get(&key) {
            return c.clone();
        }
        let gives = g.gives_of_accesses_but_scopes(&accesses);
        let mut targets: Vec<u32> = Vec::new();
        for (a, k) in accesses.iter().zip(&key) {
            let numbers = self
                .targets
                .entry(*k)
                .or_insert_with(|| self.shared.targets.numbers(a));
            targets.extend_from_slice(numbers);
        }
        targets.sort_unstable();
        targets.dedup();
        let cells = Arc::new(SetCells {
            level: gives.level,
            admin_of: join_scopes(&gives.admin_of.iter().cloned().collect::<Vec<_>>()).into(),
            escalation: gives
                .escalation
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
            reaches: targets.into(),
            reaches_text: std::sync::OnceLock::new(),
            permissions: permission_summary(g, &accesses, &mut self.words).into(),
        });
        self.by_set.insert(key, cells.clone());
        cells
    }
}

/// The entitlement in words: what it is, where.
pub fn what(g: &AccessGraph<'_>, e: Entitlement) -> String {
    let s = g.snapshot();
    match e {
        Entitlement::Principal(Principal::User(_)) => "User of the account".into(),
        Entitlement::Principal(Principal::ServiceAccount(i)) => {
            format!("Service account at {}", s.service_accounts[i].scope)
        }
        Entitlement::ScopeMembership { user, scope } => {
            let sc = &s.users[user].scopes[scope];
            match sc {
                Scope::Org(_) => format!("Member of organization {sc}"),
                _ => format!("Member of project {sc}"),
            }
        }
        Entitlement::GroupMembership { group, .. } => {
            let grp = &s.user_groups[group];
            format!("Member of group {} ({}/{})", grp.name, grp.scope, grp.id)
        }
        Entitlement::RoleAssignment(ai) => {
            let a = &s.role_assignments[ai];
            let role = match g.assignments[ai].role {
                Some(r) => s.roles[r].name.as_str(),
                None => a.role.id.as_str(),
            };
            let to = match g.entitlement_holder(e) {
                Holder::Group(gr) => {
                    let (scope, gid) = g.group_scope_and_id(gr);
                    format!(" to group {scope}/{gid}")
                }
                _ => String::new(),
            };
            format!(
                "Role {role} on {} at {}{to} (assignment {})",
                a.resource_group, a.scope, a.id
            )
        }
        Entitlement::Token(i) => {
            let t = &s.tokens[i];
            let until = t
                .valid_to
                .map(|v| format!(", valid until {}", fmt_time(v)))
                .unwrap_or_else(|| ", no expiry".into());
            format!(
                "API token {} (key {}) at {}{until}",
                t.id, t.api_key, t.scope
            )
        }
    }
}

/// The Harness action that removes the entitlement, and where it cannot be
/// done in Harness alone.
pub fn remove_with(g: &AccessGraph<'_>, e: Entitlement, grants: usize) -> String {
    let s = g.snapshot();
    match e {
        Entitlement::Principal(Principal::User(u)) => {
            if s.users[u].externally_managed {
                "Provisioned by SCIM: deprovision the user in the identity provider (removing it in Harness is undone at the next sync)".into()
            } else {
                "Remove the user from the account (Account Settings > Access Control > Users)".into()
            }
        }
        Entitlement::Principal(Principal::ServiceAccount(i)) => format!(
            "Delete the service account {} at {} (its keys and tokens go with it)",
            s.service_accounts[i].id, s.service_accounts[i].scope
        ),
        Entitlement::ScopeMembership { user, scope } => format!(
            "Remove the user from {} (its Access Control > Users); their role assignments there go with it",
            s.users[user].scopes[scope]
        ),
        Entitlement::GroupMembership { group, .. } => {
            let grp = &s.user_groups[group];
            if grp.externally_managed || grp.sso_linked {
                format!(
                    "The group's members come from {}: remove the user from that group in the identity provider",
                    if grp.externally_managed {
                        "SCIM".to_string()
                    } else {
                        format!(
                            "SSO ({} group {})",
                            grp.sso_type.as_deref().unwrap_or("SSO"),
                            grp.sso_group.as_deref().unwrap_or("?")
                        )
                    }
                )
            } else {
                format!("Remove the member from group {}/{}", grp.scope, grp.id)
            }
        }
        Entitlement::RoleAssignment(ai) => {
            let a = &s.role_assignments[ai];
            let mut text = format!("Delete role assignment {} at {}", a.id, a.scope);
            if let Some(projects) = g.inheritance_binding(ai) {
                if projects.is_empty() {
                    text.push_str(&format!(
                        "; Harness made it when account group {} was given a role in a project of {}, and none is left there",
                        a.principal.id, a.scope
                    ));
                } else {
                    let names: Vec<String> = projects.iter().map(Scope::to_string).collect();
                    text.push_str(&format!(
                        "; Harness made it when account group {} was given a role in {} (audited), and the group may lose its way into those projects without it",
                        a.principal.id,
                        names.join(", ")
                    ));
                }
            }
            if let Holder::Group(gr) = g.entitlement_holder(e) {
                let (scope, gid) = g.group_scope_and_id(gr);
                if is_all_users_group(gid, scope.level()) {
                    text.push_str(&format!(
                        "; it is granted to every user of {scope}: deleting it removes it from all {grants} of them",
                    ));
                }
            }
            text
        }
        Entitlement::Token(i) => {
            let t = &s.tokens[i];
            format!("Delete token {} of API key {} ({})", t.id, t.api_key, t.parent)
        }
    }
}

/// `N members: a@x, b@y, c@z and N-3 more`, or every user of the scope.
fn members_label(g: &AccessGraph<'_>, gr: GroupRef) -> String {
    let s = g.snapshot();
    let (scope, gid) = g.group_scope_and_id(gr);
    let members = g.group_members(gr);
    if is_all_users_group(gid, scope.level()) {
        return format!("every user of {scope} ({})", members.len());
    }
    let mut emails: Vec<&str> = members.iter().map(|&u| s.users[u].email.as_str()).collect();
    emails.sort_unstable();
    let mut text = format!(
        "{} member{}",
        members.len(),
        if members.len() == 1 { "" } else { "s" }
    );
    if !emails.is_empty() {
        text.push_str(": ");
        text.push_str(&emails[..emails.len().min(MEMBERS_SHOWN)].join(", "));
        if emails.len() > MEMBERS_SHOWN {
            text.push_str(&format!(" and {} more", emails.len() - MEMBERS_SHOWN));
        }
    }
    text
}

/// Each permission's resource type and action, looked up once, by a
/// number given to each distinct permission; and each access's permissions
/// as those numbers.
#[derive(Default)]
struct PermissionWords {
    number: HashMap<String, u32>,
    words: Vec<(String, String)>,
    of_access: HashMap<usize, Vec<u32>>,
}

impl PermissionWords {
    fn of_access(&mut self, g: &AccessGraph<'_>, access: &crate::graph::Access) -> &[u32] {
        let key = access as *const crate::graph::Access as usize;
        if !self.of_access.contains_key(&key) {
            let numbers = access
                .permissions
                .iter()
                .map(|p| {
                    let p = p.as_str();
                    if let Some(n) = self.number.get(p) {
                        return *n;
                    }
                    let n = self.words.len() as u32;
                    self.words
                        .push((g.permission_resource_type(p), g.permission_action(p)));
                    self.number.insert(p.to_string(), n);
                    n
                })
                .collect();
            self.of_access.insert(key, numbers);
        }
        &self.of_access[&key]
    }
}

/// `N permissions: PIPELINE view, edit; SECRET view; … and K more types`:
/// what a set of accesses allows, by resource type.
fn permission_summary(
    g: &AccessGraph<'_>,
    accesses: &[&crate::graph::Access],
    words: &mut PermissionWords,
) -> String {
    let mut all: Vec<u32> = Vec::new();
    for a in accesses {
        all.extend_from_slice(words.of_access(g, a));
    }
    all.sort_unstable();
    all.dedup();
    if all.is_empty() {
        return "none".into();
    }
    let mut merged: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for n in &all {
        let (t, a) = &words.words[*n as usize];
        merged.entry(t).or_default().insert(a);
    }
    let n = merged.len();
    let mut parts: Vec<String> = merged
        .into_iter()
        .take(TYPES_SHOWN)
        .map(|(t, a)| format!("{t} {}", a.into_iter().collect::<Vec<_>>().join(", ")))
        .collect();
    if n > TYPES_SHOWN {
        parts.push(format!("and {} more types", n - TYPES_SHOWN));
    }
    format!(
        "{} permission{}: {}",
        all.len(),
        if all.len() == 1 { "" } else { "s" },
        parts.join("; ")
    )
}

pub(super) fn entitlements(ctx: &ReportContext<'_, '_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let g = ctx.graph;
    let made;
    let rows = match ctx.entitlement_rows {
        Some(rows) => rows,
        None => {
            made = EntitlementRows::make(g);
            &made
        }
    };
    let facts = RowFacts::for_rows(ctx.findings, ctx.policy, rows);
    for i in 0..rows.len() {
        sink(rows.row(g, &facts, i))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{EntitlementRows, RowFacts, ENTITLEMENTS};
    use crate::graph::AccessGraph;

    /// A listing (what `assignments.csv` says of a row) is the row's own
    /// cells; open findings looked up once per holder are those looked up
    /// per row.
    #[test]
    fn a_listing_and_open_findings_say_what_the_row_says() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/demo/snapshot.json");
        let loaded = crate::snapshot::load(&path).unwrap();
        let g = AccessGraph::build(&loaded.snapshot);
        let policy = crate::findings::Policy::default();
        let evaluation = crate::findings::evaluate(&g, &policy, loaded.snapshot.captured_at());
        let rows = EntitlementRows::make(&g);
        let per_row = RowFacts::of(&evaluation.findings, &policy);
        let per_holder = RowFacts::for_rows(&evaluation.findings, &policy, &rows);
        let at = |key: &str| ENTITLEMENTS.iter().position(|c| c.key == key).unwrap();
        let mut open = 0;
        for i in 0..rows.len() {
            let row = rows.row(&g, &per_row, i);
            assert_eq!(row, rows.row(&g, &per_holder, i), "row {i}");
            let cell = |key: &str| row[at(key)].as_text().into_owned();
            let l = rows.listing(&g, i);
            assert_eq!(l.key, cell("row_key"));
            assert_eq!(&*l.principal_id, cell("principal_id"));
            assert_eq!(&*l.principal_email, cell("principal_email"));
            assert_eq!(l.level, cell("privilege_level"));
            assert_eq!(l.entitlement, cell("entitlement"));
            open += usize::from(cell("open_findings") != "0");
        }
        assert!(open > 0, "some row's holder has open findings");
        assert_eq!(
            rows.len(),
            super::entitlement_count(&g),
            "the sheet's row count"
        );
    }
}
