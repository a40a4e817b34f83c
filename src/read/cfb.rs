//! A check of a compound file (the container of `.xls` and `.et`) before
//! calamine reads it: every sector chain it will follow must end inside the
//! file, and no stream may claim more bytes than its chain holds. calamine
//! follows chains without a bound, so one looping chain (PhpSpreadsheet's
//! 1 KB `oleloop.xls`) allocated until the process was killed.

/// Sector numbers at or above this end a chain or mark special sectors.
const MAX_REG_SECT: u32 = 0xFFFF_FFFA;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

/// The compound file's layout, read from its header.
struct Cfb<'a> {
    bytes: &'a [u8],
    sector: usize,
    sectors: u32,
    fat: Vec<u32>,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Why the compound file cannot be read safely, or, when every chain ends
/// and every stream fits its chain, its workbook stream (`Workbook`, or
/// `Book` of BIFF5) when it has one, for the record checks of
/// [`super::biff`].
pub fn check(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let shift = bytes
        .get(0x1E..0x20)
        .map(|b| u16::from_le_bytes([b[0], b[1]]));
    let sector = match shift {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err("the compound-file header gives no valid sector size".to_string()),
    };
    let sectors = u32::try_from(bytes.len().saturating_sub(sector).div_ceil(sector))
        .map_err(|_| "the compound file is too large".to_string())?;
    let mut cfb = Cfb {
        bytes,
        sector,
        sectors,
        fat: Vec::new(),
    };
    cfb.fat = cfb
        .fat_sectors()?
        .iter()
        .try_fold(Vec::new(), |mut fat, &s| {
            fat.extend(cfb.entries(s)?);
            Ok::<_, String>(fat)
        })?;
    let directory = cfb.chain(u32_at(bytes, 0x30).unwrap_or(END_OF_CHAIN))?;
    let mini_fat = cfb.chain(u32_at(bytes, 0x3C).unwrap_or(END_OF_CHAIN))?;
    let cutoff = u64::from(u32_at(bytes, 0x38).unwrap_or(4096));
    let mini_entries = (mini_fat.len() * sector / 4) as u64;
    let (mut root, mut workbook) = (None, None);
    for s in directory {
        let entries = cfb.sector_bytes(s)?;
        for entry in entries.chunks_exact(128) {
            cfb.check_entry(entry, cutoff, mini_entries)?;
            match (entry[0x42], entry_name(entry).as_str()) {
                (5, _) if root.is_none() => root = Some(entry),
                (2, "Workbook" | "Book") if workbook.is_none() => workbook = Some(entry),
                _ => {}
            }
        }
    }
    let Some(entry) = workbook else {
        return Ok(None);
    };
    let size = u32_at(entry, 0x78).unwrap_or(0) as usize;
    let start = u32_at(entry, 0x74).unwrap_or(END_OF_CHAIN);
    let mut stream = match (size as u64) < cutoff {
        false => cfb.stream(&cfb.chain(start)?, sector)?,
        true => {
            let container = match root {
                Some(r) => {
                    cfb.stream(&cfb.chain(u32_at(r, 0x74).unwrap_or(END_OF_CHAIN))?, sector)?
                }
                None => Vec::new(),
            };
            let table: Vec<u32> = mini_fat
                .iter()
                .map(|&s| cfb.entries(s))
                .collect::<Result<Vec<_>, _>>()?
                .concat();
            let limit = (container.len() / 64) as u32;
            let chain = follow(start, &table, limit, "mini sector")?;
            chain
                .iter()
                .flat_map(|&m| &container[m as usize * 64..(m as usize + 1) * 64])
                .copied()
                .collect()
        }
    };
    stream.truncate(size);
    Ok(Some(stream))
}

/// A directory entry's name (UTF-16, its length in bytes at 0x40).
fn entry_name(entry: &[u8]) -> String {
    let len = (u16::from_le_bytes([entry[0x40], entry[0x41]]) as usize).min(64);
    let units: Vec<u16> = entry[..len]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

impl Cfb<'_> {
    /// The bytes of a chain's sectors, in order.
    fn stream(&self, chain: &[u32], sector: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(chain.len() * sector);
        for &s in chain {
            out.extend_from_slice(self.sector_bytes(s)?);
        }
        Ok(out)
    }

    fn sector_bytes(&self, s: u32) -> Result<&[u8], String> {
        let start = (s as usize + 1) * self.sector;
        let end = (start + self.sector).min(self.bytes.len());
        self.bytes
            .get(start..end)
            .ok_or_else(|| format!("sector {s} lies past the end of the file"))
    }

    /// The sector numbers held in sector `s`.
    fn entries(&self, s: u32) -> Result<Vec<u32>, String> {
        let b = self.sector_bytes(s)?;
        Ok((0..b.len() / 4).filter_map(|i| u32_at(b, i * 4)).collect())
    }

    /// The FAT's sectors: the header's 109, then the DIFAT chain's.
    fn fat_sectors(&self) -> Result<Vec<u32>, String> {
        let mut fat: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(self.bytes, 0x4C + i * 4))
            .filter(|s| *s < MAX_REG_SECT)
            .collect();
        let mut next = u32_at(self.bytes, 0x44).unwrap_or(END_OF_CHAIN);
        let mut steps = 0;
        while next < MAX_REG_SECT {
            steps += 1;
            if steps > self.sectors {
                return Err("the compound file's DIFAT chain loops".to_string());
            }
            let mut ids = self.entries(next)?;
            next = ids.pop().unwrap_or(END_OF_CHAIN);
            fat.extend(ids.into_iter().filter(|s| *s < MAX_REG_SECT));
        }
        Ok(fat)
    }

    /// The sectors of the chain starting at `start`, through the FAT.
    fn chain(&self, start: u32) -> Result<Vec<u32>, String> {
        follow(start, &self.fat, self.sectors, "sector")
    }

    /// A directory entry's stream must fit its chain (in the FAT, or in
    /// the mini FAT for small streams).
    fn check_entry(&self, entry: &[u8], cutoff: u64, mini_entries: u64) -> Result<(), String> {
        let kind = entry[0x42];
        let start = u32_at(entry, 0x74).unwrap_or(END_OF_CHAIN);
        let size = u64::from(u32_at(entry, 0x78).unwrap_or(0));
        let held = match kind {
            5 => self.chain(start)?.len() as u64 * self.sector as u64,
            2 if size >= cutoff => self.chain(start)?.len() as u64 * self.sector as u64,
            2 => {
                if start < MAX_REG_SECT && u64::from(start) >= mini_entries {
                    return Err(format!(
                        "a small stream starts at mini sector {start}, past the mini FAT"
                    ));
                }
                return Ok(());
            }
            _ => return Ok(()),
        };
        if kind == 2 && size > held {
            return Err(format!(
                "a stream says it holds {size} bytes but its sectors hold {held}"
            ));
        }
        Ok(())
    }
}

/// Follows a chain through `table`; a chain longer than `limit`, or one
/// that leaves the table, is refused.
fn follow(start: u32, table: &[u32], limit: u32, what: &str) -> Result<Vec<u32>, String> {
    let mut chain = Vec::new();
    let mut s = start;
    while s < MAX_REG_SECT {
        if chain.len() as u32 >= limit {
            return Err(format!("a {what} chain of the compound file loops"));
        }
        chain.push(s);
        s = *table.get(s as usize).filter(|_| s < limit).ok_or_else(|| {
            format!("a {what} chain points past the end of the file ({what} {s})")
        })?;
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FREE_SECT: u32 = 0xFFFF_FFFF;

    /// A compound file of 512-byte sectors: the header, then `sectors`.
    fn cfb(header: &[(usize, u32)], sectors: &[Vec<u32>]) -> Vec<u8> {
        let mut bytes = vec![0u8; 512];
        bytes[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        bytes[0x1E] = 9;
        for i in 0..109 {
            bytes[0x4C + i * 4..0x50 + i * 4].copy_from_slice(&FREE_SECT.to_le_bytes());
        }
        for (at, v) in header {
            bytes[*at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        for s in sectors {
            let mut sector = vec![0xFFu8; 512];
            for (i, v) in s.iter().enumerate() {
                sector[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
            }
            bytes.extend(sector);
        }
        bytes
    }

    const NO_CHAIN: (usize, u32) = (0x44, END_OF_CHAIN);

    #[test]
    fn a_directory_chain_that_loops_is_refused() {
        // As oleloop.xls: the FAT in sector 0 says sector 0 follows itself.
        let bytes = cfb(
            &[(0x4C, 0), (0x30, 0), (0x3C, END_OF_CHAIN), NO_CHAIN],
            &[vec![0]],
        );
        let err = check(&bytes).unwrap_err();
        assert!(err.contains("loops"), "{err}");
    }

    #[test]
    fn a_chain_past_the_end_is_refused() {
        let fat = vec![0xFFFF_FFFD, 7];
        let bytes = cfb(
            &[(0x4C, 0), (0x30, 1), (0x3C, END_OF_CHAIN), NO_CHAIN],
            &[fat, vec![]],
        );
        assert!(check(&bytes).unwrap_err().contains("past the end"));
    }

    #[test]
    fn chains_that_end_pass() {
        // Sector 0 the FAT, sector 1 the directory (one empty entry).
        let fat = vec![0xFFFF_FFFD, END_OF_CHAIN];
        let bytes = cfb(
            &[(0x4C, 0), (0x30, 1), (0x3C, END_OF_CHAIN), NO_CHAIN],
            &[fat, vec![0; 128]],
        );
        assert_eq!(check(&bytes), Ok(None));
    }

    #[test]
    fn a_difat_chain_that_loops_is_refused() {
        let bytes = cfb(&[(0x44, 0), (0x30, END_OF_CHAIN)], &[vec![0; 128]]);
        assert!(check(&bytes).unwrap_err().contains("DIFAT chain loops"));
    }
}
