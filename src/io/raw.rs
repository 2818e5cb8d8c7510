//! Raw binary files (NumPy's `fromfile`/`tofile`): elements only, no header. The
//! caller says what the file holds — a pshell dtype, a shape, a byte offset and an
//! order — and [`RawSpec::check`] makes it the [`Header`] a `.npy` file would have
//! carried, after checking that the file holds exactly that many bytes, so the `.npy`
//! readers (whole arrays and shards alike) read it. Written files are little-endian
//! C order, as `tofile` writes on these machines.

use super::elems::FileType;
use super::error::IoError;
use super::file;
use super::npy::Header;
use crate::nd::DType;
use std::fs::File;

/// What a raw file holds, as the user says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSpec {
    pub dtype: DType,
    pub shape: Vec<usize>,
    /// Bytes before the first element.
    pub offset: u64,
    /// Elements stored column-major (`order: "F"`).
    pub fortran: bool,
}

impl RawSpec {
    /// From a dtype name, a shape and the `offset`/`order` options (defaults 0, "C").
    pub fn parse(path: &str, dtype: &str, shape: &[i64], offset: i64, order: &str) -> Result<RawSpec, IoError> {
        let dtype = DType::parse(dtype).map_err(|e| IoError::invalid(path, e.to_string()))?;
        let mut dims = Vec::with_capacity(shape.len());
        for &n in shape {
            if n < 0 {
                return Err(IoError::invalid(path, format!("the shape {shape:?} has a negative extent")));
            }
            dims.push(n as usize);
        }
        if offset < 0 {
            return Err(IoError::invalid(path, format!("the offset {offset} is negative")));
        }
        let fortran = match order {
            "C" | "c" => false,
            "F" | "f" => true,
            other => return Err(IoError::invalid(path, format!("order \"{other}\": use \"C\" or \"F\""))),
        };
        Ok(RawSpec { dtype, shape: dims, offset: offset as u64, fortran })
    }

    /// Bytes of data the file must hold after the offset.
    pub fn data_bytes(&self) -> u64 {
        self.shape.iter().map(|&n| n as u64).product::<u64>() * self.dtype.size() as u64
    }

    /// Opens the file, checks its size against the spec and describes it as a header.
    pub fn check(&self, path: &str) -> Result<(File, Header), IoError> {
        let f = file::open(path)?;
        let total = file::len(path, &f)?;
        let want = self.data_bytes();
        if total.checked_sub(self.offset) != Some(want) {
            let shape: Vec<String> = self.shape.iter().map(|n| n.to_string()).collect();
            return Err(IoError::invalid(
                path,
                format!(
                    "the shape [{}] of {} expects {want} bytes from offset {}, the file holds {total}",
                    shape.join(", "),
                    self.dtype.name(),
                    self.offset
                ),
            ));
        }
        let h = Header {
            ftype: FileType::of(self.dtype),
            fortran: self.fortran,
            shape: self.shape.clone(),
            data_offset: self.offset,
        };
        Ok((f, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_refuse_clearly() {
        let s = RawSpec::parse("x.bin", "i32", &[3, 4], 16, "F").unwrap();
        assert_eq!((s.dtype, s.shape.as_slice(), s.offset, s.fortran), (DType::I32, &[3usize, 4][..], 16, true));
        assert_eq!(s.data_bytes(), 48);
        let e = RawSpec::parse("x.bin", "f16", &[3], 0, "C").unwrap_err().to_string();
        assert!(e.contains("x.bin: unknown dtype 'f16': use one of \"f64\""), "{e}");
        let e = RawSpec::parse("x.bin", "f64", &[3], 0, "K").unwrap_err().to_string();
        assert!(e.contains("order \"K\": use \"C\" or \"F\""), "{e}");
        assert!(RawSpec::parse("x.bin", "f64", &[-3], 0, "C").is_err());
        assert!(RawSpec::parse("x.bin", "f64", &[3], -1, "C").is_err());
    }
}
