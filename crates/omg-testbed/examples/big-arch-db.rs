//! Writes an Arch root the size of Arch's core + extra for benchmarks: two sync
//! databases (`core` 10 %, `extra` 90 %) of generated packages and a local database
//! with every 15th one installed (a third of those explicitly). Prints the
//! pacman.conf path.
//!
//!     cargo run --release -p omg-testbed --example big-arch-db -- DIR [PACKAGES]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const WORDS: &[&str] = &[
    "lib", "python", "perl", "qt", "gtk", "rust", "go", "node", "xml", "json", "http", "ssl",
    "font", "theme", "audio", "video", "image", "net", "gl", "vulkan", "kde", "gnome", "x11",
    "wayland", "sql", "db", "crypto", "zip", "compress", "parse", "test", "doc", "dev", "tool",
    "vim", "emacs", "shell", "term", "git", "build",
];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: big-arch-db DIR [PACKAGES]"));
    let count: usize = args
        .next()
        .map_or(15_000, |n| n.parse().expect("a package count"));
    let staging = dir.join("staging");
    for repo in ["core", "extra"] {
        std::fs::create_dir_all(staging.join(repo))?;
    }
    let local = dir.join("db/local");
    std::fs::create_dir_all(&local)?;
    std::fs::create_dir_all(dir.join("db/sync"))?;
    std::fs::create_dir_all(dir.join("root"))?;
    std::fs::write(local.join("ALPM_DB_VERSION"), "9\n")?;
    let mut state: u64 = 0x0a11_ce5e;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        usize::try_from(state >> 33).unwrap_or(0)
    };
    let mut names = Vec::with_capacity(count);
    for i in 0..count {
        let name = format!(
            "{}-{}{i}",
            WORDS[next() % WORDS.len()],
            WORDS[next() % WORDS.len()]
        );
        let version = format!(
            "{}.{}.{}-{}",
            next() % 20,
            next() % 50,
            next() % 10,
            1 + next() % 3
        );
        let description = format!(
            "{} {} bindings for {} and {}",
            WORDS[next() % WORDS.len()],
            WORDS[next() % WORDS.len()],
            WORDS[next() % WORDS.len()],
            WORDS[next() % WORDS.len()]
        );
        let mut depends = String::new();
        for _ in 0..next() % 4 {
            if let Some(dependency) = names.get(next() % names.len().max(1)) {
                let _ = writeln!(depends, "{dependency}");
            }
        }
        let repo = if i % 10 == 0 { "core" } else { "extra" };
        let entry = format!("{name}-{version}");
        let mut desc = format!(
            "%FILENAME%\n{entry}-x86_64.pkg.tar.zst\n\n%NAME%\n{name}\n\n%BASE%\n{name}\n\n\
             %VERSION%\n{version}\n\n%DESC%\n{description}\n\n%CSIZE%\n{}\n\n%ISIZE%\n{}\n\n\
             %URL%\nhttps://example.org/{name}\n\n%LICENSE%\nMIT\n\n%ARCH%\nx86_64\n\n\
             %BUILDDATE%\n1730000000\n\n%PACKAGER%\nBench <bench@example.org>\n\n",
            10_000 + next() % 1_000_000,
            50_000 + next() % 5_000_000
        );
        if !depends.is_empty() {
            let _ = write!(desc, "%DEPENDS%\n{depends}\n");
        }
        std::fs::create_dir_all(staging.join(repo).join(&entry))?;
        std::fs::write(staging.join(repo).join(&entry).join("desc"), &desc)?;
        if i % 15 == 0 {
            let reason = if i % 45 == 0 { "" } else { "%REASON%\n1\n\n" };
            let local_desc = format!(
                "%NAME%\n{name}\n\n%VERSION%\n{version}\n\n%DESC%\n{description}\n\n\
                 %ARCH%\nx86_64\n\n%BUILDDATE%\n1730000000\n\n%INSTALLDATE%\n1730001000\n\n\
                 %PACKAGER%\nBench <bench@example.org>\n\n%SIZE%\n100000\n\n{reason}\
                 %VALIDATION%\nnone\n\n"
            );
            std::fs::create_dir_all(local.join(&entry))?;
            std::fs::write(local.join(&entry).join("desc"), local_desc)?;
            std::fs::write(local.join(&entry).join("files"), "%FILES%\n\n")?;
        }
        names.push(name);
    }
    for repo in ["core", "extra"] {
        archive(&staging.join(repo), &dir.join(format!("db/sync/{repo}.db")))?;
    }
    std::fs::remove_dir_all(&staging)?;
    let config = dir.join("pacman.conf");
    std::fs::write(
        &config,
        format!(
            "[options]\nRootDir = {root}\nDBPath = {db}\nArchitecture = x86_64\nSigLevel = Never\n\n\
             [core]\nServer = file:///nonexistent/$repo\n\n[extra]\nServer = file:///nonexistent/$repo\n",
            root = dir.join("root").display(),
            db = dir.join("db").display()
        ),
    )?;
    #[expect(clippy::print_stdout, reason = "the path is this program's output")]
    {
        println!("{}", config.display());
    }
    Ok(())
}

fn archive(tree: &Path, output: &Path) -> std::io::Result<()> {
    let mut entries: Vec<String> = std::fs::read_dir(tree)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    let list = tree.join("../list");
    std::fs::write(&list, entries.join("\n"))?;
    let status = Command::new("bsdtar")
        .arg("-czf")
        .arg(output)
        .arg("-C")
        .arg(tree)
        .arg("-T")
        .arg(&list)
        .status()?;
    std::fs::remove_file(&list)?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("bsdtar failed: {status}")))
    }
}
