//! Receiving an uploaded file without holding it whole in memory.
//!
//! Owns the [`Spool`]: the bytes of an upload as they arrive, kept in memory while the file is
//! small and moved to a temporary file (under the data directory's `uploads/`) once it passes
//! [`MEMORY_LIMIT`]. The size limit is enforced as bytes arrive. The temporary file is removed
//! when the spool is dropped; files a crash left behind are removed when the platform opens.

use crate::ingest::Source;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Uploads up to this size stay in memory.
pub const MEMORY_LIMIT: usize = 4 * 1024 * 1024;

/// Why a spool refused bytes.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("cannot keep the upload: {0}")]
    Io(#[from] io::Error),
}

/// An upload being received.
pub struct Spool {
    dir: Option<PathBuf>,
    limit: u64,
    len: u64,
    memory: Vec<u8>,
    file: Option<io::BufWriter<tempfile::NamedTempFile>>,
}

impl Spool {
    /// A spool that refuses more than `limit` bytes and keeps large files in `dir` (the system's
    /// temporary directory when `None`).
    pub fn new(dir: Option<&Path>, limit: u64) -> Self {
        Self {
            dir: dir.map(Path::to_path_buf),
            limit,
            len: 0,
            memory: Vec::new(),
            file: None,
        }
    }

    /// Adds the next bytes of the file.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        let len = self.len + chunk.len() as u64;
        if len > self.limit {
            return Err(SpoolError::TooLarge(self.limit));
        }
        self.len = len;
        if let Some(file) = &mut self.file {
            file.write_all(chunk)?;
            return Ok(());
        }
        if self.memory.len() + chunk.len() <= MEMORY_LIMIT {
            self.memory.extend_from_slice(chunk);
            return Ok(());
        }
        let temp = match &self.dir {
            Some(dir) => tempfile::Builder::new().prefix("upload-").tempfile_in(dir)?,
            None => tempfile::Builder::new().prefix("datahamn-upload-").tempfile()?,
        };
        let mut file = io::BufWriter::with_capacity(1024 * 1024, temp);
        file.write_all(&std::mem::take(&mut self.memory))?;
        file.write_all(chunk)?;
        self.file = Some(file);
        Ok(())
    }

    /// How many bytes were received.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the upload went to a file on disk.
    pub fn on_disk(&self) -> bool {
        self.file.is_some()
    }

    /// The whole file, once every byte is in: writes out what is buffered.
    pub fn finish(self) -> Result<Received, SpoolError> {
        Ok(match self.file {
            Some(file) => Received::File(file.into_inner().map_err(io::IntoInnerError::into_error)?),
            None => Received::Memory(self.memory),
        })
    }
}

/// A whole uploaded file, in memory or in a temporary file (removed when this is dropped).
pub enum Received {
    Memory(Vec<u8>),
    File(tempfile::NamedTempFile),
}

impl Received {
    /// The file, to read (as often as needed).
    pub fn source(&self) -> Source<'_> {
        match self {
            Received::Memory(bytes) => Source::Bytes(bytes),
            Received::File(file) => Source::File(file.path()),
        }
    }
}

/// Makes the directory uploads are spooled to, removing what an earlier run left there.
pub fn prepare_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with("upload-") {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_stay_in_memory_large_ones_go_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut small = Spool::new(Some(dir.path()), 10 * MEMORY_LIMIT as u64);
        small.write(b"a,b\n1,2\n").unwrap();
        assert!(!small.on_disk());
        let small = small.finish().unwrap();
        assert_eq!(
            small.source().sha256().unwrap(),
            Source::Bytes(b"a,b\n1,2\n").sha256().unwrap()
        );

        let mut large = Spool::new(Some(dir.path()), 10 * MEMORY_LIMIT as u64);
        let chunk = vec![b'x'; 64 * 1024];
        let mut whole = Vec::new();
        while large.len() <= MEMORY_LIMIT as u64 {
            large.write(&chunk).unwrap();
            whole.extend_from_slice(&chunk);
        }
        assert!(large.on_disk());
        let large = large.finish().unwrap();
        assert_eq!(large.source().len().unwrap(), whole.len() as u64);
        assert_eq!(
            large.source().sha256().unwrap(),
            Source::Bytes(&whole).sha256().unwrap()
        );
        let path = match &large {
            Received::File(f) => f.path().to_path_buf(),
            Received::Memory(_) => unreachable!(),
        };
        assert!(path.starts_with(dir.path()));
        drop(large);
        assert!(!path.exists(), "the temporary file is removed with the upload");
    }

    #[test]
    fn refuses_bytes_past_the_limit() {
        let mut spool = Spool::new(None, 10);
        spool.write(b"0123456789").unwrap();
        assert!(matches!(spool.write(b"x"), Err(SpoolError::TooLarge(10))));
    }

    #[test]
    fn prepare_dir_removes_leftovers_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("upload-abc"), b"x").unwrap();
        std::fs::write(dir.path().join("keep.txt"), b"x").unwrap();
        prepare_dir(dir.path()).unwrap();
        assert!(!dir.path().join("upload-abc").exists());
        assert!(dir.path().join("keep.txt").exists());
    }
}
