//! Debian parity: omg against apt-cache, apt-mark and dpkg-query on this machine's
//! real APT lists and dpkg status.

use crate::common::{exact_hit_names, reference, sorted_lines, Context};

fn apt_cache_search(terms: &[&str]) -> Vec<String> {
    let mut args = vec!["search"];
    args.extend(terms);
    let mut names: Vec<String> = reference("apt-cache", &args)
        .lines()
        .filter_map(|line| line.split(" - ").next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn omg_search(context: &Context, terms: &[&str]) -> Vec<String> {
    let mut args = vec!["--backend", "debian", "search"];
    args.extend(terms);
    args.push("--json");
    let output = context.omg(&args);
    // Exit 1 means "nothing found" and still prints the (empty) JSON answer.
    assert!(output.status.code() == Some(0) || output.status.code() == Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    exact_hit_names(&json)
}

#[test]
fn search_equals_apt_cache_search() {
    let context = Context::new();
    // Whether apt-cache must find something: without that, an empty or unreadable
    // lists directory makes both sides empty and the comparison pass on nothing.
    let queries: &[(&[&str], bool)] = &[
        (&["vim"], true),
        (&["python3"], true),
        (&["curl"], true),
        (&["editor"], true),
        (&["text", "editor"], true),
        (&["text editor"], true),
        (&["libssl"], true),
        (&["Event Machine"], true),
        (&["www-browser"], true),
        (&["qxzvw-no-such-thing"], false),
    ];
    for &(terms, matches) in queries {
        let expected = apt_cache_search(terms);
        assert_eq!(
            !expected.is_empty(),
            matches,
            "apt-cache search {terms:?} found {} names; is /var/lib/apt/lists populated \
             (apt-get update)?",
            expected.len()
        );
        let actual = omg_search(&context, terms);
        assert_eq!(
            actual,
            expected,
            "omg search {terms:?} differs from apt-cache search ({} vs {} names)",
            actual.len(),
            expected.len()
        );
    }
}

/// The fields of the candidate version's stanza in `apt-cache show`. Its
/// description, whatever its language (`Description-en` where Translation files
/// are read), is under `Description`, and its long lines (as `info` gives them:
/// one space of indentation off, ` .` empty) under `long`.
fn apt_cache_candidate_stanza(package: &str) -> std::collections::HashMap<String, String> {
    let policy = reference("apt-cache", &["policy", package]);
    let candidate = policy
        .lines()
        .find_map(|line| line.trim().strip_prefix("Candidate: "))
        .expect("candidate line")
        .to_owned();
    let show = reference("apt-cache", &["show", package]);
    for stanza in show.split("\n\n") {
        let mut fields = std::collections::HashMap::new();
        let mut long: Vec<&str> = Vec::new();
        let mut in_description = false;
        for line in stanza.lines() {
            if let Some(rest) = line.strip_prefix(' ') {
                if in_description {
                    long.push(if rest == "." { "" } else { rest });
                }
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                in_description = key.starts_with("Description") && key != "Description-md5";
                let key = if in_description { "Description" } else { key };
                fields.insert(key.to_owned(), value.trim().to_owned());
            }
        }
        if !long.is_empty() {
            fields.insert("long".to_owned(), long.join("\n"));
        }
        if fields.get("Version") == Some(&candidate) {
            return fields;
        }
    }
    panic!("apt-cache show {package} has no stanza for candidate {candidate}");
}

fn split_relations(value: Option<&String>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(|item| item.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn info_equals_apt_cache_show_of_candidate() {
    let context = Context::new();
    for package in [
        "curl",
        "bash",
        "coreutils",
        "vim",
        "python3",
        "libc6",
        "0ad",
        "git",
        "nodejs",
    ] {
        let expected = apt_cache_candidate_stanza(package);
        let info = context.omg_json(&["--backend", "debian", "info", package]);
        let text = |key: &str| info[key].as_str().map(str::to_owned);
        let list = |key: &str| -> Vec<String> {
            info[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(
            text("version").as_ref(),
            expected.get("Version"),
            "{package}: version"
        );
        assert_eq!(
            text("packager").as_ref(),
            expected.get("Maintainer"),
            "{package}: maintainer"
        );
        assert_eq!(
            text("url").as_ref(),
            expected.get("Homepage"),
            "{package}: homepage"
        );
        assert_eq!(
            text("architecture").as_ref(),
            expected.get("Architecture"),
            "{package}: arch"
        );
        assert_eq!(
            text("section").as_ref(),
            expected.get("Section"),
            "{package}: section"
        );
        assert_eq!(
            info["description"].as_str(),
            expected.get("Description").map(String::as_str),
            "{package}: description"
        );
        assert_eq!(
            info["long_description"].as_str(),
            expected.get("long").map(String::as_str),
            "{package}: long description"
        );
        let mut depends = split_relations(expected.get("Pre-Depends"));
        depends.extend(split_relations(expected.get("Depends")));
        assert_eq!(list("depends"), depends, "{package}: depends");
        assert_eq!(
            list("optional_depends"),
            split_relations(expected.get("Recommends")),
            "{package}: recommends"
        );
        assert_eq!(
            list("provides"),
            split_relations(expected.get("Provides")),
            "{package}: provides"
        );
        assert_eq!(
            info["download_size"].as_u64(),
            expected.get("Size").map(|s| s.parse::<u64>().unwrap()),
            "{package}: size"
        );
        assert_eq!(
            info["installed_size"].as_u64(),
            expected
                .get("Installed-Size")
                .map(|s| s.parse::<u64>().unwrap() * 1024),
            "{package}: installed size"
        );
        // dpkg-query fails for a package dpkg never saw: that means "not installed".
        let query = std::process::Command::new("dpkg-query")
            .args(["-W", "-f", "${db:Status-Status} ${Version}", package])
            .output()
            .expect("run dpkg-query");
        let installed = String::from_utf8_lossy(&query.stdout)
            .split_once(' ')
            .filter(|(status, _)| *status == "installed")
            .map(|(_, version)| version.to_owned());
        assert_eq!(
            text("installed_version"),
            installed,
            "{package}: installed version"
        );
    }
}

#[test]
fn info_unknown_package_suggests_and_exits_1() {
    let context = Context::new();
    let output = context.omg(&["--backend", "debian", "info", "crul"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[0], "error: package `crul` was not found");
    assert!(
        lines[1].starts_with("hint: did you mean ") && lines[1].contains("curl"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn explicit_equals_apt_mark_showmanual() {
    let context = Context::new();
    let expected = sorted_lines(&reference("apt-mark", &["showmanual"]));
    assert!(!expected.is_empty(), "apt-mark showmanual listed nothing");
    let actual = sorted_lines(&context.omg_ok(&["--backend", "debian", "explicit"]));
    assert_eq!(actual, expected);
}

#[test]
fn list_installed_equals_dpkg_query() {
    let context = Context::new();
    let dpkg = reference(
        "dpkg-query",
        &["-W", "-f", "${db:Status-Status} ${Package} ${Version}\n"],
    );
    let expected: Vec<String> = sorted_lines(
        &dpkg
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(status, _)| !matches!(*status, "not-installed" | "config-files"))
            .map(|(_, rest)| format!("{rest}\n"))
            .collect::<String>(),
    );
    assert!(!expected.is_empty(), "dpkg-query listed nothing installed");
    let actual = sorted_lines(&context.omg_ok(&["--backend", "debian", "list", "--installed"]));
    assert_eq!(actual, expected);
}

#[test]
fn status_counts_equal_apt() {
    let context = Context::new();
    let status = context.omg_json(&["--backend", "debian", "status"]);
    let manual = sorted_lines(&reference("apt-mark", &["showmanual"])).len();
    let upgradable = reference("apt", &["list", "--upgradable"])
        .lines()
        .filter(|line| line.contains("[upgradable from"))
        .count();
    assert_eq!(status["backend"], "debian");
    assert_eq!(status["explicit"].as_u64(), Some(manual as u64));
    assert_eq!(status["upgradable"].as_u64(), Some(upgradable as u64));
    assert!(status["available"].as_u64().unwrap() > 1000);
}

#[test]
fn search_empty_query_is_an_error() {
    let context = Context::new();
    let output = context.omg(&["--backend", "debian", "search", "  "]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: empty search query"), "{stderr}");
}

#[test]
fn unreadable_lists_directory_is_one_clear_error() {
    let context = Context::new();
    let config_dir = context.home().join("config/omg");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        "[debian]\nlists_dir = \"/nonexistent/omg-lists\"\n",
    )
    .unwrap();
    let output = context.omg(&["--backend", "debian", "search", "vim"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: cannot read /nonexistent/omg-lists: No such file or directory (os error 2)"
    );
}

/// `(action, name)` pairs of an `apt-get -s install` run: what it would install,
/// upgrade or remove.
fn apt_get_plan(words: &[&str], apt_config: &std::path::Path) -> Vec<String> {
    let mut args = vec!["-s", "-q", "install"];
    args.extend(words);
    let output = std::process::Command::new("apt-get")
        .args(&args)
        .env("APT_CONFIG", apt_config)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("apt-get runs");
    assert!(output.status.success(), "apt-get {args:?}: {output:?}");
    let mut plan: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let action = match words.next()? {
                "Inst" => "install",
                "Remv" => "remove",
                _ => return None,
            };
            Some(format!("{action} {}", words.next()?))
        })
        .collect();
    plan.sort();
    plan
}

/// The same pairs from the plan `omg install` prints (without a terminal it
/// stops there).
fn omg_plan(context: &Context, words: &[&str], apt_config: &std::path::Path) -> Vec<String> {
    let mut args = vec!["--backend", "debian", "install"];
    args.extend(words);
    let output = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(&args)
        .env("OMG_NO_DAEMON", "1")
        .env("APT_CONFIG", apt_config)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("omg runs");
    let mut plan: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let action = match words.next()? {
                "install" | "upgrade" | "downgrade" | "reinstall" => "install",
                "remove" => "remove",
                _ => return None,
            };
            Some(format!("{action} {}", words.next()?))
        })
        .collect();
    assert!(
        !plan.is_empty(),
        "omg install {words:?} printed no plan: {output:?}"
    );
    plan.sort();
    plan
}

/// Plans equal `apt-get -s install` on this machine with apt's default solver and
/// with `APT::Solver` set to each solver this apt has (3.x: the classic one and
/// 3.0; 2.6: the classic one). The five packages are ones whose plans differ
/// between the two solvers in sid.
#[test]
fn install_plans_equal_apt_get_simulate_with_either_solver() {
    let context = Context::new();
    let apt_version = reference("dpkg-query", &["-W", "-f", "${Version}", "apt"]);
    let has_solver3 = std::process::Command::new("dpkg")
        .args(["--compare-versions", &apt_version, "ge", "3.0~"])
        .status()
        .expect("dpkg runs")
        .success();
    let mut solvers = vec![None, Some("internal")];
    if has_solver3 {
        solvers.push(Some("3.0"));
    }
    let dir = tempfile::tempdir().unwrap();
    for solver in solvers {
        let apt_config = dir.path().join("apt.conf");
        let setting = solver.map_or(String::new(), |name| format!("APT::Solver \"{name}\";\n"));
        std::fs::write(&apt_config, setting).unwrap();
        for package in [
            "libreoffice-writer",
            "xfce4",
            "kde-plasma-desktop",
            "texlive-latex-base",
            "emacs",
        ] {
            let expected = apt_get_plan(&[package], &apt_config);
            assert!(!expected.is_empty(), "apt-get plans nothing for {package}");
            let ours = omg_plan(&context, &[package], &apt_config);
            let missing: Vec<&String> = expected.iter().filter(|p| !ours.contains(p)).collect();
            let extra: Vec<&String> = ours.iter().filter(|p| !expected.contains(p)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "install {package} with solver {solver:?} (apt {apt_version}): \
                 apt-get plans {} changes, omg {}; omg lacks {missing:?}, adds {extra:?}",
                expected.len(),
                ours.len()
            );
        }
    }
}
