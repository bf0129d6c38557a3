//! Unpacks one archive the way an install does, for `bench/extract.sh`:
//! `extract ARCHIVE TARGET STRIP` (TARGET is created; `.zip` or `.tar.gz`).

#![expect(
    clippy::print_stderr,
    reason = "a benchmark tool reports its one error itself"
)]

use omg_runtimes::archive::{extract_tar_gz, extract_zip, Limits};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(archive), Some(target), Some(strip)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: extract ARCHIVE TARGET STRIP");
        return ExitCode::from(2);
    };
    let (archive, target) = (PathBuf::from(archive), PathBuf::from(target));
    let strip: usize = strip.to_string_lossy().parse().unwrap_or(0);
    if let Err(error) = std::fs::create_dir_all(&target) {
        eprintln!("{}: {error}", target.display());
        return ExitCode::from(2);
    }
    let zip = archive
        .extension()
        .is_some_and(|extension| extension == "zip");
    let result = if zip {
        extract_zip(&archive, &target, strip, Limits::default())
    } else {
        extract_tar_gz(&archive, &target, strip, Limits::default())
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}
