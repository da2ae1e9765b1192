//! mlguard: SOC 2 controls for AI/ML infrastructure code.
//!
//! The modules follow the data flow:
//! discover -> parse -> terraform -> model -> access -> facts -> engine -> findings -> suppress -> report.

pub mod access;
pub mod baseline;
pub mod bulk;
pub mod changed;
pub mod cli;
pub mod config;
pub mod discover;
pub mod engine;
pub mod facts;
pub mod findings;
pub mod fsguard;
pub mod init;
pub mod model;
pub mod parse;
pub mod report;
pub mod scan;
pub mod source;
pub mod suppress;
pub mod terraform;
