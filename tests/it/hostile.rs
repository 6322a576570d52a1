//! Returned files that try to take the machine down (issue 21): every one
//! is made here, in the test, and `collect` must read around them: each is
//! a problem for its file (`unreadable-file`) or skipped with a note, the
//! honest file beside them is collected, and the run stays under 1 GB of
//! memory (its peak RSS, read with `wait4` on the child).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::campaign::make_pack;
use crate::util::{demo, tempdir};

/// Peak memory any run on hostile files may take.
const MEMORY_CAP: u64 = 1 << 30;

/// What a run of the binary left: exit code, stderr, peak RSS in bytes.
struct Run {
    code: i32,
    stderr: String,
    max_rss: u64,
}

/// Runs the binary with `args`, waiting for exactly that child with
/// `wait4` so its own peak RSS is read (tests run in parallel threads:
/// `RUSAGE_CHILDREN` would mix them).
fn run_measured(args: &[&std::ffi::OsStr], scratch: &Path) -> Run {
    let err_path = scratch.join(format!("stderr-{}", std::process::id()));
    let err = std::fs::File::create(&err_path).unwrap();
    // Reaped by wait4 below, not by Child::wait (which would not give the
    // child's own rusage).
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_reviewpack"))
        .args(args)
        .env_remove("HARNESS_API_KEY")
        .env_remove("HARNESS_BEARER")
        .stdout(std::process::Stdio::null())
        .stderr(err)
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 writes into both
    // out-parameters, which live for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Run {
        code,
        stderr: std::fs::read_to_string(&err_path).unwrap(),
        // Linux reports kilobytes.
        max_rss: usage.ru_maxrss as u64 * 1024,
    }
}

/// A workbook with the given parts besides the minimal ones (one sheet,
/// `xl/worksheets/sheet1.xml`, whose XML is `sheet`).
fn xlsx(path: &Path, sheet: &str, extra: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Entitlements" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, o).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    z.write_all(sheet.as_bytes()).unwrap();
    for (name, bytes) in extra {
        z.start_file(*name, o).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

fn sheet_xml(dimension: &str, cells: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>"#
    )
}

/// An entry of `n` zero bytes, deflated (a few hundred bytes a megabyte).
fn zeros_entry(path: &Path, entry: &str, n: u64) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("xl/workbook.xml", o).unwrap();
    z.write_all(b"<workbook/>").unwrap();
    z.start_file(entry, o).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..n >> 20 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap();
}

/// Every hostile file of issue 21 in one returned folder, beside one
/// honest reviewer workbook.
fn hostile_folder(dir: &Path, pack: &Path) -> PathBuf {
    let back = dir.join("returned");
    std::fs::create_dir_all(&back).unwrap();
    // The honest file: a reviewer workbook as sent.
    let honest = std::fs::read_dir(pack.join("reviewers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .unwrap();
    std::fs::copy(&honest, back.join("honest.xlsx")).unwrap();

    // Two cells far apart: 17 billion cells between them.
    xlsx(
        &back.join("far-cells.xlsx"),
        &sheet_xml(
            "A1",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row>"#,
        ),
        &[],
    );
    // A stated dimension past any sheet (calamine sized from it).
    xlsx(
        &back.join("far-dimension.xlsx"),
        &sheet_xml(
            "A1:ZZZZ4000000000",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>"#,
        ),
        &[],
    );
    // One 100 KB shared string on 6,000 cells: 600 MB of text from 60 KB.
    let cells: String = (1..=6000)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6000" uniqueCount="1"><si><t>{}</t></si></sst>"#,
        "x".repeat(100_000)
    );
    xlsx(
        &back.join("shared-string.xlsx"),
        &sheet_xml("A1:A6000", &cells),
        &[("xl/sharedStrings.xml", sst.as_bytes())],
    );
    // A zip bomb: 1.1 GiB of zeros in one entry, a megabyte on disk.
    zeros_entry(&back.join("bomb.xlsx"), "xl/media/image1.png", 1100 << 20);
    // The same zeros as sheet XML: one text run without end.
    zeros_entry(
        &back.join("bomb-xml.xlsx"),
        "xl/worksheets/sheet1.xml",
        64 << 20,
    );
    // An .ods whose repeats ask for a billion cells.
    let mut z = zip::ZipWriter::new(std::fs::File::create(back.join("repeats.ods")).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("mimetype", o).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("content.xml", o).unwrap();
    z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#).unwrap();
    z.finish().unwrap();
    // A legacy .xls, corrupted: an OLE header and noise.
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..64 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        xls.push(x as u8);
    }
    // (A folder's .xls files are skipped with a note: it is named on its own.)
    std::fs::write(dir.join("legacy.xls"), xls).unwrap();
    // A returned CSV far over the size cap (sparse: costs no disk).
    let huge = std::fs::File::create(back.join("huge.csv")).unwrap();
    huge.set_len(4 << 30).unwrap();
    // One line of 8 MiB: under the size cap, over the record cap.
    std::fs::write(back.join("one-line.csv"), vec![b'a'; 8 << 20]).unwrap();
    // A truncated workbook: the honest one cut in half.
    let bytes = std::fs::read(&honest).unwrap();
    std::fs::write(back.join("truncated.xlsx"), &bytes[..bytes.len() / 2]).unwrap();
    // A symbolic link to /dev/zero, and a FIFO nobody writes to.
    std::os::unix::fs::symlink("/dev/zero", back.join("zero.csv")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(back.join("pipe.csv"))
        .status()
        .unwrap();
    assert!(fifo.success());
    back
}

#[test]
fn hostile_returned_files_are_problems_for_their_file_and_the_rest_is_collected() {
    let dir = tempdir();
    let pack = make_pack(dir.path());
    let back = hostile_folder(dir.path(), &pack);
    let out = dir.path().join("campaign");
    let run = run_measured(
        &[
            "collect".as_ref(),
            pack.as_os_str(),
            back.as_os_str(),
            dir.path().join("legacy.xls").as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--collected-at".as_ref(),
            "2026-10-21".as_ref(),
        ],
        dir.path(),
    );
    let stderr = &run.stderr;
    assert_eq!(run.code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        run.max_rss < MEMORY_CAP,
        "peak memory {} MiB",
        run.max_rss >> 20
    );
    eprintln!(
        "collect of the hostile folder: peak RSS {} MiB",
        run.max_rss >> 20
    );
    // Not regular files: never opened, skipped with what they are.
    assert!(
        stderr.contains("pipe.csv: a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("zero.csv: a device, not a regular file"),
        "{stderr}"
    );

    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("campaign.json")).unwrap()).unwrap();
    let unreadable: Vec<(String, String)> = c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "unreadable-file")
        .map(|p| {
            (
                p["file"].as_str().unwrap_or_default().to_string(),
                p["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let why = |file: &str| {
        unreadable
            .iter()
            .find(|(f, m)| f == file || m.contains(file))
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no unreadable-file problem for {file}: {unreadable:#?}"))
    };
    for (file, says) in [
        ("far-cells.xlsx", "span more than 8000000 cells"),
        ("far-dimension.xlsx", "stated dimension A1:ZZZZ4000000000"),
        ("shared-string.xlsx", "more than 512 MiB of text"),
        ("bomb.xlsx", "inflates to more than 512 MiB"),
        ("bomb-xml.xlsx", "longer than 1 MiB"),
        ("repeats.ods", "span more than 8000000 cells"),
        ("legacy.xls", "save it as .xlsx or CSV"),
        ("huge.csv", "more than the 256 MiB a returned file may hold"),
        ("one-line.csv", "a record longer than 4 MiB"),
        ("truncated.xlsx", "zip"),
    ] {
        let m = why(file);
        assert!(m.contains(says), "{file}: {m}");
    }
    assert_eq!(unreadable.len(), 10, "{unreadable:#?}");
    // The honest workbook was read: its reviewer's rows are there.
    let files = c["files"].to_string();
    assert!(files.contains("honest.xlsx"), "{files}");
    assert!(
        c["totals"]["undecided"].as_u64().unwrap() > 0,
        "{}",
        c["totals"]
    );
}

#[test]
fn a_hostile_decisions_workbook_is_a_one_line_error() {
    let dir = tempdir();
    let far = dir.path().join("far.xlsx");
    xlsx(
        &far,
        &sheet_xml(
            "A1:XFD1048576",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Decision</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row>"#,
        ),
        &[],
    );
    let fifo = dir.path().join("decisions.csv");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (file, says) in [
        (&far, "span more than 8000000 cells"),
        (&fifo, "a FIFO (named pipe), not a regular file"),
    ] {
        let out = dir.path().join("diff");
        let run = run_measured(
            &[
                "diff".as_ref(),
                demo().as_os_str(),
                demo().as_os_str(),
                "--decisions".as_ref(),
                file.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ],
            dir.path(),
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(run.max_rss < MEMORY_CAP, "{} MiB", run.max_rss >> 20);
    }
}
