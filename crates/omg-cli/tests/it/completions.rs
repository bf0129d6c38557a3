//! `omg completions` loaded into the real shells, and `omg manpages` rendered by
//! man: what a user's TAB and `man omg-install` would see.

use crate::common::Context;
use std::path::Path;
use std::process::Command;

/// The script `omg completions <shell>` prints, written to `dir/file`.
fn script(context: &Context, shell: &str, dir: &Path, file: &str) -> std::path::PathBuf {
    let output = context.omg(&["completions", shell]);
    assert!(
        output.status.success(),
        "omg completions {shell}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.stdout.is_empty(), "empty {shell} script");
    let path = dir.join(file);
    std::fs::write(&path, &output.stdout).expect("write script");
    path
}

/// Runs `shell ARGS` with the context's private home; stdout, after checking it
/// succeeded.
fn run_shell(context: &Context, shell: &str, args: &[&str]) -> String {
    let output = context
        .command("timeout")
        .arg("60")
        .arg(shell)
        .args(args)
        // The scripts run `omg` from PATH, as they would once installed.
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
        .env("TERM", "dumb")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {shell}: {error}"));
    assert!(
        output.status.success(),
        "{shell} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn bin_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_omg"))
        .parent()
        .expect("omg's directory")
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

/// What bash would offer for `words` (the last one being completed): the
/// function the script registered for `omg`, called the way bash calls it, with
/// COMP_WORDS/COMP_CWORD set and (command, word, previous word) as arguments.
fn bash_complete(context: &Context, script: &Path, words: &[&str]) -> String {
    let cword = words.len() - 1;
    let line = words.join(" ");
    let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
    let code = format!(
        "source '{script}'\n\
         function=$(complete -p omg | sed -E 's/.*-F ([^ ]+).*/\\1/')\n\
         COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
         \"$function\" omg '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script.display(),
        words = quoted.join(" "),
        current = words[cword],
        previous = words[cword - 1],
    );
    run_shell(context, "bash", &["--noprofile", "--norc", "-c", &code])
}

#[test]
fn bash_completes_subcommands_and_their_flags() {
    let context = Context::new();
    let dir = tempfile::tempdir().unwrap();
    let path = script(&context, "bash", dir.path(), "omg.bash");
    let subcommands = bash_complete(&context, &path, &["omg", "ins"]);
    assert!(lines(&subcommands).contains(&"install"), "{subcommands}");
    assert!(!lines(&subcommands).contains(&"search"), "{subcommands}");
    let flags = bash_complete(&context, &path, &["omg", "install", "--re"]);
    assert!(lines(&flags).contains(&"--reinstall"), "{flags}");
    let shells = bash_complete(&context, &path, &["omg", "completions", "f"]);
    assert_eq!(lines(&shells), ["fish"]);
}

#[test]
fn package_names_complete_from_omgd_and_quietly_not_without_it() {
    let context = Context::new();
    let dir = tempfile::tempdir().unwrap();
    let path = script(&context, "bash", dir.path(), "omg.bash");
    // No omgd: no candidates, no error, and none started.
    let none = bash_complete(&context, &path, &["omg", "info", "bas"]);
    assert!(lines(&none).iter().all(|line| line.is_empty()), "{none}");
    assert!(!context.socket().exists());

    // This machine's APT data: bash is installed and offered on every Debian.
    let _daemon = context.start_daemon(&["--backend", "debian"]);
    for command in ["info", "install"] {
        let offered = bash_complete(&context, &path, &["omg", command, "bas"]);
        let names = lines(&offered);
        assert!(names.contains(&"bash"), "{command}: {offered}");
        assert!(
            names.iter().all(|name| name.starts_with("bas")),
            "{offered}"
        );
    }
    let installed = bash_complete(&context, &path, &["omg", "remove", "bas"]);
    let names = lines(&installed);
    assert!(names.contains(&"bash"), "{installed}");
    assert!(
        names.iter().all(|name| name.starts_with("bas")),
        "{installed}"
    );
    // Later words of install complete too (it takes several).
    let second = bash_complete(&context, &path, &["omg", "install", "bash", "dpk"]);
    assert!(lines(&second).contains(&"dpkg"), "{second}");

    // fish gets the descriptions beside the names.
    let fish = script(&context, "fish", dir.path(), "omg.fish");
    let code = format!("source '{}'; complete -C 'omg info bas'", fish.display());
    let output = run_shell(&context, "fish", &["--no-config", "-c", &code]);
    assert!(
        output.lines().any(|line| line.starts_with("bash\t")),
        "{output}"
    );
}

#[test]
fn use_completes_runtime_names_and_installed_versions_without_omgd() {
    let context = Context::new();
    let node = context.home().join("data/omg/versions/node");
    for version in ["20.1.0", "22.12.0"] {
        std::fs::create_dir_all(node.join(version)).unwrap();
    }
    std::os::unix::fs::symlink("22.12.0", node.join("current")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = script(&context, "bash", dir.path(), "omg.bash");
    let sorted = |text: &str| {
        let mut words: Vec<String> = lines(text)
            .into_iter()
            // An empty word is offered the flags too, as everywhere.
            .filter(|word| !word.is_empty() && !word.starts_with('-'))
            .map(str::to_owned)
            .collect();
        words.sort();
        words
    };
    let runtimes = bash_complete(&context, &path, &["omg", "use", "no"]);
    assert_eq!(sorted(&runtimes), ["node"]);
    let versions = bash_complete(&context, &path, &["omg", "use", "node", ""]);
    assert_eq!(sorted(&versions), ["20.1.0", "22.12.0", "latest", "lts"]);
    // A flag before the runtime does not hide it; the word filters.
    let prefixed = bash_complete(&context, &path, &["omg", "use", "--local", "node", "22"]);
    assert_eq!(sorted(&prefixed), ["22.12.0"]);
    let go = bash_complete(&context, &path, &["omg", "use", "go", ""]);
    assert_eq!(sorted(&go), ["latest"]);
    assert!(!context.socket().exists(), "a TAB started omgd");

    // fish shows which one is the default.
    let fish = script(&context, "fish", dir.path(), "omg.fish");
    let code = format!("source '{}'; complete -C 'omg use node 2'", fish.display());
    let output = run_shell(&context, "fish", &["--no-config", "-c", &code]);
    assert!(
        output
            .lines()
            .any(|line| line == "22.12.0\tinstalled, the default"),
        "{output}"
    );
    assert!(
        output.lines().any(|line| line == "20.1.0\tinstalled"),
        "{output}"
    );
}

#[test]
fn fish_completes_subcommands_and_their_flags() {
    let context = Context::new();
    let dir = tempfile::tempdir().unwrap();
    let path = script(&context, "fish", dir.path(), "omg.fish");
    let code = format!(
        "source '{}'; complete -C 'omg ins'; echo ---; complete -C 'omg install --re'",
        path.display()
    );
    let output = run_shell(&context, "fish", &["--no-config", "-c", &code]);
    let (subcommands, flags) = output.split_once("---\n").expect("separator");
    // fish prints `candidate<TAB>description`.
    let first = |text: &str| -> Vec<String> {
        text.lines()
            .map(|line| line.split('\t').next().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(
        first(subcommands).contains(&"install".to_owned()),
        "{output}"
    );
    assert!(first(flags).contains(&"--reinstall".to_owned()), "{output}");
}

#[test]
fn zsh_completes_subcommands_and_their_flags() {
    let context = Context::new();
    let dir = tempfile::tempdir().unwrap();
    // compinit finds it on $fpath by its `#compdef omg` line, as an installed one.
    let functions = dir.path().join("functions");
    std::fs::create_dir(&functions).unwrap();
    let path = script(&context, "zsh", &functions, "_omg");
    run_shell(&context, "zsh", &["-n", path.to_str().unwrap()]);

    // compadd only works inside a completion widget, so a real interactive zsh runs
    // in a pseudo-terminal (zpty) and gets `omg ins<TAB>` typed into it; a compadd
    // wrapper records every candidate the script offers.
    let matches = dir.path().join("matches");
    let driver = format!(
        r#"zmodload zsh/zpty
zpty shell 'zsh -f -i'
# The prompt is how this script knows zle is reading: keys typed before that are
# echoed by the terminal but never completed. It is spelled so that the echoed
# command line does not match it.
zpty -w shell 'PS1="Z${{(U):-prompt}}> "; fpath=({functions} $fpath); autoload -Uz compinit; compinit -u -D; compadd() {{ local -a m; builtin compadd -O m "$@"; print -rl -- $m >> {matches}; builtin compadd "$@" }}'
zpty -r shell line '*ZPROMPT>*'
n=0
for input in 'omg ins' 'omg install --re'; do
  zpty -w -n shell "$input"$'\t'
  # Input is read in order, so once this echo has run the completion is done.
  (( n++ ))
  zpty -w shell $'\C-u echo DONE-$(('"$n"'+100))'
  zpty -r shell line "*DONE-$((n + 100))*"
  zpty -r shell line '*ZPROMPT>*'
done
zpty -d shell
"#,
        functions = functions.display(),
        matches = matches.display(),
    );
    run_shell(&context, "zsh", &["-f", "-c", &driver]);
    let recorded = std::fs::read_to_string(&matches).unwrap_or_default();
    let candidates = lines(&recorded);
    assert!(candidates.contains(&"install"), "{recorded}");
    assert!(candidates.contains(&"--reinstall"), "{recorded}");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let context = Context::new();
    let output = context.omg(&["completions", "powershell"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("possible values: bash, zsh, fish"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The visible subcommands `omg <path> --help` lists, each with its own.
fn subcommands(context: &Context, path: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let output = context.omg(&args);
    assert!(output.status.success(), "omg {args:?}");
    let help = String::from_utf8(output.stdout).unwrap();
    let Some((_, listed)) = help.split_once("Commands:\n") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for line in listed.lines().take_while(|line| !line.trim().is_empty()) {
        // Entries start two spaces in; wrapped descriptions further.
        let Some(entry) = line.strip_prefix("  ") else {
            continue;
        };
        if entry.starts_with(' ') {
            continue;
        }
        let name = entry.split_whitespace().next().unwrap_or_default();
        if name == "help" {
            continue;
        }
        let mut child: Vec<String> = path.iter().map(|part| (*part).to_owned()).collect();
        child.push(name.to_owned());
        let borrowed: Vec<&str> = child.iter().map(String::as_str).collect();
        let nested = subcommands(context, &borrowed);
        found.push(child);
        found.extend(nested);
    }
    found
}

#[test]
fn man_renders_a_page_for_omg_every_subcommand_and_omgd() {
    let context = Context::new();
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let output = context.omg(&["manpages", pages.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mut expected = vec!["omg".to_owned(), "omgd".to_owned()];
    for path in subcommands(&context, &[]) {
        expected.push(format!("omg-{}", path.join("-")));
    }
    assert!(expected.contains(&"omg-install".to_owned()), "{expected:?}");
    assert!(
        expected.contains(&"omg-daemon-start".to_owned()),
        "{expected:?}"
    );
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut wanted: Vec<String> = expected.iter().map(|page| format!("{page}.1")).collect();
    wanted.sort();
    // Exactly these: a hidden command (hook-env, shim, manpages) has no page.
    assert_eq!(written, wanted);

    for page in &expected {
        let file = pages.join(format!("{page}.1"));
        let output = Command::new("man")
            .arg("-l")
            .arg(&file)
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .expect("run man (the man-db package)");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "man -l {page}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let headings = lines(&text);
        assert!(headings.contains(&"NAME"), "{page}: {text}");
        assert!(headings.contains(&"SYNOPSIS"), "{page}: {text}");
        // The NAME line names the page itself.
        let name = headings
            .iter()
            .skip_while(|line| **line != "NAME")
            .nth(1)
            .copied()
            .unwrap_or_default();
        assert!(name.starts_with(&format!("{page} ")), "{page}: {text}");
    }

    // The install page documents install's own flags and the global ones.
    let install = std::fs::read_to_string(pages.join("omg-install.1")).unwrap();
    assert!(install.contains("reinstall"), "{install}");
    assert!(install.contains("no\\-daemon"), "{install}");
}

#[test]
fn arch_flags_sit_under_their_own_heading_in_help() {
    let context = Context::new();
    let output = context.omg(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    let heading = help.find("\nArch:\n").unwrap_or_else(|| panic!("{help}"));
    let options = help
        .find("\nOptions:\n")
        .unwrap_or_else(|| panic!("{help}"));
    for flag in ["--config <FILE>", "--root <DIR>", "--dbpath <DIR>"] {
        let at = help.find(flag).unwrap_or_else(|| panic!("{flag}: {help}"));
        assert!(at > heading, "{flag} is not under Arch: {help}");
    }
    assert!(options < heading, "{help}");
    // The runtime commands' help keeps them out of its own options.
    let install = String::from_utf8_lossy(&context.omg(&["install", "--help"]).stdout).into_owned();
    let arch = install
        .find("\nArch:\n")
        .unwrap_or_else(|| panic!("{install}"));
    assert!(
        install.find("--noreview").is_some_and(|at| at > arch),
        "{install}"
    );
}

#[test]
fn use_completes_the_versions_a_mirror_offers_once_omgd_has_listed_them() {
    let context = Context::new();
    let server = omg_testbed::HttpServer::serve(&omg_testbed::node_dist().root);
    context.configure(&format!("[mirrors]\nnode = \"{}\"\n", server.url()));
    let _daemon = context.start_daemon(&["--backend", "debian"]);
    let dir = tempfile::tempdir().unwrap();
    let path = script(&context, "bash", dir.path(), "omg.bash");
    // The first TAB answers at once with what omgd kept (nothing yet) and starts
    // the listing; a later one has the mirror's versions.
    let first = bash_complete(&context, &path, &["omg", "use", "node", ""]);
    assert!(
        !lines(&first).contains(&omg_testbed::NODE_VERSION),
        "{first}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let offered = loop {
        let offered = bash_complete(&context, &path, &["omg", "use", "node", ""]);
        if lines(&offered).contains(&omg_testbed::NODE_VERSION) {
            break offered;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never offered: {offered}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(lines(&offered).contains(&"lts"), "{offered}");
    // The index was fetched once, by omgd, not on every TAB.
    let listings = server
        .requests()
        .iter()
        .filter(|request| request.contains("index.json"))
        .count();
    assert_eq!(listings, 1, "{:?}", server.requests());
    // The word filters the offers too.
    let major = omg_testbed::NODE_VERSION.split('.').next().unwrap();
    let filtered = bash_complete(&context, &path, &["omg", "use", "node", major]);
    assert!(
        lines(&filtered).iter().all(|word| word.starts_with(major)),
        "{filtered}"
    );
}
