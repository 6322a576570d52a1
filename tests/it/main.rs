//! The one integration-test binary: every area is a module, so the test tree
//! links once.

mod explain;
mod report;
mod snapshot_file;
mod util;
