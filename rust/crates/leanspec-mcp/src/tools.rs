//! The MCP tools: `list`, `view` and `validate`, backed by leanspec-core.

use std::path::{Path, PathBuf};

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

/// Runs tool `name`. Failures the model can act on (unknown spec, bad argument, missing
/// folder) come back as `isError` results; only an unknown tool is a protocol error.
pub fn call(name: &str, arguments: &Value, default_specs_dir: &Path) -> Result<Value, RpcError> {
    let outcome = match name {
        "list" => list(arguments, default_specs_dir),
        "view" => view(arguments, default_specs_dir),
        "validate" => validate(arguments, default_specs_dir),
        _ => {
            return Err(RpcError::new(
                INVALID_PARAMS,
                format!("Unknown tool: {name}"),
            ))
        }
    };
    Ok(match outcome {
        Ok((text, structured)) => json!({
            "content": [{"type": "text", "text": text}],
            "structuredContent": structured,
            "isError": false
        }),
        Err(message) => json!({"content": [{"type": "text", "text": message}], "isError": true}),
    })
}

/// What a tool returns: text for the model, JSON for programs; or a message on failure.
type ToolOutcome = Result<(String, Value), String>;

fn list(arguments: &Value, default_specs_dir: &Path) -> ToolOutcome {
    let specs = load_specs(&specs_dir(arguments, default_specs_dir)?).map_err(describe)?;
    let structured: Vec<Value> = specs.iter().map(|spec| spec.to_json(false)).collect();
    Ok((render::spec_table(&specs), json!({"specs": structured})))
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
