//! Routes MCP requests to handlers. Transport-free: takes one message, returns the reply.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::jsonrpc::{
    self, RpcError, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR,
};
use crate::tools;

/// Protocol versions this server speaks, newest first.
pub const SUPPORTED_PROTOCOL_VERSIONS: [&str; 4] =
    ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// The version to answer `initialize` with: the client's if we speak it, else our newest,
/// leaving the client to decide whether it can go on (as the MCP lifecycle prescribes).
pub fn negotiate_protocol_version(requested: Option<&str>) -> &'static str {
    SUPPORTED_PROTOCOL_VERSIONS
        .into_iter()
        .find(|version| Some(*version) == requested)
        .unwrap_or(SUPPORTED_PROTOCOL_VERSIONS[0])
}

pub struct Server {
    /// Specs folder for tool calls that name none.
    specs_dir: PathBuf,
}

impl Server {
    pub fn new(specs_dir: PathBuf) -> Server {
        Server { specs_dir }
    }

    /// Handles one raw input line. Returns the reply, or `None` for notifications,
    /// for replies from the client, and for blank lines.
    pub fn handle_message(&self, raw: &[u8]) -> Option<Value> {
        if raw.trim_ascii().is_empty() {
            return None;
        }
        let message: Value = match serde_json::from_slice(raw) {
            Ok(message) => message,
            Err(error) => {
                let error = RpcError::new(PARSE_ERROR, format!("Parse error: {error}"));
                return Some(jsonrpc::failure(&Value::Null, error));
            }
        };
        let id = message.get("id").cloned().unwrap_or(Value::Null);
        if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            let error = RpcError::new(
                INVALID_REQUEST,
                "Invalid Request: expected a JSON-RPC 2.0 object",
            );
            return Some(jsonrpc::failure(&id, error));
        }
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            // A reply to a request of ours: we send none, so there is nothing to match it to.
            if message.get("result").is_some() || message.get("error").is_some() {
                return None;
            }
            let error = RpcError::new(INVALID_REQUEST, "Invalid Request: no method");
            return Some(jsonrpc::failure(&id, error));
        };
        if message.get("id").is_none() {
            self.handle_notification(method);
            return None;
        }
        let params = message.get("params").cloned().unwrap_or_else(|| json!({}));
        Some(match self.handle_request(method, &params) {
            Ok(result) => jsonrpc::success(&id, result),
            Err(error) => jsonrpc::failure(&id, error),
        })
    }

    fn handle_request(&self, method: &str, params: &Value) -> Result<Value, RpcError> {
        match method {
            "initialize" => Ok(initialize(params)),
            "ping" => Ok(json!({})),
            "tools/list" => Ok(json!({"tools": tools::definitions()})),
            "tools/call" => self.call_tool(params),
            _ => Err(RpcError::new(
                METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            )),
        }
    }

    fn handle_notification(&self, method: &str) {
        match method {
            // Nothing to do: every request is answered before the next is read, so
            // `initialized` needs no state and a `cancelled` request is already done.
            "notifications/initialized" | "notifications/cancelled" => {}
            other => eprintln!("leanspec-mcp: ignoring notification '{other}'"),
        }
    }

    fn call_tool(&self, params: &Value) -> Result<Value, RpcError> {
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::new(INVALID_PARAMS, "tools/call needs a tool 'name'"))?;
        let no_arguments = json!({});
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => &no_arguments,
            Some(arguments @ Value::Object(_)) => arguments,
            Some(_) => {
                return Err(RpcError::new(
                    INVALID_PARAMS,
                    "tool 'arguments' must be an object",
                ))
            }
        };
        tools::call(name, arguments, &self.specs_dir)
    }
}

fn initialize(params: &Value) -> Value {
    let requested = params.get("protocolVersion").and_then(Value::as_str);
    json!({
        "protocolVersion": negotiate_protocol_version(requested),
        "capabilities": {"tools": {}},
        "serverInfo": {"name": "leanspec-mcp", "title": "LeanSpec", "version": leanspec_core::VERSION},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures(name: &str) -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../leanspec-core/tests/fixtures"
        ))
        .join(name)
    }

    fn reply(request: Value) -> Value {
        let server = Server::new(fixtures("valid-specs"));
        server
            .handle_message(request.to_string().as_bytes())
            .expect("a reply")
    }

    fn call(name: &str, arguments: Value) -> Value {
        let request = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                             "params": {"name": name, "arguments": arguments}});
        reply(request)
    }

    #[test]
    fn negotiates_the_clients_version_when_supported() {
        for version in SUPPORTED_PROTOCOL_VERSIONS {
            assert_eq!(negotiate_protocol_version(Some(version)), version);
        }
    }

    #[test]
    fn answers_unknown_or_missing_versions_with_the_latest() {
        assert_eq!(negotiate_protocol_version(Some("2099-01-01")), "2025-11-25");
        assert_eq!(negotiate_protocol_version(None), "2025-11-25");
    }

    #[test]
    fn initialize_reports_version_capabilities_and_server_info() {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-03-26", "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"}}});
        let response = reply(request);
        assert_eq!(response["id"], 1);
        assert_eq!(response["result"]["protocolVersion"], "2025-03-26");
        assert_eq!(response["result"]["capabilities"], json!({"tools": {}}));
        assert_eq!(response["result"]["serverInfo"]["name"], "leanspec-mcp");
        assert_eq!(
            response["result"]["serverInfo"]["version"],
            env!("CARGO_PKG_VERSION")
        );
    }

    #[test]
    fn ping_returns_an_empty_result() {
        assert_eq!(
            reply(json!({"jsonrpc": "2.0", "id": "p", "method": "ping"})),
            json!({"jsonrpc": "2.0", "id": "p", "result": {}})
        );
    }

    #[test]
    fn unknown_method_is_method_not_found() {
        let response = reply(json!({"jsonrpc": "2.0", "id": 2, "method": "resources/list"}));
        assert_eq!(response["error"]["code"], METHOD_NOT_FOUND);
        assert_eq!(response["id"], 2);
    }

    #[test]
    fn malformed_json_is_a_parse_error_with_null_id() {
        let server = Server::new(fixtures("valid-specs"));
        let response = server
            .handle_message(b"{\"jsonrpc\": \"2.0\", \"id\": 1,")
            .unwrap();
        assert_eq!(response["error"]["code"], PARSE_ERROR);
        assert_eq!(response["id"], Value::Null);
    }

    #[test]
    fn non_json_rpc_messages_are_invalid_requests() {
        for message in [
            json!([1, 2]),
            json!({"id": 3, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": 4}),
        ] {
            let response = reply(message.clone());
            assert_eq!(response["error"]["code"], INVALID_REQUEST, "{message}");
        }
    }

    #[test]
    fn notifications_and_client_replies_get_no_answer() {
        let server = Server::new(fixtures("valid-specs"));
        for message in [
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "method": "tools/list"}),
            json!({"jsonrpc": "2.0", "method": "no/such/method"}),
            json!({"jsonrpc": "2.0", "id": 9, "result": {}}),
        ] {
            assert_eq!(
                server.handle_message(message.to_string().as_bytes()),
                None,
                "{message}"
            );
        }
        assert_eq!(server.handle_message(b"  \r\n"), None);
    }

    #[test]
    fn lists_three_tools_with_object_schemas() {
        let response = reply(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
        let tools = response["result"]["tools"].as_array().unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["list", "view", "validate"]);
        for tool in tools {
            assert_eq!(tool["inputSchema"]["type"], "object");
            assert_eq!(
                tool["inputSchema"]["properties"]["specs_dir"]["type"],
                "string"
            );
        }
        assert_eq!(tools[1]["inputSchema"]["required"], json!(["spec"]));
    }

    #[test]
    fn list_tool_returns_text_and_structured_specs() {
        let result = &call("list", json!({}))["result"];
        assert_eq!(result["isError"], false);
        assert!(result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("validate-command"));
        assert_eq!(
            result["structuredContent"]["specs"][1]["name"],
            "validate-command"
        );
    }

    #[test]
    fn view_tool_finds_a_spec_by_number() {
        let result = &call("view", json!({"spec": "1"}))["result"];
        assert_eq!(result["isError"], false);
        assert!(result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("# Spec Format"));
        assert_eq!(result["structuredContent"]["title"], "Spec Format");
    }

    #[test]
    fn view_tool_failures_are_tool_errors_not_protocol_errors() {
        let unknown = &call("view", json!({"spec": "nope"}))["result"];
        assert_eq!(unknown["isError"], true);
        let text = unknown["content"][0]["text"].as_str().unwrap();
        assert!(text.starts_with("no spec matches 'nope'"), "{text}");
        assert_eq!(call("view", json!({}))["result"]["isError"], true);
        assert_eq!(call("view", json!({"spec": 5}))["result"]["isError"], true);
    }

    #[test]
    fn validate_tool_honours_the_specs_dir_argument() {
        let dir = fixtures("broken-specs");
        let result = &call("validate", json!({"specs_dir": dir}))["result"];
        assert_eq!(
            result["isError"], false,
            "a report with problems is still a successful call"
        );
        assert_eq!(result["structuredContent"]["valid"], false);
        assert_eq!(result["structuredContent"]["checked"], 7);
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("003-bad-fields/README.md:3: invalid status 'done'"),
            "{text}"
        );
    }

    #[test]
    fn missing_specs_folder_is_a_tool_error() {
        let result = &call("list", json!({"specs_dir": "/nonexistent/specs"}))["result"];
        assert_eq!(result["isError"], true);
    }

    #[test]
    fn unknown_tool_is_invalid_params() {
        let response = call("delete", json!({}));
        assert_eq!(response["error"]["code"], INVALID_PARAMS);
        assert_eq!(response["error"]["message"], "Unknown tool: delete");
    }

    #[test]
    fn call_without_tool_name_or_with_bad_arguments_is_invalid_params() {
        let no_name =
            reply(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {}}));
        assert_eq!(no_name["error"]["code"], INVALID_PARAMS);
        let bad_args = reply(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                    "params": {"name": "list", "arguments": [1]}}));
        assert_eq!(bad_args["error"]["code"], INVALID_PARAMS);
    }
}
