//! mlguard: SOC 2 controls for AI/ML infrastructure code.
//!
//! The modules follow the data flow:
//! discover -> parse -> terraform -> model -> access -> facts -> engine -> findings -> report.

pub mod access;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod discover;
pub mod engine;
pub mod facts;
pub mod findings;
pub mod model;
pub mod parse;
pub mod report;
pub mod scan;
pub mod source;
pub mod terraform;
