//! A small pull parser over quick-xml for the document formats read by hand
//! (`.docx`, `.ods`): local element names, attributes by local name, text
//! with entity references resolved.

use super::Limits;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use quick_xml::XmlVersion;

/// One XML event, simplified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An opening tag; `empty` when it closes itself (`<w:br/>`).
    Open {
        name: String,
        attrs: Vec<(String, String)>,
        empty: bool,
    },
    Close(String),
    Text(String),
}

impl Node {
    /// An attribute of an opening tag, by local name.
    pub fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Node::Open { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

fn local(name: &str) -> String {
    match name.rfind(':') {
        Some(i) => name[i + 1..].to_string(),
        None => name.to_string(),
    }
}

fn open(e: &BytesStart<'_>, empty: bool) -> Node {
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            (local(a.key.as_ref()), value)
        })
        .collect();
    Node::Open {
        name: local(e.name().as_ref()),
        attrs,
        empty,
    }
}

/// Parses a whole XML document into nodes. Malformed XML is an error that
/// says where.
pub fn parse(xml: &str) -> Result<Vec<Node>, String> {
    let mut reader = Reader::from_str(xml);
    let mut nodes = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => nodes.push(open(&e, false)),
            Event::Empty(e) => {
                let node = open(&e, true);
                let name = match &node {
                    Node::Open { name, .. } => name.clone(),
                    _ => String::new(),
                };
                nodes.push(node);
                nodes.push(Node::Close(name));
            }
            Event::End(e) => nodes.push(Node::Close(local(e.name().as_ref()))),
            Event::Text(t) => push_text(&mut nodes, &t.xml10_content()),
            Event::CData(t) => push_text(&mut nodes, &t.into_inner()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match r.xml10_content().as_ref() {
                        "amp" => "&".to_string(),
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        other => format!("&{other};"),
                    },
                };
                push_text(&mut nodes, &text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(nodes)
}

fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if let Some(Node::Text(t)) = nodes.last_mut() {
        t.push_str(text);
    } else {
        nodes.push(Node::Text(text.to_string()));
    }
}

/// The first two entries of a ZIP container whose stored data overlap,
/// if any: a package written by an office suite never shares bytes
/// between parts, and overlapping entries are how a small zip bomb
/// inflates one stream many times (entries pointing into each other).
/// Told from the central directory alone: each entry spans at least its
/// local header (30 bytes and its name) and its compressed data.
pub fn overlapping_entries<R: std::io::Read + std::io::Seek>(
    zip: &zip::ZipArchive<R>,
) -> Option<(String, String)> {
    let mut spans: Vec<(u64, u64, usize)> = (0..zip.len())
        .filter_map(|i| {
            let e = zip.by_index_data(i).ok()?;
            let start = e.header_start();
            let end = start
                .saturating_add(30 + e.name_raw().len() as u64)
                .saturating_add(e.compressed_size());
            Some((start, end, i))
        })
        .collect();
    spans.sort_unstable();
    let name = |i: usize| {
        zip.by_index_data(i).map_or_else(
            |_| format!("entry {i}"),
            |e| String::from_utf8_lossy(e.name_raw()).into_owned(),
        )
    };
    spans
        .windows(2)
        .find(|w| w[0].1 > w[1].0)
        .map(|w| (name(w[0].2), name(w[1].2)))
}

/// The refusal of a container whose entries overlap.
pub fn overlap_refused((a, b): (String, String)) -> String {
    format!(
        "the file's ZIP entries {a} and {b} {} (a zip bomb's trick; no office suite writes this); not read",
        super::limits::OVERLAP
    )
}

/// Opens a ZIP container, refusing one whose entries overlap.
pub fn open_zip<R: std::io::Read + std::io::Seek>(reader: R) -> Result<zip::ZipArchive<R>, String> {
    let zip = zip::ZipArchive::new(reader).map_err(|e| {
        format!("the file is damaged: its ZIP container is truncated or corrupt ({e})")
    })?;
    match overlapping_entries(&zip) {
        Some(pair) => Err(overlap_refused(pair)),
        None => Ok(zip),
    }
}

/// Reads one part of a ZIP container as UTF-8 text.
pub fn zip_part(bytes: &[u8], part: &str, limits: &Limits) -> Result<String, String> {
    use std::io::Read;
    let mut archive = open_zip(std::io::Cursor::new(bytes))?;
    let entry = archive
        .by_name(part)
        .map_err(|_| format!("the archive has no {part}"))?;
    limits.inflation_ok(part, entry.size(), entry.compressed_size())?;
    // The stated size may lie: never more than the limit is read.
    let limit = limits.part_bytes();
    let mut text = String::new();
    entry
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{part} cannot be read: {e}"))?;
    if text.len() as u64 > limit {
        return Err(format!(
            "part {part} inflates past {} MiB (limits.part_mib); not read",
            limits.part_mib
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_with_local_names_attributes_and_entities() {
        let nodes = parse(r#"<w:p a:x="1"><w:t>A &amp; B &#x4E2D;</w:t><w:br/></w:p>"#).unwrap();
        assert_eq!(
            nodes,
            vec![
                Node::Open {
                    name: "p".into(),
                    attrs: vec![("x".into(), "1".into())],
                    empty: false
                },
                Node::Open {
                    name: "t".into(),
                    attrs: vec![],
                    empty: false
                },
                Node::Text("A & B 中".into()),
                Node::Close("t".into()),
                Node::Open {
                    name: "br".into(),
                    attrs: vec![],
                    empty: true
                },
                Node::Close("br".into()),
                Node::Close("p".into()),
            ]
        );
        assert!(parse("<a><b></a>").is_err());
    }
}
