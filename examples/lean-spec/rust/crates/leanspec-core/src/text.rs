//! How text from spec folders reaches people and programs. Spec files and folder names are
//! input we do not control: a front-matter value can carry terminal control sequences (set
//! the window title, clear the screen), a newline that forges an output line, or a name that
//! is not UTF-8. One rule for all of it:
//! - Text for people (terminal output, the MCP text content) shows every [`is_control`]
//!   character escaped, as `\u{1b}`: [`one_line`] inside a line (newlines and tabs too, so a
//!   value can never start a line of its own), [`terminal_text`] for multi-line text such as
//!   a spec's body (which keeps its line breaks and tabs).
//! - JSON keeps the data exactly, written with `\u` escapes for the same characters
//!   ([`json_text`]), so the JSON text itself is as safe on a terminal.
//! - Names and paths that are not UTF-8 show each such byte as `\xE9` ([`os_text`]), and
//!   paths use `/` on every platform ([`path_text`]).

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Write;
use std::path::{Path, MAIN_SEPARATOR};

use serde_json::Value;

/// Characters that instruct a display instead of showing something: the C0 controls
/// (ESC starts terminal sequences, CR and BS overwrite what is shown), DEL, the C1 controls
/// (U+009B is CSI on terminals that take 8-bit controls), the Unicode line and paragraph
/// separators (line breaks to some viewers), and the bidirectional embedding, override and
/// isolate controls (which reorder what is shown: "Trojan Source").
pub fn is_control(c: char) -> bool {
    matches!(c,
        '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` as part of one line: every control character, newlines and tabs included,
/// escaped as `\u{1b}`.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_controls(text, Style::OneLine)
}

/// `text` for a terminal: control characters escaped as `\u{1b}`, except line breaks
/// (`\n`, `\r\n`) and tabs.
pub fn terminal_text(text: &str) -> Cow<'_, str> {
    escape_controls(text, Style::Terminal)
}

/// `value` as JSON text (indented when `pretty`). serde_json escapes the C0 controls; this
/// escapes the other [`is_control`] characters too (`\u009b`, `\u2028`), so the text parses to
/// exactly the same data but shows nothing a terminal would act on.
pub fn json_text(value: &Value, pretty: bool) -> String {
    let json = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    // Serializing a `Value` cannot fail: its keys are strings.
    let json = json.unwrap_or_default();
    match escape_controls(&json, Style::Json) {
        Cow::Borrowed(_) => json,
        Cow::Owned(escaped) => escaped,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    OneLine,
    Terminal,
    Json,
}

fn escape_controls(text: &str, style: Style) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut escaped: Option<String> = None;
    let mut copied_up_to = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Every control character starts with one of these bytes: C0 and DEL are themselves,
        // C1 is C2 80..9F in UTF-8, the separators and bidi controls E2 80 A8..AE and
        // E2 81 A6..A9. They are never inside another character, so `at` is a boundary.
        if !matches!(bytes[at], 0x00..=0x1f | 0x7f | 0xc2 | 0xe2) {
            at += 1;
            continue;
        }
        let c = text[at..].chars().next().unwrap_or_default();
        let kept = match style {
            Style::OneLine => false,
            Style::Terminal => {
                c == '\n' || c == '\t' || (c == '\r' && bytes.get(at + 1) == Some(&b'\n'))
            }
            // serde_json escaped the C0 controls inside strings; those outside are its own
            // line breaks. Outside strings JSON text is ASCII, so the others are inside one,
            // where `\uXXXX` means the same character (all of them are in the BMP).
            Style::Json => c < '\x7f',
        };
        if is_control(c) && !kept {
            let out = escaped.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            out.push_str(&text[copied_up_to..at]);
            if style == Style::Json {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            } else {
                out.extend(c.escape_unicode());
            }
            copied_up_to = at + c.len_utf8();
        }
        at += c.len_utf8();
    }
    match escaped {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied_up_to..]);
            Cow::Owned(out)
        }
    }
}

/// A file name as text: each byte that is not UTF-8 is shown as `\xE9`, so that two
/// names differing there stay different and the user can tell which folder is meant.
/// (Windows names are UTF-16; an unpaired surrogate shows as its WTF-8 bytes.)
pub fn os_text(name: &OsStr) -> Cow<'_, str> {
    let bytes = name.as_encoded_bytes();
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
    Cow::Owned(out)
}

/// A path as every output shows it, text and JSON alike: [`os_text`], with `/` between
/// components on every platform. On Windows `Path::join` adds `\` after the `/` a user
/// typed (`specs/001-x\README.md`); one separator keeps `path:LINE:` lines the same on
/// every platform, and Windows accepts `/` wherever it accepts `\`.
pub fn path_text(path: &Path) -> String {
    forward_slashes(os_text(path.as_os_str()), MAIN_SEPARATOR)
}

/// `text` with `separator` (the platform's) replaced by `/`. Elsewhere `\` is an ordinary
/// character of a name and stays.
fn forward_slashes(text: Cow<'_, str>, separator: char) -> String {
    if separator == '/' {
        text.into_owned()
    } else {
        text.replace(separator, "/")
    }
}

/// A path for one line of text: [`path_text`] with control characters escaped.
pub fn path_line(path: &Path) -> String {
    one_line(&path_text(path)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_every_control_character() {
        let text = "a\x1b]0;title\x07b\nc\td\r\x7f\u{9b}2J\u{2028}\u{202e}e\u{1b}";
        assert_eq!(
            one_line(text),
            r"a\u{1b}]0;title\u{7}b\u{a}c\u{9}d\u{d}\u{7f}\u{9b}2J\u{2028}\u{202e}e\u{1b}"
        );
        assert!(matches!(one_line("café ✓ 漢字"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_text_keeps_line_breaks_and_tabs() {
        assert_eq!(
            terminal_text("# T\x1b[2J\r\n\tx\ry\n"),
            "# T\\u{1b}[2J\r\n\tx\\u{d}y\n"
        );
        assert!(matches!(terminal_text("a\r\nb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_text_escapes_controls_but_keeps_the_data() {
        let value = serde_json::json!({"t": "\x1b[2J\u{9b}\u{2028}\u{202e}\x7f é"});
        for pretty in [false, true] {
            let text = json_text(&value, pretty);
            assert!(!text.chars().any(|c| is_control(c) && c != '\n'), "{text}");
            assert!(
                text.contains(r"\u001b[2J\u009b\u2028\u202e\u007f é"),
                "{text}"
            );
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        }
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_show_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let name = OsStr::from_bytes(b"001-caf\xe9-\xff\xfe");
        assert_eq!(os_text(name), r"001-caf\xE9-\xFF\xFE");
        assert_eq!(
            path_text(&Path::new("specs").join(name).join("README.md")),
            r"specs/001-caf\xE9-\xFF\xFE/README.md"
        );
    }

    #[test]
    fn paths_use_forward_slashes_whatever_the_platform() {
        // What Windows' `Path::join` makes of `--specs-dir specs/sub`.
        let windows = Cow::Borrowed(r"specs/sub\001-x\README.md");
        assert_eq!(forward_slashes(windows, '\\'), "specs/sub/001-x/README.md");
        // On Unix a backslash is part of a name, not a separator.
        let unix = Cow::Borrowed(r"specs/a\b/README.md");
        assert_eq!(forward_slashes(unix, '/'), r"specs/a\b/README.md");
        assert_eq!(
            path_text(&Path::new("specs").join("001-x").join("README.md")),
            "specs/001-x/README.md"
        );
    }
}
