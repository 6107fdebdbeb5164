//! Splits a spec's README into YAML front matter and Markdown body, and remembers the file
//! line of every top-level key so that validation can point at the offending line.

use std::fmt;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
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
    InvalidYaml { line: usize, message: String },
    NotAMapping,
}

impl FrontMatterError {
    /// File line the problem is reported at.
    pub fn line(&self) -> usize {
        match self {
            FrontMatterError::Missing | FrontMatterError::Unclosed => OPENING_LINE,
            FrontMatterError::InvalidYaml { line, .. } => *line,
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

fn parse_yaml(yaml: &str) -> Result<FrontMatter, FrontMatterError> {
    let to_file_line = |yaml_line: usize| yaml_line + OPENING_LINE;
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

    // The loader keeps no positions, so a second, event-level pass finds the keys' lines.
    let mut key_lines = TopLevelKeyLines::default();
    // Cannot fail: the loader above has just parsed the same text with the same parser.
    let _ = Parser::new_from_str(yaml).load(&mut key_lines, false);

    let fields = mapping
        .into_iter()
        .filter_map(|(key, value)| {
            let key = scalar_text(&key)?;
            let line = key_lines.line_of(&key).map_or(OPENING_LINE, to_file_line);
            Some(Field { key, line, value })
        })
        .collect();
    Ok(FrontMatter { fields })
}

/// Records the YAML line of each key of the top-level mapping.
#[derive(Default)]
struct TopLevelKeyLines {
    open: Vec<Collection>,
    keys: Vec<(String, usize)>,
}

enum Collection {
    Sequence,
    Mapping { next_is_key: bool },
}

impl TopLevelKeyLines {
    fn line_of(&self, key: &str) -> Option<usize> {
        self.keys
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, line)| *line)
    }
}

impl MarkedEventReceiver for TopLevelKeyLines {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let starts_node = matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        );
        if starts_node {
            let depth = self.open.len();
            // Inside a mapping, nodes alternate key, value, key, value...
            if let Some(Collection::Mapping { next_is_key }) = self.open.last_mut() {
                let is_key = *next_is_key;
                *next_is_key = !is_key;
                if let (true, 1, Event::Scalar(name, ..)) = (is_key, depth, &event) {
                    self.keys.push((name.clone(), mark.line()));
                }
            }
        }
        match event {
            Event::SequenceStart(..) => self.open.push(Collection::Sequence),
            Event::MappingStart(..) => self.open.push(Collection::Mapping { next_is_key: true }),
            Event::SequenceEnd | Event::MappingEnd => {
                self.open.pop();
            }
            _ => {}
        }
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
