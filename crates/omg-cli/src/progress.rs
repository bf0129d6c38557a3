//! Progress on stderr, of a system change and of runtime downloads: on a
//! terminal, a bar per download (with speed and ETA, several at once in one
//! multi-bar) and one for the package steps; elsewhere, one line per finished
//! download and per step, so logs stay readable; with `-q`, nothing.

use crate::printer::{escape, message};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use omg_core::{ChangeEvent, PackageAction};
use std::collections::HashMap;
use std::io::IsTerminal;

/// Draws [`ChangeEvent`]s as they stream in.
pub(crate) struct ChangeProgress {
    bars: Option<Bars>,
    last_download: Option<String>,
    /// `-q`: only warnings and script output are shown.
    quiet: bool,
}

struct Bars {
    multi: MultiProgress,
    downloads: HashMap<String, ProgressBar>,
    steps: Option<ProgressBar>,
}

impl ChangeProgress {
    /// Bars when stderr is a terminal, lines otherwise, neither when `quiet`.
    pub(crate) fn new(quiet: bool) -> Self {
        let bars = (!quiet && std::io::stderr().is_terminal()).then(|| Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            downloads: HashMap::new(),
            steps: None,
        });
        Self {
            bars,
            last_download: None,
            quiet,
        }
    }

    pub(crate) fn show(&mut self, event: &ChangeEvent) {
        match &mut self.bars {
            Some(bars) => bars.show(event),
            None if self.quiet => {
                if matches!(
                    event,
                    ChangeEvent::Warning { .. } | ChangeEvent::ScriptOutput { .. }
                ) {
                    message(&other_text(event));
                }
            }
            None => self.line(event),
        }
    }

    /// Clears what is still drawn, leaving finished bars as lines.
    pub(crate) fn finish(&mut self) {
        if let Some(bars) = &mut self.bars {
            for (_, bar) in bars.downloads.drain() {
                bar.finish_and_clear();
            }
            if let Some(steps) = bars.steps.take() {
                steps.finish();
                // indicatif leaves the cursor at the end of the last bar: what is
                // printed next ("done") would run into it.
                use std::io::Write;
                let _ = writeln!(std::io::stderr());
            }
        }
    }

    fn line(&mut self, event: &ChangeEvent) {
        match event {
            ChangeEvent::Package {
                action,
                name,
                current,
                count,
            } => message(&format!("({current}/{count}) {} {name}", verb(*action))),
            ChangeEvent::Download { file, done, total } => {
                if *total > 0 && done == total && self.last_download.as_deref() != Some(file) {
                    self.last_download = Some(file.clone());
                    message(&format!(
                        "downloaded {file} ({})",
                        crate::render::human_size(*total)
                    ));
                }
            }
            other => message(&other_text(other)),
        }
    }
}

impl Drop for ChangeProgress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Bars {
    fn show(&mut self, event: &ChangeEvent) {
        match event {
            ChangeEvent::Download { file, done, total } => {
                let bar = self.downloads.entry(file.clone()).or_insert_with(|| {
                    let bar = ProgressBar::new(*total).with_style(download_style());
                    bar.set_message(escape(file).into_owned());
                    match &self.steps {
                        Some(steps) => self.multi.insert_before(steps, bar),
                        None => self.multi.add(bar),
                    }
                });
                if bar.length() != Some(*total) {
                    bar.set_length(*total);
                }
                bar.set_position(*done);
                if *total > 0 && done >= total {
                    bar.finish();
                }
            }
            ChangeEvent::Package {
                action,
                name,
                current,
                count,
            } => {
                let steps = self.steps.get_or_insert_with(|| {
                    self.multi.add(
                        ProgressBar::new(u64::try_from(*count).unwrap_or(u64::MAX))
                            .with_style(steps_style()),
                    )
                });
                steps.set_position(u64::try_from(current.saturating_sub(1)).unwrap_or(0));
                steps.set_message(format!("{} {}", verb(*action), escape(name)));
                if current == count {
                    steps.set_position(u64::try_from(*count).unwrap_or(u64::MAX));
                }
            }
            other => {
                // Lines above the bars, so hook and script output is never torn.
                let _ = self.multi.println(escape(&other_text(other)));
            }
        }
    }
}

/// Bars for downloads that run at once on several threads (runtime installs).
pub(crate) struct DownloadBars {
    multi: Option<MultiProgress>,
    quiet: bool,
}

/// One install's bar (its download, then its build phases), or its lines.
pub(crate) struct DownloadBar {
    bar: Option<ProgressBar>,
    multi: Option<MultiProgress>,
    label: String,
    quiet: bool,
    /// `-v`: a build's output is shown as it comes.
    verbose: bool,
    total: Option<u64>,
    said: bool,
}

impl DownloadBars {
    /// Bars when stderr is a terminal, lines otherwise, neither when `quiet`.
    pub(crate) fn new(quiet: bool) -> Self {
        let multi = (!quiet && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)));
        Self { multi, quiet }
    }

    /// A bar labelled `label` (`node 22.12.0`); `verbose` shows build output.
    pub(crate) fn add(&self, label: &str, verbose: bool) -> DownloadBar {
        let bar = self.multi.as_ref().map(|multi| {
            let bar = multi.add(ProgressBar::new(0).with_style(download_style()));
            bar.set_message(escape(label).into_owned());
            bar
        });
        DownloadBar {
            bar,
            multi: self.multi.clone(),
            label: label.to_owned(),
            quiet: self.quiet,
            verbose,
            total: None,
            said: false,
        }
    }

    /// A line above the bars (or on its own without them).
    pub(crate) fn println(&self, text: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(escape(text));
            }
            None if self.quiet => {}
            None => message(text),
        }
    }
}

impl omg_runtimes::Reporter for DownloadBar {
    fn bytes(&mut self, done: u64, total: Option<u64>) {
        self.update(done, total);
        if total.is_some_and(|total| total > 0 && done >= total) {
            self.finish();
        }
    }

    fn phase(&mut self, phase: &str) {
        let text = format!("{}: {phase}", self.label);
        match (&self.bar, &self.multi) {
            (Some(bar), Some(multi)) => {
                // The finished download bar becomes a spinner for the build.
                let spinner =
                    multi.insert_after(bar, ProgressBar::new_spinner().with_style(phase_style()));
                spinner.enable_steady_tick(std::time::Duration::from_millis(120));
                spinner.set_message(escape(&text).into_owned());
                bar.finish_and_clear();
                multi.remove(bar);
                self.bar = Some(spinner);
            }
            _ if self.quiet => {}
            _ => message(&text),
        }
    }

    fn output(&mut self, chunk: &[u8]) {
        if !self.verbose {
            return;
        }
        let text = String::from_utf8_lossy(chunk);
        let write = || {
            use std::io::Write;
            let _ = std::io::stderr().write_all(escape(&text).as_bytes());
        };
        match &self.multi {
            Some(multi) => multi.suspend(write),
            None => write(),
        }
    }
}

impl DownloadBar {
    /// `done` bytes of `total` (when known) have arrived.
    pub(crate) fn update(&mut self, done: u64, total: Option<u64>) {
        self.total = total.or(self.total);
        if let Some(bar) = &self.bar {
            if let Some(total) = total {
                if bar.length() != Some(total) {
                    bar.set_length(total);
                }
            }
            bar.set_position(done);
        }
    }

    /// The download is complete: the bar stays as a line, or a line says so.
    pub(crate) fn finish(&mut self) {
        match &self.bar {
            Some(bar) => bar.finish(),
            None if self.quiet || self.said => {}
            None => {
                self.said = true;
                let size = self
                    .total
                    .map(|total| format!(" ({})", crate::render::human_size(total)))
                    .unwrap_or_default();
                message(&format!("downloaded {}{size}", self.label));
            }
        }
    }
}

fn phase_style() -> ProgressStyle {
    ProgressStyle::with_template(" {spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn download_style() -> ProgressStyle {
    ProgressStyle::with_template(
        " {msg:32!} {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} {eta:>4} [{bar:25}] {percent:>3}%",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("#-")
}

fn steps_style() -> ProgressStyle {
    ProgressStyle::with_template(" ({pos}/{len}) {msg:40!} [{bar:25}] {percent:>3}%")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#-")
}

fn other_text(event: &ChangeEvent) -> String {
    match event {
        ChangeEvent::Hook { name } => format!(":: running hook: {name}"),
        ChangeEvent::ScriptOutput { line } => line.clone(),
        ChangeEvent::Warning { message } => format!("warning: {message}"),
        ChangeEvent::Package { name, .. } => name.clone(),
        ChangeEvent::Download { file, .. } => file.clone(),
    }
}

pub(crate) fn verb(action: PackageAction) -> &'static str {
    match action {
        PackageAction::Install => "installing",
        PackageAction::Upgrade => "upgrading",
        PackageAction::Downgrade => "downgrading",
        PackageAction::Reinstall => "reinstalling",
        PackageAction::Remove => "removing",
    }
}
