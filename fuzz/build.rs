//! Links libdpkg (Debian's libdpkg-dev ships only a static archive): dpkg's own
//! version parser and comparison are the reference `version_order` checks omg's
//! against.

fn main() {
    let libdir = std::process::Command::new("pkg-config")
        .args(["--variable=libdir", "libdpkg"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    if let Some(libdir) = libdir {
        println!("cargo:rustc-link-search=native={libdir}");
    }
    println!("cargo:rustc-link-lib=static=dpkg");
    // libdpkg's own dependencies (pkg-config's Libs.private); unused ones are dropped
    // by the linker.
    for library in ["md", "z", "lzma", "zstd", "bz2"] {
        println!("cargo:rustc-link-lib={library}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
