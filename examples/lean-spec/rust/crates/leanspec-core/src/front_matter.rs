//! Splits a spec's README into YAML front matter and Markdown body, and remembers the file
//! line of every top-level key so that validation can point at the offending line.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::{Yaml, YamlLoader};

/// File line of the opening `---`: front matter must start the file.
pub const OPENING_LINE: usize = 1;
/// File line of the first YAML line, right below the opening `---`.
const FIRST_YAML_LINE: usize = OPENING_LINE + 1;

/// The top-level fields of a spec's front matter, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMatter {
    fields: Vec<Field>,
}

/// One top-level `key: value` pair and the file line its key is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: String,
    pub line: usize,
    pub value: Yaml,
}

/// Why a README has no usable front matter.
#[derive(Debug, Clone, PartialEq)]
pub enum FrontMatterError {
    Missing,
    Unclosed,
    InvalidYaml {
        line: usize,
        message: String,
    },
    NotAMapping,
    /// `*name`: refused because expanding aliases can take exponential memory.
    Alias {
        line: usize,
        name: String,
    },
    DuplicateKey {
        line: usize,
        key: String,
        first_line: usize,
    },
    /// Lists and mappings nested deeper than [`MAX_DEPTH`].
    TooDeep {
        line: usize,
    },
    /// More than [`MAX_FRONT_MATTER_BYTES`] of YAML.
    TooLarge {
        bytes: usize,
    },
}

impl FrontMatterError {
    /// File line the problem is reported at.
    pub fn line(&self) -> usize {
        match self {
            FrontMatterError::Missing
            | FrontMatterError::Unclosed
            | FrontMatterError::TooLarge { .. } => OPENING_LINE,
            FrontMatterError::InvalidYaml { line, .. }
            | FrontMatterError::Alias { line, .. }
            | FrontMatterError::DuplicateKey { line, .. }
            | FrontMatterError::TooDeep { line } => *line,
            FrontMatterError::NotAMapping => FIRST_YAML_LINE,
        }
    }
}

impl fmt::Display for FrontMatterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrontMatterError::Missing => {
                f.write_str("missing front matter (the file must start with a '---' line)")
            }
            FrontMatterError::Unclosed => {
                f.write_str("front matter is not closed (no '---' line after the opening one)")
            }
            FrontMatterError::InvalidYaml { message, .. } => {
                write!(f, "invalid YAML in front matter: {message}")
            }
            FrontMatterError::NotAMapping => {
                f.write_str("front matter must be a YAML mapping of keys to values")
            }
            FrontMatterError::Alias { name, .. } => {
                write!(f, "aliases (*{name}) are not supported in front matter")
            }
            FrontMatterError::DuplicateKey {
                key, first_line, ..
            } => write!(f, "duplicate key \"{key}\" (first on line {first_line})"),
            FrontMatterError::TooDeep { .. } => write!(
                f,
                "front matter nests lists and mappings deeper than {MAX_DEPTH} levels"
            ),
            FrontMatterError::TooLarge { bytes } => write!(
                f,
                "front matter is {bytes} bytes, over the limit of {} KiB; move long text into the body",
                MAX_FRONT_MATTER_BYTES >> 10
            ),
        }
    }
}

impl FrontMatter {
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.key == key)
    }

    /// The value of `key` if it is a string (dates and names included), else `None`.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|field| field.value.as_str())
    }

    /// The string items of `key` if it is a list; anything else gives an empty list.
    pub fn list(&self, key: &str) -> Vec<&str> {
        match self.get(key).map(|field| &field.value) {
            Some(Yaml::Array(items)) => items.iter().filter_map(Yaml::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        let fields = self
            .fields
            .iter()
            .map(|field| (field.key.clone(), yaml_to_json(&field.value)));
        Value::Object(fields.collect())
    }
}

/// Splits `text` into front matter and body. The body is what follows the closing `---`,
/// or the whole text when there is no usable front matter block.
pub fn parse(text: &str) -> (Result<FrontMatter, FrontMatterError>, &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match split(text) {
        Ok((yaml, body)) => (parse_yaml(yaml), body),
        Err(error) => (Err(error), text),
    }
}

/// Finds the `---` ... `---` block at the top of `text`: returns the YAML between and the rest.
fn split(text: &str) -> Result<(&str, &str), FrontMatterError> {
    let mut lines = text.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {}
        _ => return Err(FrontMatterError::Missing),
    }
    let yaml_start = text.len() - lines.clone().map(str::len).sum::<usize>();
    let mut offset = yaml_start;
    for line in lines {
        // YAML allows `...` to end a document; some editors write it.
        if matches!(line.trim_end(), "---" | "...") {
            return Ok((&text[yaml_start..offset], &text[offset + line.len()..]));
        }
        offset += line.len();
    }
    Err(FrontMatterError::Unclosed)
}

/// Deepest nesting of lists and mappings accepted. Front matter needs two or three levels;
/// the limit keeps the loader's recursion far from the stack's end.
pub const MAX_DEPTH: usize = 64;

/// Largest front matter parsed. It holds a handful of short fields; YAML costs far more
/// than its size to load (14 MB of keys took 5 s and 400 MB), so the limit bounds that.
pub const MAX_FRONT_MATTER_BYTES: usize = 64 << 10;

fn parse_yaml(yaml: &str) -> Result<FrontMatter, FrontMatterError> {
    if yaml.len() > MAX_FRONT_MATTER_BYTES {
        return Err(FrontMatterError::TooLarge { bytes: yaml.len() });
    }
    // First an event-level pass, which keeps positions and builds nothing: it finds the lines
    // of the top-level keys and refuses what the loader would turn into a crash (aliases,
    // whose expansion grows exponentially; nesting deep enough to overflow the stack) or
    // into an unreadable message (duplicate keys).
    let scan = scan_events(yaml)?;
    let documents =
        YamlLoader::load_from_str(yaml).map_err(|error| FrontMatterError::InvalidYaml {
            line: to_file_line(error.marker().line()),
            message: error.info().to_string(),
        })?;
    let mapping = match documents.into_iter().next() {
        // An empty block is an empty mapping: validation then reports the missing fields.
        None | Some(Yaml::Null) | Some(Yaml::BadValue) => {
            return Ok(FrontMatter { fields: Vec::new() })
        }
        Some(Yaml::Hash(mapping)) => mapping,
        Some(_) => return Err(FrontMatterError::NotAMapping),
    };
    let fields = mapping
        .into_iter()
        .filter_map(|(key, value)| {
            let key = scalar_text(&key)?;
            let line = scan.line_of(&key).map_or(OPENING_LINE, to_file_line);
            Some(Field { key, line, value })
        })
        .collect();
    Ok(FrontMatter { fields })
}

/// File line of a line of the YAML block (both count from 1).
fn to_file_line(yaml_line: usize) -> usize {
    yaml_line + OPENING_LINE
}

/// Walks the parser's events one by one (`Parser::load` recurses once per nesting level, so
/// it is not used here), stopping at the first alias, duplicate key or excessive nesting.
fn scan_events(yaml: &str) -> Result<KeyLines, FrontMatterError> {
    let mut parser = Parser::new_from_str(yaml);
    let mut scan = KeyLines::default();
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|error| FrontMatterError::InvalidYaml {
                line: to_file_line(error.marker().line()),
                message: error.info().to_string(),
            })?;
        if event == Event::StreamEnd {
            return Ok(scan);
        }
        scan.on_event(yaml, event, mark)?;
    }
}

/// The lines of the top-level keys, collected while checking each event.
#[derive(Default)]
struct KeyLines {
    open: Vec<Collection>,
    keys: BTreeMap<String, usize>,
}

enum Collection {
    Sequence,
    Mapping {
        next_is_key: bool,
        /// Scalar keys seen so far, resolved as the loader resolves them, with their lines.
        keys: BTreeMap<Yaml, usize>,
    },
}

impl KeyLines {
    fn line_of(&self, key: &str) -> Option<usize> {
        self.keys.get(key).copied()
    }

    fn on_event(&mut self, yaml: &str, event: Event, mark: Marker) -> Result<(), FrontMatterError> {
        let line = mark.line();
        if let Event::Alias(_) = event {
            return Err(FrontMatterError::Alias {
                line: to_file_line(line),
                name: alias_name(yaml, mark),
            });
        }
        let starts_node = matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        );
        if starts_node {
            let depth = self.open.len();
            // Inside a mapping, nodes alternate key, value, key, value...
            if let Some(Collection::Mapping { next_is_key, keys }) = self.open.last_mut() {
                let is_key = *next_is_key;
                *next_is_key = !is_key;
                if let (true, Event::Scalar(text, style, _, tag)) = (is_key, &event) {
                    if let Some(resolved) = resolve_key(text, *style, tag.is_some()) {
                        if let Some(first) = keys.get(&resolved) {
                            return Err(FrontMatterError::DuplicateKey {
                                line: to_file_line(line),
                                key: text.clone(),
                                first_line: to_file_line(*first),
                            });
                        }
                        keys.insert(resolved, line);
                    }
                    if depth == 1 {
                        self.keys.entry(text.clone()).or_insert(line);
                    }
                }
            }
        }
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) if self.open.len() == MAX_DEPTH => {
                return Err(FrontMatterError::TooDeep {
                    line: to_file_line(line),
                })
            }
            Event::SequenceStart(..) => self.open.push(Collection::Sequence),
            Event::MappingStart(..) => self.open.push(Collection::Mapping {
                next_is_key: true,
                keys: BTreeMap::new(),
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                self.open.pop();
            }
            _ => {}
        }
        Ok(())
    }
}

/// A scalar key as the loader sees it, so that `1` and `01` clash but `1` and `'1'` do not.
/// `None` for tagged keys, which the loader resolves by tag; it still reports their clashes.
fn resolve_key(text: &str, style: TScalarStyle, tagged: bool) -> Option<Yaml> {
    match (style, tagged) {
        (TScalarStyle::Plain, false) => Some(Yaml::from_str(text)),
        (TScalarStyle::Plain, true) => None,
        _ => Some(Yaml::String(text.to_string())),
    }
}

/// The name of the alias at `mark` (`a` for `*a`), read from the source text.
fn alias_name(yaml: &str, mark: Marker) -> String {
    // The marker counts characters, not bytes.
    let mut rest = yaml.chars().skip(mark.index());
    let name: String = if rest.next() == Some('*') {
        rest.take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect()
    } else {
        String::new()
    };
    if name.is_empty() {
        "name".to_string()
    } else {
        name
    }
}

/// Text of a scalar as written, for keys and for messages; `None` for collections and null.
pub fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(number) => Some(number.to_string()),
        Yaml::Boolean(flag) => Some(flag.to_string()),
        _ => None,
    }
}

pub fn yaml_to_json(value: &Yaml) -> Value {
    match value {
        Yaml::String(text) => Value::String(text.clone()),
        Yaml::Integer(number) => Value::from(*number),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(text.clone()), Value::Number),
        Yaml::Boolean(flag) => Value::Bool(*flag),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(mapping) => {
            let entries = mapping
                .iter()
                .filter_map(|(key, value)| Some((scalar_text(key)?, yaml_to_json(value))));
            Value::Object(entries.collect::<Map<_, _>>())
        }
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front_matter(text: &str) -> FrontMatter {
        parse(text).0.expect("front matter should parse")
    }

    #[test]
    fn splits_front_matter_from_body() {
        let (front_matter, body) = parse("---\nstatus: planned\n---\n# Title\n\nText\n");
        assert_eq!(front_matter.unwrap().text("status"), Some("planned"));
        assert_eq!(body, "# Title\n\nText\n");
    }

    #[test]
    fn keys_carry_their_file_lines() {
        let text = "---\nstatus: planned\ntags:\n  - cli\n  - mcp\npriority: high\n---\nbody\n";
        let fm = front_matter(text);
        let lines: Vec<(&str, usize)> = fm
            .fields()
            .iter()
            .map(|field| (field.key.as_str(), field.line))
            .collect();
        assert_eq!(lines, [("status", 2), ("tags", 3), ("priority", 6)]);
    }

    #[test]
    fn nested_keys_do_not_shadow_top_level_ones() {
        let text = "---\nmeta:\n  status: nested\nstatus: planned\n---\n";
        assert_eq!(front_matter(text).get("status").unwrap().line, 4);
    }

    #[test]
    fn dates_and_quoted_dates_are_both_text() {
        let fm = front_matter("---\ncreated: 2025-12-18\nupdated: '2025-12-19'\n---\n");
        assert_eq!(fm.text("created"), Some("2025-12-18"));
        assert_eq!(fm.text("updated"), Some("2025-12-19"));
    }

    #[test]
    fn lists_in_block_and_flow_style() {
        let fm = front_matter("---\ntags: [a, b]\ndepends_on:\n  - 001-x\n---\n");
        assert_eq!(fm.list("tags"), ["a", "b"]);
        assert_eq!(fm.list("depends_on"), ["001-x"]);
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let (front_matter, body) = parse("---\r\nstatus: complete\r\n---\r\n# T\r\n");
        assert_eq!(front_matter.unwrap().text("status"), Some("complete"));
        assert_eq!(body, "# T\r\n");
    }

    #[test]
    fn missing_front_matter() {
        let (front_matter, body) = parse("# Title\n");
        assert_eq!(front_matter, Err(FrontMatterError::Missing));
        assert_eq!(body, "# Title\n");
    }

    #[test]
    fn unclosed_front_matter() {
        assert_eq!(
            parse("---\nstatus: planned\n# Title\n").0,
            Err(FrontMatterError::Unclosed)
        );
    }

    #[test]
    fn invalid_yaml_reports_the_file_line() {
        let (front_matter, _) = parse("---\nstatus: planned\ntags: [a, b\npriority: high\n---\n");
        let error = front_matter.unwrap_err();
        assert!(
            matches!(error, FrontMatterError::InvalidYaml { .. }),
            "{error:?}"
        );
        // The flow list opened on line 3 is still open when line 4 starts a new key.
        assert!((3..=4).contains(&error.line()), "line {}", error.line());
    }

    #[test]
    fn aliases_are_refused_with_their_name_and_line() {
        let (front_matter, _) = parse("---\nstatus: &s planned\ncopy: [ *s ]\n---\n");
        assert_eq!(
            front_matter,
            Err(FrontMatterError::Alias {
                line: 3,
                name: "s".into()
            })
        );
        assert_eq!(
            front_matter.unwrap_err().to_string(),
            "aliases (*s) are not supported in front matter"
        );
    }

    #[test]
    fn an_alias_bomb_is_refused_without_expanding_it() {
        // 10^7 strings once expanded: the loader alone would allocate until out of memory.
        let mut yaml = String::from("---\nstatus: planned\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (name, previous) in ["b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f"])
        {
            let items = vec![format!("*{previous}"); 10].join(",");
            yaml.push_str(&format!("{name}: &{name} [{items}]\n"));
        }
        yaml.push_str("---\n");
        assert!(yaml.len() < 500, "{}", yaml.len());
        let error = parse(&yaml).0.unwrap_err();
        assert_eq!(error.line(), 4);
        assert_eq!(
            error.to_string(),
            "aliases (*a) are not supported in front matter"
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_the_loader_recurses() {
        // 100,000 nested lists in 200 KB overflowed the stack of both binaries; 30,000 fit
        // within the size limit.
        let yaml = format!(
            "---\nstatus: planned\nx:\n  {}y\n---\n",
            "- ".repeat(30_000)
        );
        assert_eq!(parse(&yaml).0, Err(FrontMatterError::TooDeep { line: 4 }));
        let nested = format!("---\nx:\n  {}y\n---\n", "- ".repeat(MAX_DEPTH - 1));
        assert!(parse(&nested).0.is_ok());
    }

    #[test]
    fn duplicate_keys_are_found_at_any_level_as_the_loader_resolves_them() {
        let error = |text: &str| parse(text).0.unwrap_err().to_string();
        assert_eq!(
            error("---\nstatus: planned\nstatus: complete\n---\n"),
            "duplicate key \"status\" (first on line 2)"
        );
        assert_eq!(
            error("---\nmeta:\n  a: 1\n  'a': 2\n---\n"),
            "duplicate key \"a\" (first on line 3)"
        );
        assert_eq!(
            error("---\nx: {1: a, 01: b}\n---\n"),
            "duplicate key \"01\" (first on line 2)"
        );
        // A number and a quoted string are different keys, as are keys of different mappings.
        assert!(parse("---\nx: {1: a, '1': b}\ny: {1: a}\n---\n").0.is_ok());
    }

    #[test]
    fn front_matter_beyond_the_limit_is_refused_before_parsing() {
        let keys: String = (0..10_000).map(|i| format!("k{i}: v\n")).collect();
        let text = format!("---\nstatus: planned\n{keys}---\n# Body\n");
        let (front_matter, body) = parse(&text);
        let error = front_matter.unwrap_err();
        assert_eq!(error.line(), 1);
        assert_eq!(
            error.to_string(),
            "front matter is 88906 bytes, over the limit of 64 KiB; move long text into the body"
        );
        assert_eq!(body, "# Body\n");
        let at_limit = format!("---\nk: {}\n---\n", "x".repeat(MAX_FRONT_MATTER_BYTES - 4));
        assert!(parse(&at_limit).0.is_ok());
    }

    #[test]
    fn scalar_front_matter_is_not_a_mapping() {
        assert_eq!(
            parse("---\njust text\n---\n").0,
            Err(FrontMatterError::NotAMapping)
        );
    }

    #[test]
    fn empty_front_matter_has_no_fields() {
        assert!(front_matter("---\n---\nbody").fields().is_empty());
    }

    #[test]
    fn converts_to_json() {
        let fm = front_matter("---\nstatus: planned\ntags: [a]\ncount: 3\nok: true\n---\n");
        assert_eq!(
            fm.to_json(),
            serde_json::json!({"status": "planned", "tags": ["a"], "count": 3, "ok": true})
        );
    }
}
