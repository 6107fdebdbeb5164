//! The MCP tools: `list`, `view` and `validate`, backed by leanspec-core.

use std::path::{Path, PathBuf};

use leanspec_core::text::{one_line, terminal_text};
use leanspec_core::validate::readme_failure;
use leanspec_core::{find_spec, load_specs, render, validate_specs, Error};
use serde_json::{json, Value};

use crate::jsonrpc::{RpcError, INVALID_PARAMS};

const SPECS_DIR_PROPERTY: &str = "specs_dir";

/// The `tools` array of a `tools/list` result.
pub fn definitions() -> Value {
    let specs_dir = json!({
        "type": "string",
        "description": "Specs folder to read; defaults to the server's (--specs-dir, $LEANSPEC_SPECS_DIR, or ./specs)"
    });
    // All three tools only read files: hints let clients skip confirmation prompts.
    let read_only = json!({"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false});
    json!([
        {
            "name": "list",
            "title": "List specs",
            "description": "List all specs with their number, name, status, priority and tags.",
            "inputSchema": {
                "type": "object",
                "properties": {"specs_dir": specs_dir},
                "additionalProperties": false
            },
            "annotations": read_only
        },
        {
            "name": "view",
            "title": "View a spec",
            "description": "Show one spec's front matter and Markdown body.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "string",
                        "description": "Spec number (173), folder name (173-rust-ci) or part of its name (rust-ci)"
                    },
                    "specs_dir": specs_dir
                },
                "required": ["spec"],
                "additionalProperties": false
            },
            "annotations": read_only
        },
        {
            "name": "validate",
            "title": "Validate specs",
            "description": "Check every spec's folder name and front matter; reports problems as path:line: message.",
            "inputSchema": {
                "type": "object",
                "properties": {"specs_dir": specs_dir},
                "additionalProperties": false
            },
            "annotations": read_only
        }
    ])
}

/// The arguments each tool takes: the `properties` of its input schema, which allows no others.
const ARGUMENTS: [(&str, &[&str]); 3] = [
    ("list", &[SPECS_DIR_PROPERTY]),
    ("view", &["spec", SPECS_DIR_PROPERTY]),
    ("validate", &[SPECS_DIR_PROPERTY]),
];

/// Runs tool `name`. Failures the model can act on (unknown spec, bad or unknown argument,
/// missing folder) come back as `isError` results; only an unknown tool is a protocol error.
pub fn call(name: &str, arguments: &Value, default_specs_dir: &Path) -> Result<Value, RpcError> {
    let Some((_, accepted)) = ARGUMENTS.iter().find(|(tool, _)| *tool == name) else {
        return Err(RpcError::new(
            INVALID_PARAMS,
            format!("Unknown tool: {name}"),
        ));
    };
    let outcome = check_argument_names(name, accepted, arguments).and_then(|()| match name {
        "list" => list(arguments, default_specs_dir),
        "view" => view(arguments, default_specs_dir),
        _ => validate(arguments, default_specs_dir),
    });
    // The text is for people, and MCP clients may print it on a terminal: it is shown like
    // the CLI's output, control characters escaped. The structured content is data: exact.
    Ok(match outcome {
        Ok((text, structured)) => json!({
            "content": [{"type": "text", "text": terminal_text(&text)}],
            "structuredContent": structured,
            "isError": false
        }),
        Err(message) => {
            json!({"content": [{"type": "text", "text": terminal_text(&message)}], "isError": true})
        }
    })
}

/// The schemas say `additionalProperties: false`: a misspelt argument is an error the model
/// can fix, not something to ignore silently.
fn check_argument_names(tool: &str, accepted: &[&str], arguments: &Value) -> Result<(), String> {
    let unknown = arguments
        .as_object()
        .into_iter()
        .flat_map(|arguments| arguments.keys())
        .find(|key| !accepted.contains(&key.as_str()));
    match unknown {
        None => Ok(()),
        Some(key) => Err(format!(
            "unknown argument '{}'; the {tool} tool accepts: {}",
            one_line(key),
            accepted.join(", ")
        )),
    }
}

/// What a tool returns: text for the model, JSON for programs; or a message on failure.
type ToolOutcome = Result<(String, Value), String>;

fn list(arguments: &Value, default_specs_dir: &Path) -> ToolOutcome {
    let specs = load_specs(&specs_dir(arguments, default_specs_dir)?).map_err(describe)?;
    let structured: Vec<Value> = specs
        .iter()
        .filter(|spec| spec.has_readme())
        .map(|spec| spec.to_json(false))
        .collect();
    let mut text = render::spec_table(&specs);
    // Specs without a readable README are not in the table; say which, as the CLI does.
    for problem in specs.iter().filter_map(readme_failure) {
        text.push_str(&format!("warning: {problem}\n"));
    }
    Ok((text, json!({"specs": structured})))
}

fn view(arguments: &Value, default_specs_dir: &Path) -> ToolOutcome {
    let query = string_argument(arguments, "spec")?.ok_or("missing required argument 'spec'")?;
    let specs = load_specs(&specs_dir(arguments, default_specs_dir)?).map_err(describe)?;
    let spec = find_spec(&specs, query).map_err(describe)?;
    Ok((render::spec_details(spec), spec.to_json(true)))
}

fn validate(arguments: &Value, default_specs_dir: &Path) -> ToolOutcome {
    let specs = load_specs(&specs_dir(arguments, default_specs_dir)?).map_err(describe)?;
    let report = validate_specs(&specs);
    Ok((render::validation_report(&report), report.to_json()))
}

fn specs_dir(arguments: &Value, default_specs_dir: &Path) -> Result<PathBuf, String> {
    Ok(string_argument(arguments, SPECS_DIR_PROPERTY)?
        .map_or_else(|| default_specs_dir.to_path_buf(), PathBuf::from))
}

fn string_argument<'a>(arguments: &'a Value, name: &str) -> Result<Option<&'a str>, String> {
    match arguments.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(format!("argument '{name}' must be a string")),
    }
}

fn describe(error: Error) -> String {
    match error {
        Error::SpecNotFound(_) => format!("{error}; call the `list` tool to see all specs"),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_arguments_are_the_schema_properties() {
        let definitions = definitions();
        for (tool, (name, accepted)) in definitions.as_array().unwrap().iter().zip(ARGUMENTS) {
            assert_eq!(tool["name"], name);
            let properties: Vec<&str> = tool["inputSchema"]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let mut accepted = accepted.to_vec();
            accepted.sort_unstable();
            assert_eq!(properties, accepted, "{name}");
            assert_eq!(tool["inputSchema"]["additionalProperties"], false);
        }
    }
}
