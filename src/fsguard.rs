//! The one place a scan reads a file from the scanned tree. The code under scan is untrusted (a
//! pull-request check reads whatever the pull request adds), so a read is refused, never
//! attempted, when the path resolves outside the scan's roots (a symbolic link or `..` leading
//! out), when it is not a regular file (a FIFO would block forever, a device could stream without
//! end) or when it is larger than [`MAX_FILE_BYTES`]. Files the user names on the command line
//! (`--var-file`, `--config`) are theirs to choose: they skip the tree and type checks and keep
//! the size limit.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file a scan reads: 16 MiB, far above real Terraform (the largest `.tf` or
/// `.tf.json` file measured in real repositories is well under 1 MiB), far below what would
/// strain memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The directories a scan may read from: for each scanned path, its git repository's root, else
/// the path itself. Canonical, so a resolved path can be checked with `starts_with`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    /// Roots from directories; each is canonicalised (one that cannot be is kept as given) and a
    /// root inside another is dropped.
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>) -> Roots {
        let mut all: Vec<PathBuf> = dirs
            .into_iter()
            .map(|d| d.canonicalize().unwrap_or(d))
            .collect();
        all.sort();
        all.dedup();
        let kept = all
            .iter()
            .filter(|d| !all.iter().any(|o| o != *d && d.starts_with(o)))
            .cloned()
            .collect();
        Roots(kept)
    }

    /// Whether a canonical path lies under one of the roots.
    pub fn contains(&self, canonical: &Path) -> bool {
        self.0.iter().any(|r| canonical.starts_with(r))
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.0
    }
}

/// Why a file was not read. Every variant but `Io` is a refusal: the file was never opened, or
/// was closed unread once its handle showed what it is.
#[derive(Debug)]
pub enum ReadError {
    /// The resolved path leaves the scan's roots.
    Outside,
    /// A FIFO, socket, device or directory.
    NotRegular(&'static str),
    /// Bytes seen (at least).
    TooLarge(u64),
    Io(std::io::Error),
}

impl ReadError {
    /// A refusal (as opposed to a file that is missing or unreadable): worth an error entry even
    /// where a missing file would be silently skipped.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, ReadError::Io(_))
    }
}

/// Written to follow the file's name: "`a.tfvars` is a FIFO, not a regular file; it is not read".
impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Outside => f.write_str(
                "resolves outside the scanned tree (through a symbolic link or `..`); it is not read",
            ),
            ReadError::NotRegular(kind) => {
                write!(f, "is {kind}, not a regular file; it is not read")
            }
            ReadError::TooLarge(size) => write!(
                f,
                "is larger than the {} MiB limit for one file ({}); it is not read",
                MAX_FILE_BYTES >> 20,
                human_size(*size)
            ),
            ReadError::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{bytes} bytes")
    }
}

/// What a file is, for a refusal message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Where a read may go.
#[derive(Clone, Copy, Debug)]
pub enum Access<'a> {
    /// A file of the scanned tree: a regular file under these roots.
    Tree(&'a Roots),
    /// A file the user named on the command line: anything that reads, size-limited.
    Chosen,
}

/// Resolve a path of the scanned tree and check it without opening it: the canonical path of a
/// regular file under `roots`.
pub fn resolve(path: &Path, roots: &Roots) -> Result<PathBuf, ReadError> {
    let canonical = path.canonicalize().map_err(ReadError::Io)?;
    if !roots.contains(&canonical) {
        return Err(ReadError::Outside);
    }
    let meta = std::fs::metadata(&canonical).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    Ok(canonical)
}

/// Read a UTF-8 text file under the rules of `access`. With `Access::Tree` the path is resolved
/// and checked first, then opened without blocking and without following a final symbolic link,
/// and the open handle checked again, so a file swapped for a FIFO or a link in between is still
/// refused; whatever the access, at most [`MAX_FILE_BYTES`] are read.
pub fn read(path: &Path, access: Access) -> Result<String, ReadError> {
    let file = match access {
        Access::Tree(roots) => {
            let canonical = resolve(path, roots)?;
            let file = open_untrusted(&canonical).map_err(ReadError::Io)?;
            let meta = file.metadata().map_err(ReadError::Io)?;
            if !meta.is_file() {
                return Err(ReadError::NotRegular(kind_of(&meta)));
            }
            file
        }
        Access::Chosen => std::fs::File::open(path).map_err(ReadError::Io)?,
    };
    let mut bytes = Vec::new();
    // one byte over the limit tells a file at the limit from a bigger one (or an endless stream)
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// Open for reading without waiting for a writer (a FIFO's open blocks until one comes) and
/// without following a symbolic link in the last component (the path is canonical: a link there
/// appeared after the check).
#[cfg(unix)]
fn open_untrusted(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_untrusted(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Whether a directory entry names something to list for a later, checked read: anything but a
/// directory (a dangling link included, so that its read reports it). `metadata` follows links:
/// a link to a directory is a directory.
pub fn is_listable(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => !meta.is_dir(),
        Err(_) => std::fs::symlink_metadata(path).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, Roots) {
        let dir = tempfile::tempdir().unwrap();
        let roots = Roots::new([dir.path().join("in")]);
        std::fs::create_dir(dir.path().join("in")).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        (dir, roots)
    }

    #[test]
    fn a_regular_file_inside_is_read() {
        let (dir, roots) = tree();
        let p = dir.path().join("in/a.tf");
        std::fs::write(&p, "x = 1").unwrap();
        assert_eq!(read(&p, Access::Tree(&roots)).unwrap(), "x = 1");
    }

    #[test]
    fn dot_dot_out_of_the_tree_is_refused() {
        let (dir, roots) = tree();
        std::fs::write(dir.path().join("out/secret"), "s").unwrap();
        let p = dir.path().join("in/../out/secret");
        assert!(matches!(
            read(&p, Access::Tree(&roots)),
            Err(ReadError::Outside)
        ));
        // the user's own choice is read
        assert_eq!(read(&p, Access::Chosen).unwrap(), "s");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let (dir, roots) = tree();
        let p = dir.path().join("in/big.tf");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let err = read(&p, Access::Tree(&roots)).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge(n) if n == MAX_FILE_BYTES + 1));
        assert!(err.to_string().contains("16 MiB limit"), "{err}");
        // a file at the limit is fine
        std::fs::File::create(&p)
            .unwrap()
            .set_len(MAX_FILE_BYTES)
            .unwrap();
        assert!(read(&p, Access::Tree(&roots)).is_ok());
    }

    #[test]
    fn invalid_utf8_is_an_io_error_not_a_refusal() {
        let (dir, roots) = tree();
        let p = dir.path().join("in/a.tf");
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        let err = read(&p, Access::Tree(&roots)).unwrap_err();
        assert!(!err.is_refusal());
        assert!(err.to_string().contains("valid UTF-8"));
    }

    #[test]
    fn nested_roots_collapse_into_the_outer_one() {
        let (dir, _) = tree();
        let roots = Roots::new([dir.path().join("in"), dir.path().to_path_buf()]);
        assert_eq!(roots.dirs(), [dir.path().canonicalize().unwrap()]);
    }

    #[cfg(unix)]
    mod unix {
        use super::*;
        use std::os::unix::fs::symlink;

        #[test]
        fn a_link_out_of_the_tree_is_refused_and_a_link_inside_is_followed() {
            let (dir, roots) = tree();
            std::fs::write(dir.path().join("out/secret"), "s").unwrap();
            std::fs::write(dir.path().join("in/real.tf"), "r").unwrap();
            symlink(dir.path().join("out/secret"), dir.path().join("in/leak")).unwrap();
            symlink(dir.path().join("out"), dir.path().join("in/outdir")).unwrap();
            symlink("real.tf", dir.path().join("in/alias.tf")).unwrap();
            for p in ["in/leak", "in/outdir/secret"] {
                let err = read(&dir.path().join(p), Access::Tree(&roots)).unwrap_err();
                assert!(matches!(err, ReadError::Outside), "{p}: {err}");
            }
            let alias = dir.path().join("in/alias.tf");
            assert_eq!(read(&alias, Access::Tree(&roots)).unwrap(), "r");
        }

        #[test]
        fn a_fifo_is_never_opened() {
            let (dir, roots) = tree();
            let p = dir.path().join("in/a.auto.tfvars");
            let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = read(&p, Access::Tree(&roots)).unwrap_err();
            assert!(matches!(err, ReadError::NotRegular("a FIFO")), "{err}");
            assert!(!is_listable(&dir.path().join("in")));
            assert!(is_listable(&p));
        }

        #[test]
        fn the_open_handle_is_checked_too() {
            // a FIFO that passed no check (as if swapped in after it) neither blocks the open nor
            // is read
            let (dir, _) = tree();
            let p = dir.path().join("in/fifo");
            let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let file = open_untrusted(&p).unwrap();
            assert!(!file.metadata().unwrap().is_file());
            // a link in the last component is not followed
            symlink(dir.path().join("in/fifo"), dir.path().join("in/link")).unwrap();
            assert!(open_untrusted(&dir.path().join("in/link")).is_err());
        }

        #[test]
        fn a_device_is_refused_and_an_endless_chosen_file_stops_at_the_limit() {
            let (dir, roots) = tree();
            let zero = Path::new("/dev/zero");
            if !zero.exists() {
                return;
            }
            let err = read(zero, Access::Tree(&Roots::new([PathBuf::from("/dev")]))).unwrap_err();
            assert!(matches!(err, ReadError::NotRegular("a device")), "{err}");
            symlink(zero, dir.path().join("in/zero.tfvars")).unwrap();
            let err = read(&dir.path().join("in/zero.tfvars"), Access::Tree(&roots)).unwrap_err();
            assert!(matches!(err, ReadError::Outside), "{err}");
            let err = read(zero, Access::Chosen).unwrap_err();
            assert!(matches!(err, ReadError::TooLarge(_)), "{err}");
        }
    }
}
