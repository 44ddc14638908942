//! The partition-function example: closed forms and written outputs: one test binary.

mod closed_form;
mod outputs;
