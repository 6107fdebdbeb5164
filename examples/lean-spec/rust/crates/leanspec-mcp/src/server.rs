//! Routes MCP requests to handlers. Transport-free: takes one message, returns the reply.

use std::cell::Cell;
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

/// The last protocol version with JSON-RPC batches: 2025-03-26 added them, 2025-06-18
/// removed them. Versions are dates, so they compare as strings.
pub const LAST_VERSION_WITH_BATCHES: &str = "2025-03-26";

pub struct Server {
    /// Specs folder for tool calls that name none.
    specs_dir: PathBuf,
    /// The protocol version the last `initialize` settled on; `None` before it.
    protocol_version: Cell<Option<&'static str>>,
}

impl Server {
    pub fn new(specs_dir: PathBuf) -> Server {
        Server {
            specs_dir,
            protocol_version: Cell::new(None),
        }
    }

    /// Handles one raw input line. Returns the reply (an array for a batch), or `None` for
    /// notifications, for replies from the client, for blank lines, and for a batch that
    /// holds only those.
    pub fn handle_message(&self, raw: &[u8]) -> Option<Value> {
        if raw.trim_ascii().is_empty() {
            return None;
        }
        match serde_json::from_slice(raw) {
            Ok(Value::Array(batch)) => self.handle_batch(batch),
            Ok(message) => self.handle_one(message, false),
            Err(error) => {
                let error = RpcError::new(PARSE_ERROR, format!("Parse error: {error}"));
                Some(jsonrpc::failure(&Value::Null, error))
            }
        }
    }

    /// A JSON-RPC batch: accepted only in sessions that negotiated a protocol version that
    /// has batches (2025-03-26 and 2024-11-05); since 2025-06-18 an array is an invalid
    /// request. Each message gets its reply, in order, in one array.
    fn handle_batch(&self, batch: Vec<Value>) -> Option<Value> {
        let invalid = |message: String| {
            let error = RpcError::new(INVALID_REQUEST, format!("Invalid Request: {message}"));
            Some(jsonrpc::failure(&Value::Null, error))
        };
        match self.protocol_version.get() {
            None => return invalid("no batches before initialize".into()),
            Some(version) if version > LAST_VERSION_WITH_BATCHES => {
                return invalid(format!(
                    "protocol version {version} has no JSON-RPC batches; send one message per line"
                ))
            }
            Some(_) if batch.is_empty() => return invalid("empty batch".into()),
            Some(_) => {}
        }
        let replies: Vec<Value> = batch
            .into_iter()
            .filter_map(|message| self.handle_one(message, true))
            .collect();
        (!replies.is_empty()).then_some(Value::Array(replies))
    }

    /// One message, alone or from a batch.
    fn handle_one(&self, message: Value, in_batch: bool) -> Option<Value> {
        let invalid = |id: &Value, message: &str| {
            let error = RpcError::new(INVALID_REQUEST, format!("Invalid Request: {message}"));
            Some(jsonrpc::failure(id, error))
        };
        let Value::Object(message) = message else {
            return invalid(&Value::Null, "expected a JSON-RPC 2.0 object");
        };
        // MCP request ids are strings or integers: anything else is not echoed back.
        let id = message.get("id");
        let valid_id = match id {
            Some(id) if is_valid_id(id) => id.clone(),
            _ => Value::Null,
        };
        if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return invalid(&valid_id, "expected a JSON-RPC 2.0 object");
        }
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            // A reply to a request of ours: we send none, so there is nothing to match it to.
            if message.contains_key("result") || message.contains_key("error") {
                return None;
            }
            return invalid(&valid_id, "no method");
        };
        let Some(id) = id else {
            self.handle_notification(method);
            return None;
        };
        if !is_valid_id(id) {
            return invalid(&Value::Null, "id must be a string or an integer");
        }
        Some(
            match self.handle_request(method, message.get("params"), in_batch) {
                Ok(result) => jsonrpc::success(id, result),
                Err(error) => jsonrpc::failure(id, error),
            },
        )
    }

    fn handle_request(
        &self,
        method: &str,
        params: Option<&Value>,
        in_batch: bool,
    ) -> Result<Value, RpcError> {
        match method {
            // The MCP lifecycle forbids it: a batch needs a session, which initialize opens.
            "initialize" if in_batch => Err(RpcError::new(
                INVALID_REQUEST,
                "Invalid Request: initialize must not be part of a batch",
            )),
            "initialize" => self.initialize(params),
            "ping" => optional_object(method, params).map(|_| json!({})),
            "tools/list" => {
                optional_object(method, params).map(|_| json!({"tools": tools::definitions()}))
            }
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
            other => log(&format!("leanspec-mcp: ignoring notification '{other}'")),
        }
    }

    /// Checks `initialize` params as the MCP schema types them, and settles the version.
    fn initialize(&self, params: Option<&Value>) -> Result<Value, RpcError> {
        let params = optional_object("initialize", params)?;
        let field = |key: &str| params.and_then(|params| params.get(key));
        let invalid = |message: &str| {
            RpcError::new(
                INVALID_PARAMS,
                format!("Invalid params: initialize {message}"),
            )
        };
        let requested = field("protocolVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("needs 'protocolVersion', a string"))?;
        if !field("capabilities").is_some_and(Value::is_object) {
            return Err(invalid("needs 'capabilities', an object"));
        }
        let client_info = field("clientInfo").and_then(Value::as_object);
        let named = client_info.is_some_and(|info| {
            info.get("name").is_some_and(Value::is_string)
                && info.get("version").is_some_and(Value::is_string)
        });
        if !named {
            return Err(invalid(
                "needs 'clientInfo', an object with a string 'name' and 'version'",
            ));
        }
        let version = negotiate_protocol_version(Some(requested));
        self.protocol_version.set(Some(version));
        Ok(json!({
            "protocolVersion": version,
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "leanspec-mcp", "title": "LeanSpec", "version": leanspec_core::VERSION},
        }))
    }

    fn call_tool(&self, params: Option<&Value>) -> Result<Value, RpcError> {
        let name = optional_object("tools/call", params)?
            .and_then(|params| params.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::new(INVALID_PARAMS, "tools/call needs a tool 'name'"))?;
        let no_arguments = json!({});
        let arguments = match params.and_then(|params| params.get("arguments")) {
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

/// MCP request ids: a string or an integer (not null, not a fraction).
fn is_valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(number) => number.is_i64() || number.is_u64(),
        _ => false,
    }
}

/// MCP params are an object, here an optional one: absent is fine, anything else but an
/// object (an array, a number, null) is invalid.
fn optional_object<'a>(
    method: &str,
    params: Option<&'a Value>,
) -> Result<Option<&'a Value>, RpcError> {
    match params {
        None => Ok(None),
        Some(params @ Value::Object(_)) => Ok(Some(params)),
        Some(_) => Err(RpcError::new(
            INVALID_PARAMS,
            format!("Invalid params: {method} params must be an object"),
        )),
    }
}

/// One line on stderr, for people. Never stdout, which carries protocol messages only; and
/// unlike `eprintln!`, it does not panic (and so abort the server) when stderr fails. Lines
/// quote what clients send (method names): control characters are shown escaped.
pub fn log(line: &str) {
    let line = leanspec_core::text::terminal_text(line);
    // Under `cargo test`, `eprintln!` is captured with the test's output instead.
    #[cfg(test)]
    eprintln!("{line}");
    #[cfg(not(test))]
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{line}");
    }
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

    /// A server that has negotiated `version`.
    fn session(version: &str) -> Server {
        let server = Server::new(fixtures("valid-specs"));
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
        let reply = server.handle_message(init.to_string().as_bytes()).unwrap();
        assert_eq!(reply["result"]["protocolVersion"], version);
        server
    }

    fn send(server: &Server, message: Value) -> Option<Value> {
        server.handle_message(message.to_string().as_bytes())
    }

    fn ping(id: i64) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
    }

    #[test]
    fn batches_are_answered_in_sessions_of_versions_that_have_them() {
        for version in ["2025-03-26", "2024-11-05"] {
            let server = session(version);
            let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let replies = send(&server, json!([ping(1), initialized.clone(), ping(2)])).unwrap();
            assert_eq!(
                replies,
                json!([
                    {"jsonrpc": "2.0", "id": 1, "result": {}},
                    {"jsonrpc": "2.0", "id": 2, "result": {}}
                ]),
                "{version}"
            );
            // Only notifications: no reply at all.
            assert_eq!(send(&server, json!([initialized])), None);
            // Each bad member gets its own error; initialize may not be batched.
            let replies = send(&server, json!([1, {"jsonrpc": "2.0", "id": 3, "method": "initialize",
                "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}]))
            .unwrap();
            assert_eq!(replies[0]["error"]["code"], INVALID_REQUEST);
            assert_eq!(replies[0]["id"], Value::Null);
            assert_eq!(replies[1]["error"]["code"], INVALID_REQUEST);
            assert_eq!(replies[1]["id"], 3);
            // An empty batch is one invalid request, not an empty array.
            let empty = send(&server, json!([])).unwrap();
            assert_eq!(
                (empty["error"]["code"].clone(), empty["id"].clone()),
                (json!(INVALID_REQUEST), Value::Null)
            );
        }
    }

    #[test]
    fn batches_are_invalid_before_initialize_and_since_2025_06_18() {
        let fresh = Server::new(fixtures("valid-specs"));
        let mut servers = vec![fresh];
        servers.extend(["2025-06-18", "2025-11-25"].map(session));
        for server in servers {
            let reply = send(&server, json!([ping(1)])).unwrap();
            assert_eq!(reply["error"]["code"], INVALID_REQUEST, "{reply}");
            assert_eq!(reply["id"], Value::Null);
        }
    }

    #[test]
    fn ids_must_be_strings_or_integers() {
        for id in [json!(null), json!(1.5), json!({}), json!(true), json!([1])] {
            let response = reply(json!({"jsonrpc": "2.0", "id": id, "method": "ping"}));
            assert_eq!(response["error"]["code"], INVALID_REQUEST, "{id}");
            assert_eq!(response["id"], Value::Null, "{id}");
        }
        for id in [json!(-1), json!(u64::MAX), json!(""), json!("a")] {
            assert_eq!(
                reply(json!({"jsonrpc": "2.0", "id": id, "method": "ping"}))["id"],
                id
            );
        }
    }

    #[test]
    fn initialize_params_must_match_the_schema() {
        let info = json!({"name": "t", "version": "0"});
        for params in [
            None,
            Some(json!([])),
            Some(json!({"protocolVersion": 5, "capabilities": {}, "clientInfo": info})),
            Some(json!({"capabilities": {}, "clientInfo": info})),
            Some(json!({"protocolVersion": "2025-06-18", "capabilities": [], "clientInfo": info})),
            Some(json!({"protocolVersion": "2025-06-18", "capabilities": {}})),
            Some(
                json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": 1}}),
            ),
        ] {
            let mut request = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize"});
            if let Some(params) = &params {
                request["params"] = params.clone();
            }
            let response = reply(request);
            assert_eq!(response["error"]["code"], INVALID_PARAMS, "{params:?}");
        }
    }

    #[test]
    fn params_must_be_objects_when_given() {
        for method in ["ping", "tools/list", "tools/call"] {
            for params in [json!([1]), json!(null), json!("x")] {
                let response =
                    reply(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
                assert_eq!(
                    response["error"]["code"], INVALID_PARAMS,
                    "{method} {params}"
                );
            }
        }
        for params in [json!({}), json!({"_meta": {"progressToken": 1}})] {
            let response =
                reply(json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": params}));
            assert_eq!(response["result"], json!({}));
        }
    }

    #[test]
    fn unknown_tool_arguments_are_tool_errors_naming_them() {
        let result = &call("list", json!({"bogus": 1}))["result"];
        assert_eq!(result["isError"], true);
        assert_eq!(
            result["content"][0]["text"],
            "unknown argument 'bogus'; the list tool accepts: specs_dir"
        );
        let result = &call("view", json!({"spec": "1", "spec_dir": "x"}))["result"];
        assert_eq!(result["isError"], true);
        assert!(result["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("unknown argument 'spec_dir'"));
    }

    #[test]
    fn view_tool_takes_a_number_only_as_a_number() {
        let dir = std::env::temp_dir().join(format!("leanspec-mcp-view-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("172-cli-npm")).unwrap();
        std::fs::write(
            dir.join("172-cli-npm/README.md"),
            "---\nstatus: planned\n---\n",
        )
        .unwrap();
        let server = Server::new(dir.clone());
        let view = |spec: &str| {
            let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                 "params": {"name": "view", "arguments": {"spec": spec}}});
            send(&server, request).unwrap()["result"].clone()
        };
        let two = view("2");
        let found = view("172");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(two["isError"], true);
        assert!(two["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("no spec matches '2'"));
        assert_eq!(found["isError"], false);
    }
}
