//! Finds libLatentDiff.so to link against, in order:
//!   1. the directory LATENTDIFF_LIB_DIR names;
//!   2. `pkg-config --variable=libdir latentdiff` (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for an install
//!      made by scripts/install.sh, or dist/lib/pkgconfig);
//!   3. dist/lib of the repository this crate sits in (scripts/dist.sh builds it).
//! The crate's own examples and tests get an rpath to that directory; a program depending on the
//! crate finds the library through its own rpath, LD_LIBRARY_PATH or the system loader.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config_dir() -> Option<PathBuf> {
    let output = Command::new("pkg-config").args(["--variable=libdir", "latentdiff"]).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let dir = text.trim();
    if dir.is_empty() {
        None
    } else {
        Some(PathBuf::from(dir))
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=LATENTDIFF_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let repository_dist = manifest.join("..").join("..").join("dist").join("lib");
    let (directory, source) = if let Some(dir) = env::var_os("LATENTDIFF_LIB_DIR") {
        (PathBuf::from(dir), "LATENTDIFF_LIB_DIR")
    } else if let Some(dir) = pkg_config_dir() {
        (dir, "pkg-config latentdiff")
    } else {
        (repository_dist, "the repository's dist/lib")
    };
    let library = directory.join("libLatentDiff.so");
    if !Path::new(&library).is_file() {
        panic!(
            "libLatentDiff.so not found in {} (from {}): run scripts/dist.sh, or set LATENTDIFF_LIB_DIR \
             to the directory holding it, or PKG_CONFIG_PATH to one holding latentdiff.pc",
            directory.display(),
            source
        );
    }
    let directory = directory.canonicalize().unwrap_or(directory);
    println!("cargo:rustc-link-search=native={}", directory.display());
    println!("cargo:rustc-link-lib=dylib=LatentDiff");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", directory.display());
    println!("cargo:lib_dir={}", directory.display());
}
