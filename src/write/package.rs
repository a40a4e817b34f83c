//! A zip package (an `.xlsx` file's container) put together in memory:
//! each part stored, or deflated by libdeflate when asked; no zip64, so a
//! package stops at 4 GiB and 65,535 parts (far above a feedback
//! workbook). The zip crate's writer cost a feedback workbook more than its
//! sheets did: a few headers need no more than this.

use std::io::{Error, Result};

/// Every part's time: 1980-01-01 00:00, the earliest a zip can say, so
/// that the same parts give the same bytes.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// Zip 2.0: what deflate needs.
const VERSION: u16 = 20;

const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// The package so far: the parts, each after its local header, and their
/// central directory entries.
pub struct Package {
    out: Vec<u8>,
    central: Vec<u8>,
    parts: u16,
}

impl Package {
    /// An empty package with room for `size` bytes.
    pub fn with_capacity(size: usize) -> Package {
        Package {
            out: Vec::with_capacity(size),
            central: Vec::with_capacity(1024),
            parts: 0,
        }
    }

    /// Adds the part `name` (ASCII), deflated or stored.
    pub fn add(&mut self, name: &str, body: &[u8], deflate: bool) -> Result<()> {
        let crc = libdeflater::crc32(body);
        let packed;
        let (method, data) = match deflate {
            true => {
                packed = deflated(body)?;
                (DEFLATED, &packed[..])
            }
            false => (STORED, body),
        };
        let offset = small(self.out.len())?;
        let sizes = [small(data.len())?, small(body.len())?];
        let name_len = u16::try_from(name.len()).map_err(|_| too_large())?;
        self.parts = self.parts.checked_add(1).ok_or_else(too_large)?;
        // The fields both headers share, from the version needed on.
        let mut common = Vec::with_capacity(26);
        for half in [VERSION, 0, method, DOS_TIME, DOS_DATE] {
            common.extend_from_slice(&half.to_le_bytes());
        }
        for word in [crc, sizes[0], sizes[1]] {
            common.extend_from_slice(&word.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        let local = &mut self.out;
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&common);
        local.extend_from_slice(name.as_bytes());
        local.extend_from_slice(data);
        let central = &mut self.central;
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&VERSION.to_le_bytes()); // made by
        central.extend_from_slice(&common);
        // No comment, disk 0, no attributes, then where the part starts.
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
        Ok(())
    }

    /// The package's bytes: the parts, the central directory and its end.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        let start = small(self.out.len())?;
        let size = small(self.central.len())?;
        self.out.append(&mut self.central);
        small(self.out.len())?;
        let end = &mut self.out;
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]); // disk 0, directory on disk 0
        end.extend_from_slice(&self.parts.to_le_bytes());
        end.extend_from_slice(&self.parts.to_le_bytes());
        end.extend_from_slice(&size.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // no comment
        Ok(self.out)
    }
}

/// `body` as raw deflate data (libdeflate's fastest level that
/// compresses: its level 0 only stores).
fn deflated(body: &[u8]) -> Result<Vec<u8>> {
    let level = libdeflater::CompressionLvl::new(1).map_err(|_| Error::other("level 1"))?;
    let mut compressor = libdeflater::Compressor::new(level);
    let mut out = vec![0; compressor.deflate_compress_bound(body.len())];
    let n = compressor
        .deflate_compress(body, &mut out)
        .map_err(Error::other)?;
    out.truncate(n);
    Ok(out)
}

/// A size or offset as the 32 bits a zip without zip64 holds.
fn small(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| too_large())
}

fn too_large() -> Error {
    Error::other("the package would pass 4 GiB or 65,535 parts (zip without zip64)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn read_back(bytes: Vec<u8>) -> Vec<(String, zip::CompressionMethod, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut part = zip.by_index(i).unwrap();
                let mut body = Vec::new();
                // Reading to the end checks the part's CRC.
                part.read_to_end(&mut body).unwrap();
                (part.name().unwrap().to_string(), part.compression(), body)
            })
            .collect()
    }

    #[test]
    fn stored_and_deflated_parts_read_back_with_the_zip_crate() {
        let big: Vec<u8> = "<row>级别 &amp; 说明</row>".repeat(5_000).into_bytes();
        let mut p = Package::with_capacity(0);
        p.add("[Content_Types].xml", b"<Types/>", false).unwrap();
        p.add("xl/worksheets/sheet1.xml", &big, true).unwrap();
        p.add("empty.xml", b"", false).unwrap();
        let bytes = p.finish().unwrap();
        assert!(bytes.len() < big.len() / 10, "deflated: {}", bytes.len());
        let parts = read_back(bytes);
        use zip::CompressionMethod::{Deflated, Stored};
        assert_eq!(
            parts,
            [
                ("[Content_Types].xml".into(), Stored, b"<Types/>".to_vec()),
                ("xl/worksheets/sheet1.xml".into(), Deflated, big),
                ("empty.xml".into(), Stored, Vec::new()),
            ]
        );
    }

    #[test]
    fn an_empty_package_is_a_valid_zip() {
        let bytes = Package::with_capacity(0).finish().unwrap();
        assert_eq!(bytes.len(), 22);
        assert!(read_back(bytes).is_empty());
    }

    #[test]
    fn a_name_longer_than_a_zip_holds_is_an_error_not_a_bad_file() {
        let mut p = Package::with_capacity(0);
        assert!(p.add(&"a".repeat(70_000), b"x", false).is_err());
    }
}
