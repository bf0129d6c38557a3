//! Version files: which runtime versions a directory asks for, read with the syntax
//! the usual tools accept (nvm, nodenv, pyenv, goenv, go, rustup, rbenv, jenv,
//! setup-bun, asdf and mise).
//!
//! Within one directory the files are consulted in [`FILES`] order and the first
//! one naming a runtime wins; across directories the nearest one wins.

use crate::Runtime;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files omg reads, in the order they are consulted within one directory.
/// mise's own config comes first (it names several runtimes on purpose), then asdf's
/// `.tool-versions`, then the single-runtime files. `rust-toolchain` precedes
/// `rust-toolchain.toml`, as in rustup.
pub const FILES: &[&str] = &[
    "mise.toml",
    ".mise.toml",
    ".tool-versions",
    ".nvmrc",
    ".node-version",
    ".python-version",
    ".go-version",
    "go.mod",
    "rust-toolchain",
    "rust-toolchain.toml",
    ".ruby-version",
    ".java-version",
    ".bun-version",
];

/// One runtime version a file asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The runtime.
    pub runtime: Runtime,
    /// The request as written, normalised (`20`, `lts`, `lts/iron`, `3.12`, `stable`,
    /// `system`): what resolution takes.
    pub version: String,
    /// The file that asked.
    pub file: PathBuf,
}

/// A version file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VersionFileError {
    /// It exists but cannot be read.
    #[error("cannot read {}: {source}", crate::name::printable(&file.to_string_lossy()))]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Its content breaks the format.
    #[error("{}:{line}: {}", crate::name::printable(&file.to_string_lossy()), crate::name::printable(message))]
    Malformed {
        /// The file.
        file: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

type Result<T, E = VersionFileError> = std::result::Result<T, E>;

impl VersionFileError {
    /// The file the problem is in.
    #[must_use]
    pub fn file(&self) -> &Path {
        match self {
            Self::Read { file, .. } | Self::Malformed { file, .. } => file,
        }
    }
}

/// Largest version file read; a bigger one is refused, not read (a cloned
/// repository decides what its files are).
const MAX_FILE: u64 = 64 * 1024;

/// What a directory asks for, and the files that were skipped because they could
/// not be used (each is reported; none stops the others from counting).
#[derive(Debug, Default)]
pub struct Resolution {
    /// Per runtime, the nearest usable file's request.
    pub requests: BTreeMap<Runtime, Requested>,
    /// Files skipped: unreadable, not text, malformed or hostile.
    pub skipped: Vec<VersionFileError>,
}

/// What `dir` and its ancestors ask for: per runtime, the nearest usable file's
/// request. A file that cannot be used is skipped whole and reported in
/// [`Resolution::skipped`]; this never fails, because the shell prompt calls it.
#[must_use]
pub fn resolve(dir: &Path) -> Resolution {
    let mut resolution = Resolution::default();
    for directory in dir.ancestors() {
        for name in FILES {
            let path = directory.join(name);
            let parsed = read(&path).and_then(|contents| match contents {
                Some(contents) => parse(name, &contents, &path),
                None => Ok(Vec::new()),
            });
            match parsed {
                Ok(requests) => {
                    for (runtime, version) in requests {
                        resolution
                            .requests
                            .entry(runtime.clone())
                            .or_insert(Requested {
                                runtime,
                                version,
                                file: path.clone(),
                            });
                    }
                }
                Err(error) => resolution.skipped.push(error),
            }
        }
    }
    resolution
}

/// A version file's text, `None` when there is none. Only a regular file of at
/// most [`MAX_FILE`] bytes of UTF-8 is read: the open never blocks (a FIFO planted
/// under a version file's name would hang every prompt) and its type is checked on
/// the opened file, not on the name.
fn read(path: &Path) -> Result<Option<String>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let unreadable = |source| VersionFileError::Read {
        file: path.to_owned(),
        source,
    };
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
    {
        Ok(file) => file,
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None)
        }
        Err(source) => return Err(unreadable(source)),
    };
    let metadata = file.metadata().map_err(unreadable)?;
    if metadata.is_dir() {
        // A directory of that name is not a version file.
        return Ok(None);
    }
    let refuse = |message: &str| VersionFileError::Malformed {
        file: path.to_owned(),
        line: 1,
        message: message.to_owned(),
    };
    if !metadata.is_file() {
        return Err(refuse("not a regular file; skipped"));
    }
    if metadata.len() > MAX_FILE {
        return Err(refuse("larger than 64 KiB; skipped"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(refuse("larger than 64 KiB; skipped"));
    }
    String::from_utf8(bytes).map(Some).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        VersionFileError::Malformed {
            file: path.to_owned(),
            line: valid.iter().filter(|&&byte| byte == b'\n').count() + 1,
            message: "not UTF-8 text; skipped".to_owned(),
        }
    })
}

/// Parses one version file. `name` picks the format; `path` only names it in errors.
pub fn parse(name: &str, contents: &str, path: &Path) -> Result<Vec<(Runtime, String)>> {
    let file = Parser { path, contents };
    let single = |runtime: Runtime, version: Option<String>| {
        Ok(version.map(|v| vec![(runtime, v)]).unwrap_or_default())
    };
    match name {
        "mise.toml" | ".mise.toml" => file.mise_toml(),
        ".tool-versions" => file.tool_versions(),
        ".nvmrc" => single(Runtime::Node, Some(file.nvmrc()?)),
        ".node-version" => single(Runtime::Node, Some(node(&file.one_word()?.1))),
        ".python-version" => single(Runtime::Python, Some(file.one_word()?.1)),
        ".go-version" => single(Runtime::Go, Some(strip_go(&file.one_word()?.1).to_owned())),
        "go.mod" => single(Runtime::Go, file.go_mod()?),
        "rust-toolchain" => single(Runtime::Rust, Some(file.rust_toolchain()?)),
        "rust-toolchain.toml" => single(Runtime::Rust, Some(file.rust_toolchain_toml()?)),
        ".ruby-version" => {
            let (_, word) = file.one_word()?;
            single(
                Runtime::Ruby,
                Some(strip_prefix_before_digit(&word, "ruby-")),
            )
        }
        ".java-version" => {
            let (_, word) = file.one_word()?;
            single(
                Runtime::Java,
                Some(strip_prefix_before_digit(&word, "temurin-")),
            )
        }
        ".bun-version" => single(Runtime::Bun, Some(strip_v(&file.one_word()?.1))),
        other => Err(file.error(1, format!("`{other}` is not a version file omg reads"))),
    }
}

struct Parser<'a> {
    path: &'a Path,
    contents: &'a str,
}

impl Parser<'_> {
    fn error(&self, line: usize, message: impl Into<String>) -> VersionFileError {
        VersionFileError::Malformed {
            file: self.path.to_owned(),
            line,
            message: message.into(),
        }
    }

    /// Lines with `#` comments cut (at line start or after whitespace, as mise does,
    /// so `tool#tag` survives), trimmed, blank ones skipped; with 1-based numbers.
    fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.contents
            .lines()
            .enumerate()
            .filter_map(|(index, line)| {
                let cut = line
                    .char_indices()
                    .find(|&(at, c)| {
                        c == '#' && (at == 0 || line[..at].ends_with(char::is_whitespace))
                    })
                    .map_or(line, |(at, _)| &line[..at]);
                let trimmed = cut.trim();
                (!trimmed.is_empty()).then_some((index + 1, trimmed))
            })
    }

    /// The first word of the first meaningful line, checked to look like a version.
    fn one_word(&self) -> Result<(usize, String)> {
        let (line, text) = self
            .lines()
            .next()
            .ok_or_else(|| self.error(1, "no version in the file"))?;
        let word = text.split_whitespace().next().unwrap_or(text);
        check_version(word).map_err(|message| self.error(line, message))?;
        Ok((line, word.to_owned()))
    }

    /// nvm's rules: exactly one bare version line; `key=value` lines are allowed
    /// (but not `node=`, and no key twice).
    fn nvmrc(&self) -> Result<String> {
        let mut version: Option<(usize, &str)> = None;
        let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
        for (line, text) in self.lines() {
            if let Some((key, _)) = text.split_once('=') {
                let key = key.trim();
                if key == "node" {
                    return Err(self.error(
                        line,
                        "`node=` is not allowed; write the version on a line of its own",
                    ));
                }
                if let Some(first) = keys.insert(key, line) {
                    return Err(self.error(
                        line,
                        format!("`{key}` is set twice (first on line {first})"),
                    ));
                }
                continue;
            }
            if let Some((first, _)) = version {
                return Err(self.error(
                    line,
                    format!("a second version (the first is on line {first}); .nvmrc holds one"),
                ));
            }
            check_version(text).map_err(|message| self.error(line, message))?;
            version = Some((line, text));
        }
        let (_, version) = version.ok_or_else(|| self.error(1, "no version in the file"))?;
        Ok(node(version))
    }

    /// `toolchain goX.Y.Z` wins over `go X.Y[.Z]`; `//` comments are ignored. A
    /// go.mod without either asks for nothing.
    fn go_mod(&self) -> Result<Option<String>> {
        let mut go = None;
        for (index, line) in self.contents.lines().enumerate() {
            let line = line.split("//").next().unwrap_or_default().trim();
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("toolchain"), Some(value)) => {
                    let version = value.strip_prefix("go").ok_or_else(|| {
                        self.error(
                            index + 1,
                            format!("toolchain `{value}` does not start with `go`"),
                        )
                    })?;
                    check_version(version).map_err(|message| self.error(index + 1, message))?;
                    return Ok(Some(version.to_owned()));
                }
                (Some("go"), Some(value)) if go.is_none() => {
                    check_version(value).map_err(|message| self.error(index + 1, message))?;
                    go = Some(value.to_owned());
                }
                _ => {}
            }
        }
        Ok(go)
    }

    /// A bare channel on one line, or the TOML form.
    fn rust_toolchain(&self) -> Result<String> {
        let meaningful: Vec<(usize, &str)> = self.lines().collect();
        match meaningful.as_slice() {
            [(line, text)] if !text.starts_with('[') && !text.contains('=') => {
                check_version(text).map_err(|message| self.error(*line, message))?;
                Ok((*text).to_owned())
            }
            _ => self.rust_toolchain_toml(),
        }
    }

    fn rust_toolchain_toml(&self) -> Result<String> {
        let table = self.toml()?;
        let toolchain = table
            .get("toolchain")
            .and_then(toml::Value::as_table)
            .ok_or_else(|| self.error(1, "no [toolchain] table"))?;
        if toolchain.contains_key("path") {
            return Err(self.error(
                self.line_of("path"),
                "`path` toolchains are not managed by omg; name a channel",
            ));
        }
        match toolchain.get("channel") {
            Some(toml::Value::String(channel)) => {
                check_version(channel)
                    .map_err(|message| self.error(self.line_of("channel"), message))?;
                Ok(channel.clone())
            }
            Some(_) => Err(self.error(self.line_of("channel"), "`channel` must be a string")),
            // rustup's default when only components or targets are given.
            None if !toolchain.is_empty() => Ok("stable".to_owned()),
            None => Err(self.error(1, "[toolchain] is empty")),
        }
    }

    /// `<tool> <version> [<fallback>…]` per line; the first version is the request.
    fn tool_versions(&self) -> Result<Vec<(Runtime, String)>> {
        let mut requests: Vec<(Runtime, String)> = Vec::new();
        for (line, text) in self.lines() {
            let mut words = text.split_whitespace();
            let tool = words.next().unwrap_or_default();
            let version = words
                .next()
                .ok_or_else(|| self.error(line, format!("`{tool}` has no version")))?;
            check_version(version).map_err(|message| self.error(line, message))?;
            let runtime =
                Runtime::parse(tool).map_err(|error| self.error(line, error.to_string()))?;
            if requests.iter().any(|(seen, _)| *seen == runtime) {
                return Err(self.error(line, format!("`{tool}` is listed twice")));
            }
            let version = match runtime {
                Runtime::Node => node(version),
                _ => version.to_owned(),
            };
            requests.push((runtime, version));
        }
        Ok(requests)
    }

    /// `[tools]`: `node = "20"`, `python = ["3.12", "3.11"]` (the first is the
    /// default), `go = { version = "1.23" }`.
    fn mise_toml(&self) -> Result<Vec<(Runtime, String)>> {
        let table = self.toml()?;
        let Some(tools) = table.get("tools") else {
            return Ok(Vec::new());
        };
        let tools = tools
            .as_table()
            .ok_or_else(|| self.error(self.line_of("tools"), "`tools` must be a table"))?;
        let mut requests = Vec::new();
        for (tool, value) in tools {
            let line = self.line_of(tool);
            let version = match value {
                toml::Value::String(version) => version.clone(),
                toml::Value::Array(versions) => versions
                    .first()
                    .and_then(toml::Value::as_str)
                    .ok_or_else(|| {
                        self.error(line, format!("`{tool}` needs at least one version string"))
                    })?
                    .to_owned(),
                toml::Value::Table(options) => options
                    .get("version")
                    .and_then(toml::Value::as_str)
                    .ok_or_else(|| self.error(line, format!("`{tool}` has no `version` string")))?
                    .to_owned(),
                _ => return Err(self.error(line, format!("`{tool}` must be a version string"))),
            };
            check_version(&version).map_err(|message| self.error(line, message))?;
            let runtime =
                Runtime::parse(tool).map_err(|error| self.error(line, error.to_string()))?;
            let version = match runtime {
                Runtime::Node => node(&version),
                _ => version,
            };
            requests.push((runtime, version));
        }
        Ok(requests)
    }

    fn toml(&self) -> Result<toml::Table> {
        self.contents.parse::<toml::Table>().map_err(|error| {
            let line = error.span().map_or(1, |span| {
                self.contents[..span.start].matches('\n').count() + 1
            });
            self.error(line, error.message().to_owned())
        })
    }

    /// The line where `key` is first assigned (for errors in parsed TOML).
    fn line_of(&self, key: &str) -> usize {
        self.contents
            .lines()
            .position(|line| {
                let line = line.trim_start().trim_start_matches('"');
                line.starts_with(key)
                    && line[key.len()..]
                        .trim_start_matches('"')
                        .trim_start()
                        .starts_with(['=', ']'])
                    || line.starts_with(&format!("[{key}]"))
            })
            .map_or(1, |index| index + 1)
    }
}

/// A version request must be one word of the characters versions and aliases use.
fn check_version(text: &str) -> std::result::Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-+/*:@~^<>=".contains(c);
    if text.is_empty() {
        Err("empty version".to_owned())
    } else if let Some(bad) = text.chars().find(|&c| !allowed(c)) {
        Err(format!("`{text}` is not a version (unexpected `{bad}`)"))
    } else {
        Ok(())
    }
}

/// Node requests as nvm and fnm write them, in one spelling: `v20` → `20`,
/// `lts/*`, `lts-*`, `lts/latest` → `lts`, `lts-iron`/`lts/Iron` → `lts/iron`,
/// `node`/`stable` → `latest`.
fn node(request: &str) -> String {
    let lower = request.to_ascii_lowercase();
    match lower.as_str() {
        "lts/*" | "lts-*" | "lts/latest" | "lts" => "lts".to_owned(),
        "node" | "stable" | "latest" => "latest".to_owned(),
        _ => {
            if let Some(codename) = lower
                .strip_prefix("lts/")
                .or_else(|| lower.strip_prefix("lts-"))
            {
                format!("lts/{codename}")
            } else {
                strip_v(request)
            }
        }
    }
}

fn strip_v(request: &str) -> String {
    strip_prefix_before_digit(request, "v")
}

fn strip_go(request: &str) -> &str {
    request
        .strip_prefix("go")
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(request)
}

/// `prefix` removed when a digit follows it (`ruby-3.3` → `3.3`, `jruby-9` kept).
fn strip_prefix_before_digit(request: &str, prefix: &str) -> String {
    request
        .strip_prefix(prefix)
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(request)
        .to_owned()
}

#[cfg(test)]
mod tests;

/// The file `omg use --local` writes for `runtime` when the directory has none.
#[must_use]
pub fn local_file_name(runtime: &Runtime) -> &'static str {
    match runtime {
        Runtime::Node => ".node-version",
        Runtime::Python => ".python-version",
        Runtime::Go => ".go-version",
        Runtime::Rust => "rust-toolchain.toml",
        Runtime::Ruby => ".ruby-version",
        Runtime::Java => ".java-version",
        Runtime::Bun => ".bun-version",
        Runtime::Other(_) => ".tool-versions",
    }
}

/// Pins `runtime` to `version` for `dir`: rewrites the directory's own file for that
/// runtime when it has one (`.nvmrc` stays `.nvmrc`), else creates
/// [`local_file_name`]. Written to a temporary file and renamed over the old one.
pub fn write_local(dir: &Path, runtime: &Runtime, version: &str) -> Result<PathBuf> {
    let existing = FILES
        .iter()
        .filter(|name| {
            !matches!(
                **name,
                "mise.toml" | ".mise.toml" | ".tool-versions" | "go.mod"
            )
        })
        .map(|name| dir.join(name))
        .find(|path| {
            read(path).is_ok_and(|contents| {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                contents.is_some_and(|contents| {
                    parse(name, &contents, path)
                        .is_ok_and(|found| found.iter().any(|(r, _)| r == runtime))
                })
            })
        });
    let path = existing.unwrap_or_else(|| dir.join(local_file_name(runtime)));
    let contents = match path.file_name().and_then(|n| n.to_str()) {
        Some("rust-toolchain.toml") => format!("[toolchain]\nchannel = \"{version}\"\n"),
        Some(".tool-versions") => {
            let mut lines: Vec<String> = read(&path)?
                .unwrap_or_default()
                .lines()
                .filter(|line| line.split_whitespace().next() != Some(runtime.name()))
                .map(str::to_owned)
                .collect();
            lines.push(format!("{} {version}", runtime.name()));
            lines.join("\n") + "\n"
        }
        _ => format!("{version}\n"),
    };
    let io = |source| VersionFileError::Read {
        file: path.clone(),
        source,
    };
    // A fresh name opened O_CREAT|O_EXCL (tempfile), which never opens an existing
    // file or follows a link planted in the directory; the rename then replaces
    // the name itself, never what an old link pointed to.
    let mut staged = tempfile::Builder::new()
        .prefix(".omg-version-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(io)?;
    std::io::Write::write_all(&mut staged, contents.as_bytes()).map_err(io)?;
    staged.persist(&path).map_err(|error| io(error.error))?;
    Ok(path)
}
