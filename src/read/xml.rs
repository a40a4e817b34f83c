//! A small pull parser over quick-xml for the document formats read by hand
//! (`.docx`, `.ods`): local element names, attributes by local name, text
//! with entity references resolved.

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

/// The most a part of a package may inflate to (a sheet of millions of
/// cells is far less): a bomb is refused before memory is spent.
pub const MAX_PART_BYTES: u64 = 256 << 20;

/// A part larger than this must not inflate more than [`MAX_RATIO`] times
/// (as Apache POI's `ZipSecureFile` checks a minimum inflate ratio).
const RATIO_FROM_BYTES: u64 = 8 << 20;

/// The most a large part may inflate, times its compressed size (real
/// sheet XML compresses 10 to 30 times; zeros 1,000 times).
const MAX_RATIO: u64 = 200;

/// Refuses a part that says it inflates past the limits, before it is read.
pub fn inflation_ok(part: &str, size: u64, compressed: u64) -> Result<(), String> {
    if size > MAX_PART_BYTES {
        return Err(format!(
            "part {part} inflates to {} MiB, more than the {} MiB a part may; not read",
            size >> 20,
            MAX_PART_BYTES >> 20
        ));
    }
    if size > RATIO_FROM_BYTES && size / compressed.max(1) > MAX_RATIO {
        return Err(format!(
            "part {part} inflates {} times ({} MiB from {} KiB): a ZIP bomb, not read",
            size / compressed.max(1),
            size >> 20,
            compressed >> 10
        ));
    }
    Ok(())
}

/// Reads one part of a ZIP container as UTF-8 text.
pub fn zip_part(bytes: &[u8], part: &str) -> Result<String, String> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        format!("the file is damaged: its ZIP container is truncated or corrupt ({e})")
    })?;
    let entry = archive
        .by_name(part)
        .map_err(|_| format!("the archive has no {part}"))?;
    inflation_ok(part, entry.size(), entry.compressed_size())?;
    // The stated size may lie: never more than the limit is read.
    let mut text = String::new();
    entry
        .take(MAX_PART_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{part} cannot be read: {e}"))?;
    if text.len() as u64 > MAX_PART_BYTES {
        return Err(format!(
            "part {part} inflates past {} MiB; not read",
            MAX_PART_BYTES >> 20
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
