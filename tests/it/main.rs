//! The one integration-test binary: every area is a module, so the test tree
//! links once.

mod bearer;
mod campaign;
mod check;
mod ci;
mod ci_formats;
mod diff;
mod explain;
mod exports;
mod fake_harness;
mod fake_harness_tests;
mod fidelity;
mod findings;
mod gate;
mod harness_sdk;
mod hidden_names;
mod hostile;
mod key_safety;
mod libreoffice;
mod pack;
mod pages;
mod private_outputs;
mod progress;
mod pull;
mod record;
mod report;
mod roster;
mod scim;
mod server_behaviour;
mod snapshot_file;
mod synth;
mod synth_tests;
mod util;
