//! The one integration-test binary: every area is a module, so the test tree
//! links once.

mod explain;
mod fake_harness;
mod fake_server;
mod pull;
mod report;
mod snapshot_file;
mod util;
mod synth;
mod synth_tests;
