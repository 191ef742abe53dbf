//! Links the `slackline` binary with its hot functions together (see layout/generate.sh and
//! BENCHMARKS.md, "Peak RSS"): the kernel maps a binary's code 64 KiB around every page a
//! process touches, so code spread over the whole text makes most of the text resident.
//!
//! Only where the linker is known to be LLD (Rust's default on x86-64 Linux since 1.90) and
//! nobody chose another: the ordering flag is LLD's. `SLACKLINE_PLAIN_LINK=1` turns it off.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    let order = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("layout")
        .join("hot-functions.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    for variable in [
        "SLACKLINE_PLAIN_LINK",
        "RUSTC_LINKER",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        println!("cargo:rerun-if-env-changed={variable}");
    }
    if !default_lld() || !order.exists() || env::var_os("SLACKLINE_PLAIN_LINK").is_some() {
        return;
    }
    let arg = |flag: &str| println!("cargo:rustc-link-arg-bin=slackline={flag}");
    arg(&format!("-Wl,--symbol-ordering-file={}", order.display()));
    // A list made for another build names functions this one lacks: not an error.
    arg("-Wl,--no-warn-symbol-ordering");
    // Relative relocations packed (RELR): the loader writes them into far fewer pages. The
    // binary then needs glibc 2.36 or later, so only when the one built against has it.
    if host_glibc_at_least(2, 36) {
        arg("-Wl,-z,pack-relative-relocs");
    }
}

/// x86-64 Linux with glibc, rustc 1.90 or later, and no linker or linker flags of the user's.
fn default_lld() -> bool {
    let var = |name: &str| env::var(name).unwrap_or_default();
    let chosen = env::var_os("RUSTC_LINKER").is_some()
        || ["linker", "fuse-ld", "link-self-contained"]
            .iter()
            .any(|flag| var("CARGO_ENCODED_RUSTFLAGS").contains(flag));
    var("TARGET") == "x86_64-unknown-linux-gnu" && !chosen && rustc_minor().is_some_and(|m| m >= 90)
}

/// The minor version of the rustc building this crate (`rustc 1.95.0 (…)`).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var_os("RUSTC")?;
    let out = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    version.split('.').nth(1)?.parse().ok()
}

/// Whether the C library of the machine building (which is the one linked against when host
/// and target agree) is glibc at or above `major.minor`.
fn host_glibc_at_least(major: u32, minor: u32) -> bool {
    if env::var("HOST").ok() != env::var("TARGET").ok() {
        return false;
    }
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    // "glibc 2.36"
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}
