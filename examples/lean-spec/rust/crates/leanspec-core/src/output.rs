//! Writing a command's output where the reader may be gone. Both binaries answer the same way:
//! a closed pipe (`lean-spec list | head -1`) is not an error, any other write error is.

use std::io::{self, Write};

/// Writes `text` and flushes. A closed pipe counts as written: the reader has all it wanted.
pub fn write_text(out: &mut dyn Write, text: &str) -> io::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output that fails every write with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(self.0, "write failed"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn only_a_closed_pipe_counts_as_written() {
        let mut out = Vec::new();
        write_text(&mut out, "0.3.0\n").unwrap();
        assert_eq!(out, b"0.3.0\n");
        write_text(&mut Failing(io::ErrorKind::BrokenPipe), "0.3.0\n").unwrap();
        let full = write_text(&mut Failing(io::ErrorKind::StorageFull), "0.3.0\n");
        assert_eq!(full.unwrap_err().kind(), io::ErrorKind::StorageFull);
    }
}
