//! A small XML writer for GeoReport v2's XML format: nested elements with escaped text,
//! indented two spaces, no attributes or namespaces (the spec uses none).

use std::fmt::Write;

/// An XML document being written. Element names are the spec's constants; text is escaped.
pub struct XmlWriter {
    out: String,
    depth: usize,
}

/// Writes a document whose root element is `root`, its content written by `content`.
pub fn document(root: &str, content: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = XmlWriter {
        out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"),
        depth: 0,
    };
    w.element(root, content);
    w.out
}

impl XmlWriter {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// `<name>…</name>` with the content written by `content`.
    pub fn element(&mut self, name: &str, content: impl FnOnce(&mut XmlWriter)) {
        debug_assert!(is_name(name), "{name:?} is not an XML name");
        self.indent();
        let _ = writeln!(self.out, "<{name}>");
        self.depth += 1;
        let before = self.out.len();
        content(self);
        self.depth -= 1;
        if self.out.len() == before {
            // no content: `<name/>` rather than an open and a close tag on two lines
            self.out.truncate(before - name.len() - 3);
            let _ = writeln!(self.out, "<{name}/>");
        } else {
            self.indent();
            let _ = writeln!(self.out, "</{name}>");
        }
    }

    /// `<name>text</name>`, the text escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        debug_assert!(is_name(name), "{name:?} is not an XML name");
        self.indent();
        let _ = write!(self.out, "<{name}>");
        escape_into(&mut self.out, text);
        let _ = writeln!(self.out, "</{name}>");
    }

    /// `<name>text</name>`, or the empty `<name/>` for `None` (the spec's empty value).
    pub fn optional(&mut self, name: &str, text: Option<&str>) {
        match text {
            Some(t) => self.text(name, t),
            None => {
                self.indent();
                let _ = writeln!(self.out, "<{name}/>");
            }
        }
    }
}

/// Appends `text` escaped for XML character data: `&`, `<`, `>`, `"` and `'` as entities,
/// a carriage return as `&#13;` (so parsers keep it), and characters XML 1.0 cannot carry
/// (other control characters, U+FFFE, U+FFFF) as U+FFFD.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Whether `name` is a plain XML element name (letters, digits, `_`, `-`, `.`; not
/// starting with a digit, `-` or `.`).
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        let mut out = String::new();
        escape_into(&mut out, "a<b>&\"c\"'d'\r\n\te\u{0}\u{1b}\u{FFFF}é");
        assert_eq!(
            out,
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#13;\n\te\u{FFFD}\u{FFFD}\u{FFFD}é"
        );
    }

    #[test]
    fn nests_indents_and_closes_empty_elements() {
        let xml = document("errors", |w| {
            w.element("error", |w| {
                w.text("code", "400");
                w.optional("description", None);
            });
            w.element("empty", |_| {});
        });
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors>\n  <error>\n    <code>400</code>\n    <description/>\n  </error>\n  <empty/>\n</errors>\n"
        );
    }
}
