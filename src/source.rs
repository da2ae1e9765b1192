//! Source files and byte spans. Every value, statement and finding points back here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Index of a file in [`Sources`].
pub type FileId = u32;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end.max(range.start) as u32,
        }
    }

    /// The smallest span covering both (same file), else `self`.
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(&self, other: &Span) -> bool {
        self.file == other.file && self.start <= other.start && other.end <= self.end
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One file's text with a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as opened on disk.
    pub path: PathBuf,
    /// Path shown to users: relative to the scan base, with `/`.
    pub display: String,
    pub text: Arc<String>,
    line_starts: Vec<u32>,
}

/// A 1-based position. Columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> SourceFile {
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        SourceFile {
            path,
            display,
            text: Arc::new(text),
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: u32) -> Position {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_starts.partition_point(|s| *s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() as u32 + 1;
        Position {
            line: line as u32 + 1,
            column,
        }
    }

    /// Column in UTF-16 code units (SARIF's default), 1-based.
    pub fn utf16_column(&self, offset: u32) -> u32 {
        let pos = self.position(offset);
        let start = self.line_starts[pos.line as usize - 1] as usize;
        let mut end = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        self.text[start..end].encode_utf16().count() as u32 + 1
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line.checked_sub(1)? as usize).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// The registry of every file a scan reads, shared by the parallel stages.
/// Append-only: a [`FileId`] stays valid for the whole scan.
#[derive(Debug, Default)]
pub struct Sources {
    files: RwLock<Vec<Arc<SourceFile>>>,
    /// File ids by path, so `find` is a lookup, not a path comparison per file (an AWS managed
    /// policy is looked up once per root module).
    by_path: RwLock<std::collections::HashMap<PathBuf, FileId>>,
    base: PathBuf,
}

impl Sources {
    /// `base` is the directory that displayed paths are relative to.
    pub fn new(base: PathBuf) -> Sources {
        Sources {
            files: RwLock::default(),
            by_path: RwLock::default(),
            base,
        }
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn add(&self, path: PathBuf, text: String) -> FileId {
        let display = display_path(&self.base, &path);
        let file = Arc::new(SourceFile::new(path.clone(), display, text));
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(file);
        let id = (files.len() - 1) as FileId;
        // the first file registered under a path is the one `find` returns
        self.by_path
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(path)
            .or_insert(id);
        id
    }

    /// The file already registered under this path, if any.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let by_path = self.by_path.read().unwrap_or_else(|e| e.into_inner());
        by_path.get(path).copied()
    }

    pub fn get(&self, id: FileId) -> Arc<SourceFile> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files[id as usize].clone()
    }

    pub fn len(&self) -> usize {
        self.files.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn all(&self) -> Vec<Arc<SourceFile>> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// `path` relative to `base` with `/` separators, or as given when it lies elsewhere.
pub fn display_path(base: &Path, path: &Path) -> String {
    let Ok(rel) = path.strip_prefix(base) else {
        return path.to_string_lossy().replace('\\', "/");
    };
    let s: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if s.is_empty() {
        ".".to_string()
    } else {
        s.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\né x\n".into());
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        // `x` is after a two-byte `é` and a space: byte 6, character column 3
        assert_eq!(f.position(6), Position { line: 2, column: 3 });
        assert_eq!(f.utf16_column(6), 3);
    }

    #[test]
    fn display_paths_are_relative_with_slashes() {
        assert_eq!(
            display_path(Path::new("/r"), Path::new("/r/a/b.tf")),
            "a/b.tf"
        );
        assert_eq!(display_path(Path::new("/r"), Path::new("/x.tf")), "/x.tf");
    }
}
