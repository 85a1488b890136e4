//! The `porchlight` binary: everything lives in the library.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(porchlight::cli::main());
}
