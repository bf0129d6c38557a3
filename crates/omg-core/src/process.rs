//! Running a build tool with its output kept: stdout and stderr go, interleaved
//! as the tool wrote them, into a log file and to a callback (which may show
//! them), so a failure can name a log that holds everything.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus};

/// Runs `command` with stdout and stderr into `log` (appended to when `append`)
/// and each chunk to `output` as it arrives.
pub fn run_logged(
    mut command: Command,
    log: &Path,
    append: bool,
    output: &mut dyn FnMut(&[u8]),
) -> std::io::Result<ExitStatus> {
    let (mut reader, writer) = std::io::pipe()?;
    command.stdout(writer.try_clone()?).stderr(writer);
    let mut child = command.spawn()?;
    // The command holds this process's copies of the write end: without dropping
    // them the read below would never see the end.
    drop(command);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(log)?;
    let mut buffer = [0u8; 8192];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(error);
            }
        };
        file.write_all(&buffer[..read])?;
        output(&buffer[..read]);
    }
    child.wait()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_streams_reach_the_log_and_the_callback() {
        let dir = std::env::temp_dir().join(format!("omg-run-logged-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("build.log");
        let mut seen = Vec::new();
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let status = run_logged(command, &log, false, &mut |chunk| {
            seen.extend_from_slice(chunk)
        })
        .unwrap();
        assert_eq!(status.code(), Some(3));
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(
            logged.contains("out\n") && logged.contains("err\n"),
            "{logged}"
        );
        assert_eq!(seen, logged.as_bytes());
        let mut again = Command::new("sh");
        again.args(["-c", "echo more"]);
        run_logged(again, &log, true, &mut |_| {}).unwrap();
        assert!(std::fs::read_to_string(&log).unwrap().ends_with("more\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
