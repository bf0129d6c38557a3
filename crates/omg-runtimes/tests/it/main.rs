//! Runtime installs against local mirrors laid out like the upstreams, serving
//! real binaries (omg-testbed fetches them from package registries).

mod bun;
mod go;
mod java;
mod mise;
mod node;
mod python;
mod ruby;
mod rust;
mod signature;

/// What a project with `file` (holding `contents`) selects for `runtime`, given
/// what `layout` has installed; also switches the global default to `version`
/// and back to check `current`.
fn selects(
    layout: &omg_runtimes::Layout,
    runtime: &omg_runtimes::Runtime,
    file: &str,
    contents: &str,
    version: &str,
) {
    let project = tempfile::tempdir().unwrap();
    let nested = project.path().join("src");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(project.path().join(file), contents).unwrap();
    let active = omg_runtimes::active(layout, &nested);
    assert!(active.skipped.is_empty(), "{:?}", active.skipped);
    assert_eq!(
        active.runtimes[runtime].version.as_deref(),
        Some(version),
        "{file} with {contents:?} should select {runtime} {version}"
    );
    layout.set_current(runtime, version).unwrap();
    assert_eq!(layout.current(runtime).as_deref(), Some(version));
}
