//! The output layer shared by every file reviewpack writes for people: the
//! pack (`report`), the diff (`diff`), and anything later that writes
//! workbooks or CSV files. It knows nothing of snapshots, graphs or findings,
//! only of cells, sheets and files:
//!
//! - [`sanitize`]: untrusted text made safe for a spreadsheet cell, HTML, a
//!   script block or CSS, and the inverse for cells a reviewer sends back;
//! - [`csv`]: one RFC 4180 file, CRLF, every cell sanitised;
//! - [`xlsx`]: one sheet written in constant memory, continuing on numbered
//!   sheets past Excel's row limit, cells cut at Excel's length limit;
//! - [`seal`]: `manifest.json` and `SHA256SUMS` over a finished directory;
//! - [`page`]: the frame, stylesheet, script and Content-Security-Policy
//!   every HTML page shares;
//! - [`bounded`]: the limits on what a returned file may make us read or hold;
//! - [`tables`]: workbooks and CSV files reviewers send back, as text;
//! - [`text_csv`]: the encoding and separator of a CSV file a reviewer sends
//!   back (whatever Excel, LibreOffice or Google Sheets wrote), and its
//!   records as UTF-8, streamed.
//!
//! `report` and `diff` import from here and never from each other.

pub mod bounded;
pub mod csv;
pub mod page;
pub mod sanitize;
pub mod seal;
pub mod tables;
pub mod text_csv;
pub mod xlsx;

pub use sanitize::{cell, uncell};
pub use xlsx::Cell;
