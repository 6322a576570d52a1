//! Helpers: run the binary, find the samples, make temp dirs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The reviewpack binary, with no inherited secrets.
pub fn reviewpack() -> Command {
    let mut cmd = Command::cargo_bin("reviewpack").expect("binary builds");
    cmd.env_remove("HARNESS_API_KEY");
    cmd.env_remove("HARNESS_BEARER");
    cmd
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled demo snapshot.
pub fn demo() -> PathBuf {
    root().join("samples/demo/snapshot.json")
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Reads a file as UTF-8.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, relative, sorted, with its bytes.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Stderr of a finished command as text.
pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An invented service-account key of the demo account, whose token is the
/// demo caller's (`reviewpack_reader` / `review_q4_token`).
pub const DEMO_KEY: &str = "sat.Xq3demoACCT0000000001.review_q4_token.S3cr3tV4lu3DoNotLeak";

/// Whether a spreadsheet would evaluate `cell` as a formula: it starts with
/// `= + - @`, a tab or a carriage return, and is not a plain signed number
/// (`-4` is a number; `-4+1` and `-A1` are formulas).
pub fn formula_like(cell: &str) -> bool {
    let Some(first) = cell.chars().next() else {
        return false;
    };
    if matches!(first, '+' | '-') {
        let rest = &cell[1..];
        let plain = !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
            && rest.matches('.').count() <= 1
            && rest.chars().any(|c| c.is_ascii_digit());
        return !plain;
    }
    matches!(first, '=' | '@' | '\t' | '\r')
}

/// One entry of a zip file (an XLSX workbook's part), as text.
pub fn zip_entry(path: &Path, name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// A file of samples/quarter (q3.json, q4.json, q3-decisions.csv).
pub fn quarter(name: &str) -> PathBuf {
    root().join("samples/quarter").join(name)
}

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}
