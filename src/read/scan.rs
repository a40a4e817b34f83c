//! A minimal XML tokenizer over bytes for worksheet parts, the bulk of an
//! `.xlsx` package: a sheet is hundreds of thousands of short, regular tags
//! (`<c r="B4" s="1" t="s"><v>0</v></c>`), and a general parser spends most
//! of its time on what they never hold (namespaces, entity tables,
//! attribute normalisation). This one finds tags with `memchr`, checks that
//! every end tag closes the element it should, resolves the five entities
//! and character references in text, and leaves everything else (comments,
//! processing instructions, a doctype) aside.
//!
//! Text is handed out as bytes: the caller checks UTF-8 only for the text it
//! keeps.

use memchr::{memchr, memmem};

/// One token of a document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// An opening tag: its local name, the raw text of its attributes, and
    /// whether it closes itself (`<c r="A1"/>`).
    Start {
        name: &'a [u8],
        attrs: &'a [u8],
        empty: bool,
    },
    /// A closing tag, by local name.
    End(&'a [u8]),
    /// Character data as written (entities not yet resolved).
    Text(&'a [u8]),
    /// The content of a CDATA section, taken literally.
    CData(&'a [u8]),
}

/// What the worksheet reader takes from a sheet, in document order (see
/// [`Scanner::next_item`]).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SheetItem<'a> {
    /// A cell read whole: its `r` and `t` attributes and its raw value
    /// text (entities not yet resolved); `None` for a cell without one.
    Cell {
        r: Option<&'a [u8]>,
        t: Option<&'a [u8]>,
        value: Option<&'a [u8]>,
    },
    /// A cell's start tag whose content follows as tokens, up to its
    /// `End(b"c")`.
    Open {
        r: Option<&'a [u8]>,
        t: Option<&'a [u8]>,
    },
    /// A row's start tag, with its `r` attribute.
    Row(Option<&'a [u8]>),
    /// Any other token.
    Other(Token<'a>),
}

/// A cell read whole by [`Scanner::plain_cell`].
#[derive(Debug, PartialEq, Eq)]
struct PlainCell<'a> {
    /// Its `r` attribute (`B4`).
    r: Option<&'a [u8]>,
    /// Its `t` attribute (`s`).
    t: Option<&'a [u8]>,
    /// Its value text as written; `None` for a cell without one (`<c …/>`).
    value: Option<&'a [u8]>,
}

/// Reads tokens from a document in order.
pub(super) struct Scanner<'a> {
    xml: &'a [u8],
    at: usize,
    /// The qualified names of the open elements, outermost first.
    open: Vec<&'a [u8]>,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(xml: &'a [u8]) -> Scanner<'a> {
        Scanner {
            xml,
            at: 0,
            open: Vec::with_capacity(8),
        }
    }

    fn error(&self, at: usize, what: impl std::fmt::Display) -> String {
        format!("malformed XML at byte {at}: {what}")
    }

    /// The byte offset after `pattern`, searched from `from`.
    fn past(&self, from: usize, pattern: &[u8], what: &str) -> Result<usize, String> {
        memmem::find(&self.xml[from..], pattern)
            .map(|i| from + i + pattern.len())
            .ok_or_else(|| self.error(from, format!("{what} is not closed")))
    }

    /// The next item of a worksheet: a cell, a row, or another token;
    /// `None` at the end of a well-formed document. Cells and rows written
    /// the common way are read whole, without the general tokenizer; any
    /// other spelling goes token by token and gives the same items.
    pub(super) fn next_item(&mut self) -> Result<Option<SheetItem<'a>>, String> {
        loop {
            if let Some(PlainCell { r, t, value }) = self.plain_cell() {
                return Ok(Some(SheetItem::Cell { r, t, value }));
            }
            if self.row_end() {
                continue;
            }
            if let Some(r) = self.plain_row() {
                return Ok(Some(SheetItem::Row(r)));
            }
            let Some(token) = self.next()? else {
                return Ok(None);
            };
            return Ok(Some(match token {
                Token::Start {
                    name: b"c", attrs, ..
                } => {
                    let (r, t) = cell_attrs(attrs);
                    // A cell whose tag is written some other way may still
                    // hold its value the plain way.
                    match self.plain_value() {
                        Some(v) => SheetItem::Cell {
                            r,
                            t,
                            value: Some(v),
                        },
                        None => SheetItem::Open { r, t },
                    }
                }
                Token::Start {
                    name: b"row",
                    attrs,
                    ..
                } => SheetItem::Row(attr(attrs, b"r")),
                other => SheetItem::Other(other),
            }));
        }
    }

    /// Just after an opening `<c …>` tag: when the cell is written the
    /// plain way, `<v>TEXT</v></c>`, reads its value text (raw, entities
    /// not yet resolved) and the closing `</c>` in one step, as the five
    /// tokens would; `None` (nothing consumed) for any other form, which
    /// the caller reads token by token.
    fn plain_value(&mut self) -> Option<&'a [u8]> {
        if self.open.last() != Some(&&b"c"[..]) {
            return None;
        }
        let (value, len) = plain_body(&self.xml[self.at..])?;
        self.open.pop();
        self.at += len;
        Some(value)
    }

    /// At a cell written the common way, reads it whole: `<c`, attributes
    /// as [`plain_cell_attrs`] reads them, then `/>` (no value) or `>` and
    /// `<v>TEXT</v></c>`. Gives its `r`, its `t` and its raw value text
    /// (entities not yet resolved); `None`, with nothing consumed, for
    /// anything else, which [`Scanner::next`] reads.
    fn plain_cell(&mut self) -> Option<PlainCell<'a>> {
        let tag = self.xml[self.at..].strip_prefix(b"<c")?;
        let ((r, t), rest) = one_letter_attrs(tag)?;
        let (value, len) = match rest {
            [b'/', b'>', ..] => (None, 2),
            [b'>', body @ ..] => {
                let (value, len) = plain_body(body)?;
                (Some(value), 1 + len)
            }
            _ => return None,
        };
        self.at += 2 + (tag.len() - rest.len()) + len;
        Some(PlainCell { r, t, value })
    }

    /// At a row's start tag written the common way — `<row`, attributes
    /// ` name="…"` (one space before each, double quotes; `x14ac:dyDescent`
    /// as Excel writes it), then `>` or
    /// `/>` — reads it and gives its `r` attribute (`Some(None)` when it has
    /// none); the row is then open, as after [`Scanner::next`]. `None`, with
    /// nothing consumed, for anything else.
    fn plain_row(&mut self) -> Option<Option<&'a [u8]>> {
        let xml = self.xml;
        let rest = xml[self.at..].strip_prefix(b"<row")?;
        let mut r = None;
        let mut i = 0;
        loop {
            match &rest[i..] {
                [b' ', tail @ ..] => {
                    let eq = find_byte(b'=', tail)?;
                    let name = &tail[..eq];
                    if name.is_empty()
                        || !name.iter().all(|b| {
                            b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.')
                        })
                    {
                        return None;
                    }
                    let value = tail[eq + 1..].strip_prefix(b"\"")?;
                    let len = find_byte(b'"', value)?;
                    if local(name) == b"r" {
                        r = Some(&value[..len]);
                    }
                    i += 1 + eq + 2 + len + 1;
                }
                [b'/', b'>', ..] => {
                    self.at += 4 + i + 2;
                    return Some(r);
                }
                [b'>', ..] => {
                    let start = self.at;
                    self.open.push(&xml[start + 1..start + 4]);
                    self.at += 4 + i + 1;
                    return Some(r);
                }
                _ => return None,
            }
        }
    }

    /// At `</row>` closing the open row, reads it: true. False, with nothing
    /// consumed, for anything else.
    fn row_end(&mut self) -> bool {
        const END: &[u8] = b"</row>";
        if !self.xml[self.at..].starts_with(END) || self.open.last() != Some(&&b"row"[..]) {
            return false;
        }
        self.open.pop();
        self.at += END.len();
        true
    }

    /// The next token, `None` at the end of a well-formed document.
    #[allow(clippy::should_implement_trait)] // fallible: not an Iterator
    pub(super) fn next(&mut self) -> Result<Option<Token<'a>>, String> {
        let xml = self.xml;
        loop {
            let start = self.at;
            if start >= xml.len() {
                return match self.open.last() {
                    Some(name) => Err(self.error(
                        start,
                        format!("<{}> is not closed", String::from_utf8_lossy(name)),
                    )),
                    None => Ok(None),
                };
            }
            if xml[start] != b'<' {
                let end = find_byte(b'<', &xml[start..]).map_or(xml.len(), |i| start + i);
                self.at = end;
                return Ok(Some(Token::Text(&xml[start..end])));
            }
            let rest = &xml[start + 1..];
            match rest.first() {
                Some(b'?') => self.at = self.past(start + 2, b"?>", "a processing instruction")?,
                Some(b'!') if rest.starts_with(b"!--") => {
                    self.at = self.past(start + 4, b"-->", "a comment")?
                }
                Some(b'!') if rest.starts_with(b"![CDATA[") => {
                    let body = start + 9;
                    self.at = self.past(body, b"]]>", "a CDATA section")?;
                    return Ok(Some(Token::CData(&xml[body..self.at - 3])));
                }
                Some(b'!') => {
                    self.at = memchr(b'>', rest)
                        .map(|i| start + 1 + i + 1)
                        .ok_or_else(|| self.error(start, "a declaration is not closed"))?
                }
                Some(b'/') => return self.end_tag(start).map(Some),
                Some(_) => return self.start_tag(start).map(Some),
                None => return Err(self.error(start, "a lone `<` at the end")),
            }
        }
    }

    /// The end tag at `start`, checked against the open element.
    fn end_tag(&mut self, start: usize) -> Result<Token<'a>, String> {
        let rest = &self.xml[start + 1..];
        let close =
            find_byte(b'>', rest).ok_or_else(|| self.error(start, "an end tag is not closed"))?;
        let name = rest[1..close].trim_ascii_end();
        match self.open.pop() {
            Some(open) if open == name => {}
            Some(open) => {
                return Err(self.error(
                    start,
                    format!(
                        "</{}> where </{}> was expected",
                        String::from_utf8_lossy(name),
                        String::from_utf8_lossy(open)
                    ),
                ))
            }
            None => {
                return Err(self.error(
                    start,
                    format!("</{}> closes nothing", String::from_utf8_lossy(name)),
                ))
            }
        }
        self.at = start + 1 + close + 1;
        Ok(Token::End(local(name)))
    }

    /// The start tag at `start`: its name, attributes and whether it
    /// closes itself.
    fn start_tag(&mut self, start: usize) -> Result<Token<'a>, String> {
        let rest = &self.xml[start + 1..];
        let name_len = rest
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
            .ok_or_else(|| self.error(start, "a tag is not closed"))?;
        let name = &rest[..name_len];
        if name.is_empty() {
            return Err(self.error(start, "a tag without a name"));
        }
        // The end of the tag: the first `>` outside a quoted value. Tags
        // are short: a byte loop beats a search.
        let (mut i, mut quote) = (name_len, 0u8);
        let close = loop {
            let Some(&b) = rest.get(i) else {
                return Err(self.error(start, "a tag is not closed"));
            };
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
            } else if b == b'>' {
                break i;
            } else if b == b'"' || b == b'\'' {
                quote = b;
            }
            i += 1;
        };
        let empty = rest[close - 1] == b'/';
        let attrs_end = if empty { close - 1 } else { close };
        let attrs = &rest[name_len.min(attrs_end)..attrs_end];
        if !empty {
            self.open.push(name);
        }
        self.at = start + 1 + close + 1;
        Ok(Token::Start {
            name: local(name),
            attrs,
            empty,
        })
    }
}

/// How far [`find_byte`] looks byte by byte before it calls `memchr`.
const SHORT: usize = 16;

/// The first `needle` in `hay`. A sheet's texts and end tags are a few
/// bytes (`0</v>`), where a plain loop beats `memchr`'s set-up; longer
/// spans go to `memchr`.
#[inline]
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    let head = &hay[..hay.len().min(SHORT)];
    if let Some(i) = head.iter().position(|b| *b == needle) {
        return Some(i);
    }
    if hay.len() <= SHORT {
        return None;
    }
    memchr(needle, &hay[SHORT..]).map(|i| i + SHORT)
}

/// The local part of a qualified name (`x:c` → `c`).
fn local(name: &[u8]) -> &[u8] {
    // Names are a few bytes: a plain loop (`rposition` on bytes calls
    // `memrchr`, whose set-up costs more than the search).
    let mut i = name.len();
    while i > 0 {
        i -= 1;
        if name[i] == b':' {
            return &name[i + 1..];
        }
    }
    name
}

/// An attribute's raw value by local name (`t` finds `t="s"` and `x:t='s'`;
/// namespace declarations are skipped). Values of the attributes read here
/// (`r`, `t`, `ref`) never hold entities.
pub(super) fn attr<'a>(attrs: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    Attrs(attrs).find(|(name, _)| *name == key).map(|(_, v)| v)
}

/// A cell's `r` and `t` attribute values, if it has them.
pub(super) type CellAttrs<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// The `r` and `t` attributes of a cell's start tag when it is written the
/// common way: each attribute ` x="…"` with a one-letter name, one space
/// before it, double quotes (`r="B2" s="3" t="s"`). `None` when written any
/// other way (a prefix, a longer name, other spacing, single quotes); then
/// [`Attrs`] reads it.
/// A cell's `r` and `t` attributes, however its tag is written.
fn cell_attrs(attrs: &[u8]) -> CellAttrs<'_> {
    plain_cell_attrs(attrs).unwrap_or_else(|| {
        let (mut r, mut t) = (None, None);
        for (name, value) in Attrs(attrs) {
            match name {
                b"r" => r = Some(value),
                b"t" => t = Some(value),
                _ => {}
            }
        }
        (r, t)
    })
}

fn plain_cell_attrs(attrs: &[u8]) -> Option<CellAttrs<'_>> {
    match one_letter_attrs(attrs)? {
        (found, []) => Some(found),
        _ => None,
    }
}

/// The attributes ` x="…"` (one-letter names) at the start of `attrs`, up to
/// the first byte that does not start another: their `r` and `t`, and the
/// bytes after them. `None` when an attribute's value is not closed.
// Inlined into `plain_cell`, which runs once per cell: as a call it cost
// 0.7 % more instructions on the benchmark corpus.
#[inline(always)]
fn one_letter_attrs(mut attrs: &[u8]) -> Option<(CellAttrs<'_>, &[u8])> {
    let (mut r, mut t) = (None, None);
    while let [b' ', name, b'=', b'"', rest @ ..] = attrs {
        let len = find_byte(b'"', rest)?;
        match name {
            b'r' => r = Some(&rest[..len]),
            b't' => t = Some(&rest[..len]),
            _ => {}
        }
        attrs = &rest[len + 1..];
    }
    Some(((r, t), attrs))
}

/// A cell's content written the plain way, `<v>TEXT</v></c>`, at the start
/// of `body`: the raw value text and how many bytes the content takes.
#[inline]
fn plain_body(body: &[u8]) -> Option<(&[u8], usize)> {
    const CLOSE: &[u8] = b"</v></c>";
    let value = body.strip_prefix(b"<v>")?;
    let end = find_byte(b'<', value)?;
    value[end..]
        .starts_with(CLOSE)
        .then(|| (&value[..end], 3 + end + CLOSE.len()))
}

/// The attributes of a start tag in order: (local name, raw value).
/// Namespace declarations are left out; it stops at the first thing that
/// is not `name="value"` or `name='value'`.
pub(super) struct Attrs<'a>(pub(super) &'a [u8]);

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.0.trim_ascii_start();
            let eq = rest.iter().position(|b| *b == b'=')?;
            let name = rest[..eq].trim_ascii_end();
            let after = rest[eq + 1..].trim_ascii_start();
            let quote = *after.first()?;
            if quote != b'"' && quote != b'\'' {
                self.0 = &[];
                return None;
            }
            let len = after[1..].iter().position(|b| *b == quote)?;
            self.0 = &after[1 + len + 1..];
            if !name.starts_with(b"xmlns") {
                return Some((local(name), &after[1..1 + len]));
            }
        }
    }
}

/// Appends character data to `out` with entity and character references
/// resolved and line ends normalised (`\r\n` and a lone `\r` read as `\n`,
/// as XML requires; a `&#13;` reference stays a carriage return).
pub(super) fn push_text(raw: &[u8], out: &mut Vec<u8>) {
    if raw.len() <= SHORT && !raw.iter().any(|b| matches!(b, b'&' | b'\r')) {
        out.extend_from_slice(raw);
        return;
    }
    let mut rest = raw;
    while let Some(i) = memchr::memchr2(b'&', b'\r', rest) {
        out.extend_from_slice(&rest[..i]);
        if rest[i] == b'\r' {
            out.push(b'\n');
            rest = &rest[i + 1..];
            if rest.first() == Some(&b'\n') {
                rest = &rest[1..];
            }
            continue;
        }
        let after = &rest[i + 1..];
        let resolved = memchr(b';', &after[..after.len().min(12)]).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                b"amp" => '&',
                b"lt" => '<',
                b"gt" => '>',
                b"quot" => '"',
                b"apos" => '\'',
                _ => {
                    let code = match name {
                        [b'#', b'x' | b'X', hex @ ..] => {
                            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?
                        }
                        [b'#', dec @ ..] => std::str::from_utf8(dec).ok()?.parse().ok()?,
                        _ => return None,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, end + 1))
        });
        match resolved {
            Some((c, used)) => {
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                rest = &after[used..];
            }
            None => {
                // Not a reference XML knows: kept as written.
                out.push(b'&');
                rest = after;
            }
        }
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(xml: &str) -> Result<Vec<Token<'_>>, String> {
        let mut scan = Scanner::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(t) = scan.next()? {
            out.push(t);
        }
        Ok(out)
    }

    #[test]
    fn tags_text_and_sections() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- note --><x:a k='1>2' j=\"q\"><b/>t&amp;<![CDATA[<raw>]]></x:a>";
        let got = tokens(xml).unwrap();
        assert_eq!(
            got,
            [
                Token::Text(b"\n"),
                Token::Start {
                    name: b"a",
                    attrs: b" k='1>2' j=\"q\"",
                    empty: false
                },
                Token::Start {
                    name: b"b",
                    attrs: b"",
                    empty: true
                },
                Token::Text(b"t&amp;"),
                Token::CData(b"<raw>"),
                Token::End(b"a"),
            ]
        );
    }

    #[test]
    fn mismatched_and_unclosed_elements_are_errors() {
        assert!(tokens("<a><b></a>")
            .unwrap_err()
            .contains("</a> where </b>"));
        assert!(tokens("<a><b>").unwrap_err().contains("<b> is not closed"));
        assert!(tokens("</a>").unwrap_err().contains("closes nothing"));
        assert!(tokens("<a k=\"1></a>").is_err());
        assert!(tokens("<a><!-- x </a>").is_err());
        assert!(tokens("<a>x<").is_err());
    }

    #[test]
    fn attributes_by_local_name() {
        let attrs = br#" xmlns:r="ns" r="B2" s="3" x:t='s' rt = "no""#;
        assert_eq!(attr(attrs, b"r"), Some(&b"B2"[..]));
        assert_eq!(attr(attrs, b"t"), Some(&b"s"[..]));
        assert_eq!(attr(attrs, b"s"), Some(&b"3"[..]));
        assert_eq!(attr(attrs, b"rt"), Some(&b"no"[..]));
        assert_eq!(attr(attrs, b"x"), None);
        assert_eq!(attr(b"", b"r"), None);
    }

    #[test]
    fn text_resolves_references_and_line_ends() {
        let mut out = Vec::new();
        push_text(
            "a &lt;b&gt; &amp; &quot;c&apos; &#x4E2D;&#25991; &bogus; &\r\nz\r".as_bytes(),
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a <b> & \"c' 中文 &bogus; &\nz\n"
        );
        let mut out = Vec::new();
        push_text(b"x&#13;y", &mut out);
        assert_eq!(out, b"x\ry");
    }

    #[test]
    fn plain_cell_attributes_read_as_the_general_reader_does() {
        // The common forms take the fast path...
        let plain: [&[u8]; 5] = [
            b"",
            br#" r="B2""#,
            br#" r="B2" s="3" t="s""#,
            br#" t="inlineStr" r="AA10""#,
            br#" s="1""#,
        ];
        // ...the others fall back to Attrs.
        let other: [&[u8]; 7] = [
            br#" r="C3" cm="1""#,
            br#" x:r="C3""#,
            br#"  r="C3""#,
            br" r='C3'",
            br#" r = "C3""#,
            br#" r="C3" "#,
            br#" r="C3"#,
        ];
        for attrs in plain {
            assert_eq!(
                plain_cell_attrs(attrs),
                Some((attr(attrs, b"r"), attr(attrs, b"t"))),
                "{}",
                String::from_utf8_lossy(attrs)
            );
        }
        for attrs in other {
            assert_eq!(
                plain_cell_attrs(attrs),
                None,
                "{}",
                String::from_utf8_lossy(attrs)
            );
        }
    }

    #[test]
    fn find_byte_agrees_with_memchr_around_the_short_span() {
        for len in 0..40 {
            for at in 0..=len {
                let mut hay = vec![b'x'; len];
                if at < len {
                    hay[at] = b'>';
                }
                assert_eq!(find_byte(b'>', &hay), memchr(b'>', &hay), "{len} {at}");
            }
        }
    }

    proptest::proptest! {
        /// Any bytes, however broken, give tokens or an error, never a panic.
        #[test]
        fn never_panics(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "<", ">", "/", "<c r=\"A1\" t=\"s\">", "</c>", "<v>", "</v>", "'", "\"",
                "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>", "&amp;", "&#x", ";", "=", " ", "x:", "中",
            ]),
            0..40,
        )) {
            let xml = parts.concat();
            let mut scan = Scanner::new(xml.as_bytes());
            let mut out = Vec::new();
            while let Ok(Some(token)) = scan.next() {
                if let Token::Text(raw) = token {
                    push_text(raw, &mut out);
                }
                if let Token::Start { attrs, .. } = token {
                    let _ = attr(attrs, b"r");
                }
            }
        }
    }
}
