//! A JSON Schema check of a document against a component of the OpenAPI document, for the
//! subset utoipa writes: `$ref`, `type` (one or a list), `properties` with `required`,
//! `items`, `additionalProperties`, `oneOf`/`anyOf`/`allOf`, `enum` and `const`.
use serde_json::Value;

/// Every place where `doc` breaks the component `name`, as `path: what`.
pub fn validate(openapi: &Value, name: &str, doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let schema = json_ref(openapi, &format!("#/components/schemas/{name}"));
    check(openapi, schema, doc, "$", &mut errors);
    errors
}

fn json_ref<'a>(openapi: &'a Value, r: &str) -> &'a Value {
    let path = r.trim_start_matches("#/");
    let mut at = openapi;
    for part in path.split('/') {
        at = &at[part];
    }
    assert!(!at.is_null(), "no schema at {r}");
    at
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        _ => true,
    }
}

fn check(openapi: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return check(openapi, json_ref(openapi, r), v, path, errors);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(openapi, s, v, path, errors);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fits = options.iter().any(|s| {
                let mut e = Vec::new();
                check(openapi, s, v, path, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{path}: matches none of {key}"));
                return;
            }
        }
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_ok(t, v) => {
            errors.push(format!("{path}: not {t}: {v}"));
            return;
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap_or(""), v)) => {
            errors.push(format!("{path}: none of {ts:?}: {v}"));
            return;
        }
        _ => {}
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(v) {
            errors.push(format!("{path}: {v} not in {options:?}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errors.push(format!("{path}: {v} is not {c}"));
        }
    }
    if let (Some(object), Some(props)) = (
        v.as_object(),
        schema.get("properties").and_then(Value::as_object),
    ) {
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                errors.push(format!("{path}: `{required}` is missing"));
            }
        }
        for (key, value) in object {
            match props.get(key) {
                Some(s) => check(openapi, s, value, &format!("{path}.{key}"), errors),
                None => {
                    if let Some(extra) = schema.get("additionalProperties") {
                        if extra == &Value::Bool(false) {
                            errors.push(format!("{path}: `{key}` is not in the schema"));
                        } else if extra.is_object() {
                            check(openapi, extra, value, &format!("{path}.{key}"), errors);
                        }
                    }
                }
            }
        }
    }
    if let (Some(items), Some(schema)) = (v.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(openapi, schema, item, &format!("{path}[{i}]"), errors);
        }
    }
}
