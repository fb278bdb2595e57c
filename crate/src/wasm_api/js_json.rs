//! JavaScript values a page handler returns (items, `meta`) to JSON values, strictly.
//!
//! Items are stored and exported as JSON, so they must be JSON. `JSON.stringify` would
//! quietly drop a function-valued property, turn `NaN` into `null` and throw an unhelpful
//! error on a cycle; a handler's author wants to hear instead *where* the value is wrong.
//! This walk follows `JSON.stringify`'s rules (own enumerable string keys, `toJSON()` as on
//! a `Date`, `undefined` properties left out, `undefined` in arrays as `null`) and refuses,
//! naming the path, what JSON cannot hold: functions, symbols, BigInts, `NaN` and
//! infinities, `Map`s and `Set`s (which stringify as `{}`), cycles, and nesting deeper than
//! [`MAX_DEPTH`]. It never panics: a getter or proxy that throws is an error too.

use js_sys::{Array, Function, Object, Reflect};
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

/// Nesting deeper than this is refused (it is a runaway `toJSON` or a data bug, and deep
/// values would make recursive readers downstream overflow their stacks).
pub(crate) const MAX_DEPTH: usize = 100;

/// Longer arrays are refused: `a[1e9] = 1` makes a sparse array JSON would fill with
/// a billion `null`s.
pub(crate) const MAX_ARRAY: u32 = 1 << 20;

/// Why a value is not JSON, and where: `path` is appended to the caller's name for it,
/// e.g. `items[0]` + `.price`.
#[derive(Debug)]
pub(crate) struct NotJson {
    /// Path segments from the root, e.g. [".offers", "[2]", ".price"].
    path: Vec<String>,
    what: String,
}

impl NotJson {
    fn new(what: impl Into<String>) -> Self {
        NotJson {
            path: Vec::new(),
            what: what.into(),
        }
    }

    fn at(mut self, segment: String) -> Self {
        self.path.push(segment);
        self
    }

    /// "`root.a[2]` is a function, which JSON cannot hold ...".
    pub(crate) fn describe(&self, root: &str) -> String {
        let path: String = self.path.iter().rev().map(String::as_str).collect();
        format!("{root}{path} {}", self.what)
    }
}

/// `value` as JSON, or where and why it is not.
pub(crate) fn to_json(value: &JsValue) -> Result<Value, NotJson> {
    let mut ancestors = Vec::new();
    walk(value, "", 0, &mut ancestors)
}

const PLAIN: &str = "return plain data: strings, numbers, booleans, null, arrays and objects";

fn walk(
    value: &JsValue,
    key: &str,
    depth: usize,
    ancestors: &mut Vec<JsValue>,
) -> Result<Value, NotJson> {
    if depth > MAX_DEPTH {
        return Err(NotJson::new(format!(
            "is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return number(n);
    }
    if let Some(s) = value.as_string() {
        return Ok(Value::String(s));
    }
    if value.is_function() {
        return Err(NotJson::new(format!(
            "is a function, which JSON cannot hold: {PLAIN}"
        )));
    }
    if value.is_symbol() {
        return Err(NotJson::new(format!(
            "is a symbol, which JSON cannot hold: {PLAIN}"
        )));
    }
    if value.is_bigint() {
        return Err(NotJson::new(
            "is a BigInt, which JSON cannot hold: convert it with Number(x) or String(x)",
        ));
    }
    if !value.is_object() {
        return Err(NotJson::new(format!(
            "is a {}, which JSON cannot hold: {PLAIN}",
            value.js_typeof().as_string().unwrap_or_default()
        )));
    }
    if value.is_instance_of::<js_sys::Map>() || value.is_instance_of::<js_sys::Set>() {
        let kind = if value.is_instance_of::<js_sys::Map>() {
            "a Map: convert it with Object.fromEntries(map)"
        } else {
            "a Set: convert it with Array.from(set)"
        };
        return Err(NotJson::new(format!(
            "is {kind} (JSON would make it an empty object)"
        )));
    }
    // `toJSON()`, as JSON.stringify calls it (a Date gives its ISO string).
    let to_json = get(value, "toJSON")?;
    if let Some(f) = to_json.dyn_ref::<Function>() {
        let replaced = f
            .call1(value, &JsValue::from_str(key))
            .map_err(|e| NotJson::new(format!("has a toJSON() that threw: {}", brief(&e))))?;
        return walk(&replaced, key, depth + 1, ancestors);
    }
    if ancestors.iter().any(|a| Object::is(a, value)) {
        return Err(NotJson::new(
            "refers back to an object that contains it (a cycle), which JSON cannot hold",
        ));
    }
    ancestors.push(value.clone());
    let result = if Array::is_array(value) {
        array(value.unchecked_ref(), depth, ancestors)
    } else {
        object(value.unchecked_ref(), depth, ancestors)
    };
    ancestors.pop();
    result
}

fn number(n: f64) -> Result<Value, NotJson> {
    const SAFE: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER
    if n.fract() == 0.0 && n.abs() <= SAFE {
        return Ok(Value::from(n as i64));
    }
    Number::from_f64(n).map(Value::Number).ok_or_else(|| {
        NotJson::new(format!(
            "is {}, which JSON cannot hold",
            if n.is_nan() { "NaN" } else { "an infinity" }
        ))
    })
}

fn array(items: &Array, depth: usize, ancestors: &mut Vec<JsValue>) -> Result<Value, NotJson> {
    if items.length() > MAX_ARRAY {
        return Err(NotJson::new(format!(
            "has {} elements, more than the {MAX_ARRAY} an item may hold",
            items.length()
        )));
    }
    let mut out = Vec::with_capacity(items.length().min(1 << 16) as usize);
    for i in 0..items.length() {
        let item = Reflect::get_u32(items, i)
            .map_err(|e| NotJson::new(format!("cannot be read: {}", brief(&e))))
            .map_err(|e| e.at(format!("[{i}]")))?;
        out.push(
            walk(&item, &i.to_string(), depth + 1, ancestors)
                .map_err(|e| e.at(format!("[{i}]")))?,
        );
    }
    Ok(Value::Array(out))
}

fn object(obj: &Object, depth: usize, ancestors: &mut Vec<JsValue>) -> Result<Value, NotJson> {
    let mut out = Map::new();
    for key in Object::keys(obj).iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        let segment = || property_segment(&name);
        let value = Reflect::get(obj, &key)
            .map_err(|e| NotJson::new(format!("cannot be read: {}", brief(&e))).at(segment()))?;
        // JSON.stringify leaves out properties whose value is undefined.
        if value.is_undefined() {
            continue;
        }
        let json = walk(&value, &name, depth + 1, ancestors).map_err(|e| e.at(segment()))?;
        out.insert(name, json);
    }
    Ok(Value::Object(out))
}

/// `.name`, or `["odd key"]` when the key is not an identifier.
fn property_segment(name: &str) -> String {
    let identifier = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        format!(".{name}")
    } else {
        format!("[{}]", Value::String(name.to_string()))
    }
}

/// A property of `value`, or an error if reading it throws (a getter, a proxy).
fn get(value: &JsValue, name: &str) -> Result<JsValue, NotJson> {
    Reflect::get(value, &JsValue::from_str(name))
        .map_err(|e| NotJson::new(format!("cannot be read ({name}): {}", brief(&e))))
}

/// A thrown value in one line: `Name: message` for an Error, its string form otherwise.
pub(crate) fn brief(thrown: &JsValue) -> String {
    match thrown.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", String::from(e.name()), String::from(e.message())),
        None => js_string(thrown),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `String(value)`, which may throw (a `toString` that throws).
    #[wasm_bindgen(catch, js_name = String)]
    fn string_of(value: &JsValue) -> Result<js_sys::JsString, JsValue>;
}

/// `String(value)`, as JavaScript would print it; never throws.
pub(crate) fn js_string(value: &JsValue) -> String {
    match string_of(value) {
        Ok(s) => String::from(s),
        Err(_) => format!(
            "a {} that cannot be turned into a string",
            value.js_typeof().as_string().unwrap_or_default()
        ),
    }
}
