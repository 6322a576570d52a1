//! diff.html: one self-contained page (inline CSS, no script, no network,
//! a Content-Security-Policy meta tag), readable and printable without
//! JavaScript. Every value goes through minijinja's HTML autoescaping;
//! tables are capped so a large diff stays small, and say where the rest is.

use std::path::Path;

use std::collections::BTreeMap;

use minijinja::{context, AutoEscape, Environment, Value};

use super::model::DiffReport;

const TEMPLATE: &str = include_str!("../../templates/diff.html.j2");

/// Rows shown per table.
const CAP: usize = 500;

/// Renders the page.
pub(crate) fn render(r: &DiffReport) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("diff.html.j2", TEMPLATE)?;
    let account = match &r.new.account_name {
        Some(n) => format!("{n} ({})", r.account_id),
        None => r.account_id.clone(),
    };
    env.get_template("diff.html.j2")?.render(context! {
        r => to_value(&serde_json::to_value(r).map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
        })?),
        account => account,
        cap => CAP,
    })
}

/// minijinja is built without its serde feature here, so the report goes
/// through serde_json's value tree.
fn to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (_, Some(u)) => Value::from(u),
            _ => Value::from(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::from(a.iter().map(to_value).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => Value::from(
            o.iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect::<BTreeMap<String, Value>>(),
        ),
    }
}

/// Writes diff.html.
pub(crate) fn write(r: &DiffReport, path: &Path) -> std::io::Result<()> {
    let html = render(r).map_err(|e| std::io::Error::other(format!("diff.html: {e:#}")))?;
    std::fs::write(path, html)
}
