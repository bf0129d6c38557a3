//! The check every unpacked tree passes before it is installed: each symlink in
//! it, resolved the way the kernel will resolve it (through the other links in
//! the finished tree, `..` applied after each link is replaced by its target),
//! must stay inside the tree. Resolving in the finished tree, not entry by entry,
//! matters: `x -> p/..` is harmless until a later entry makes `p -> .`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// More links than this on one path is a loop (the kernel's own limit is 40).
const MAX_HOPS: usize = 40;

/// The first symlink under `root` whose target leaves it, with its target.
pub(crate) fn first_escaping_link(root: &Path) -> std::io::Result<Option<(PathBuf, PathBuf)>> {
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(root.join(&relative))? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = relative.join(entry.file_name());
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(entry.path())?;
                let parent: Vec<OsString> = relative
                    .components()
                    .map(|part| part.as_os_str().to_owned())
                    .collect();
                if !resolves_inside(root, parent, &target)? {
                    return Ok(Some((path, target)));
                }
            }
        }
    }
    Ok(None)
}

/// A link target's component, owned so a link's text can be spliced in.
enum Part {
    Root,
    Up,
    Name(OsString),
}

fn parts(target: &Path) -> impl DoubleEndedIterator<Item = Part> + '_ {
    target.components().filter_map(|component| match component {
        Component::RootDir | Component::Prefix(_) => Some(Part::Root),
        Component::CurDir => None,
        Component::ParentDir => Some(Part::Up),
        Component::Normal(name) => Some(Part::Name(name.to_owned())),
    })
}

/// Whether `target`, read in the directory `start` (components under `root`),
/// ends inside `root`. Only names that are not symlinks stay on the stack, so the
/// stack is always a real directory path beneath `root`.
fn resolves_inside(root: &Path, start: Vec<OsString>, target: &Path) -> std::io::Result<bool> {
    let mut stack = start;
    let mut rest: VecDeque<Part> = parts(target).collect();
    let mut hops = 0;
    while let Some(part) = rest.pop_front() {
        match part {
            Part::Root => return Ok(false),
            Part::Up => {
                if stack.pop().is_none() {
                    return Ok(false);
                }
            }
            Part::Name(name) => {
                stack.push(name);
                let here: PathBuf = root.join(stack.iter().collect::<PathBuf>());
                let Ok(metadata) = std::fs::symlink_metadata(&here) else {
                    continue; // A dangling name resolves no further.
                };
                if metadata.file_type().is_symlink() {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return Ok(false);
                    }
                    stack.pop();
                    let link = std::fs::read_link(&here)?;
                    // The link's own components come before what followed it.
                    for part in parts(&link).rev() {
                        rest.push_front(part);
                    }
                }
            }
        }
    }
    Ok(true)
}
