//! Block Kit checks, as Slack makes them before it accepts blocks in a message
//! (`invalid_blocks`, with `[ERROR] … [json-pointer:/blocks/0/text]` messages) or a view
//! (`invalid_arguments`). Not every rule of Block Kit: the ones a bot trips over (unknown
//! types, missing required fields, text objects of the wrong type, Slack's size limits).

use serde_json::{Map, Value};

use super::reply::ApiError;

const BLOCK_TYPES: [&str; 12] = [
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "video",
    "call",
];

/// Blocks in a message (`chat.postMessage`, `chat.update`...): `invalid_blocks_format` if
/// they are not an array, `invalid_blocks` with Slack's messages if a block is wrong.
pub(crate) fn check_message_blocks(blocks: &Value) -> Result<(), ApiError> {
    let Value::Array(list) = blocks else {
        return Err(ApiError::new("invalid_blocks_format"));
    };
    let mut errors = Vec::new();
    if list.len() > 50 {
        errors.push("no more than 50 items allowed [json-pointer:/blocks]".to_owned());
    }
    check_list(list, "/blocks", &mut errors);
    if errors.is_empty() {
        return Ok(());
    }
    let mut e = ApiError::with_messages(
        "invalid_blocks",
        errors.iter().map(|e| format!("[ERROR] {e}")).collect(),
    );
    e.extra.insert("errors".into(), Value::from(errors));
    Err(e)
}

/// A view (`views.open`, `push`, `update`, `publish`): its errors as Slack's
/// `response_metadata.messages` (empty when it is fine). `modal_only` refuses home tabs.
pub(crate) fn check_view(view: &Value, modal_only: bool, home_only: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let Value::Object(v) = view else {
        return vec!["[ERROR] must be an object [json-pointer:/view]".into()];
    };
    match v.get("type").and_then(Value::as_str) {
        Some("modal") if home_only => {
            errors.push("must be a home view [json-pointer:/view/type]".into())
        }
        Some("home") if modal_only => {
            errors.push("must be a modal view [json-pointer:/view/type]".into())
        }
        Some("modal" | "home") => {}
        _ => errors.push("must provide a valid view type [json-pointer:/view/type]".into()),
    }
    let modal = v.get("type").and_then(Value::as_str) == Some("modal");
    if modal {
        match v.get("title") {
            None => errors.push("must provide an object [json-pointer:/view/title]".into()),
            Some(t) => check_text(t, "/view/title", Some("plain_text"), 24, &mut errors),
        }
    }
    for (name, max) in [("submit", 24), ("close", 24)] {
        if let Some(t) = v.get(name) {
            check_text(
                t,
                &format!("/view/{name}"),
                Some("plain_text"),
                max,
                &mut errors,
            );
        }
    }
    for (name, max) in [
        ("callback_id", 255),
        ("external_id", 255),
        ("private_metadata", 3000),
    ] {
        match v.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.chars().count() <= max => {}
            Some(Value::String(_)) => errors.push(format!(
                "must be less than {} characters [json-pointer:/view/{name}]",
                max + 1
            )),
            Some(_) => errors.push(format!("must be a string [json-pointer:/view/{name}]")),
        }
    }
    match v.get("blocks") {
        Some(Value::Array(list)) => {
            if list.len() > 100 {
                errors.push("no more than 100 items allowed [json-pointer:/view/blocks]".into());
            }
            check_list(list, "/view/blocks", &mut errors);
            let has_input = list
                .iter()
                .any(|b| b.get("type").and_then(Value::as_str) == Some("input"));
            if modal && has_input && v.get("submit").is_none() {
                errors.push(
                    "must provide `submit` when the view has input blocks [json-pointer:/view/submit]"
                        .into(),
                );
            }
        }
        Some(_) => errors.push("must provide an array [json-pointer:/view/blocks]".into()),
        None => errors.push("must provide an array [json-pointer:/view/blocks]".into()),
    }
    errors.into_iter().map(|e| format!("[ERROR] {e}")).collect()
}

fn check_list(list: &[Value], at: &str, errors: &mut Vec<String>) {
    let mut ids: Vec<&str> = Vec::new();
    for (i, block) in list.iter().enumerate() {
        let here = format!("{at}/{i}");
        let Value::Object(b) = block else {
            errors.push(format!("must be an object [json-pointer:{here}]"));
            continue;
        };
        if let Some(id) = b.get("block_id") {
            match id.as_str() {
                Some(id) if id.chars().count() > 255 => errors.push(format!(
                    "must be less than 256 characters [json-pointer:{here}/block_id]"
                )),
                Some(id) if ids.contains(&id) => errors.push(format!(
                    "duplicate block_id `{id}` [json-pointer:{here}/block_id]"
                )),
                Some(id) => ids.push(id),
                None => errors.push(format!("must be a string [json-pointer:{here}/block_id]")),
            }
        }
        check_block(b, &here, errors);
    }
}

fn check_block(b: &Map<String, Value>, here: &str, errors: &mut Vec<String>) {
    let kind = match b.get("type").and_then(Value::as_str) {
        Some(kind) if BLOCK_TYPES.contains(&kind) => kind,
        Some(kind) => {
            return errors.push(format!(
                "unsupported type: {} [json-pointer:{here}/type]",
                kind.chars().take(40).collect::<String>()
            ))
        }
        None => return errors.push(format!("must provide a string [json-pointer:{here}/type]")),
    };
    let need = |name: &str, errors: &mut Vec<String>| {
        if b.get(name).is_none_or(Value::is_null) {
            errors.push(format!(
                "missing required field: {name} [json-pointer:{here}/{name}]"
            ));
            false
        } else {
            true
        }
    };
    let elements = |min: usize, max: usize, errors: &mut Vec<String>| match b.get("elements") {
        Some(Value::Array(list)) if (min..=max).contains(&list.len()) => {
            for (i, e) in list.iter().enumerate() {
                if e.get("type").and_then(Value::as_str).is_none() {
                    errors.push(format!(
                        "must provide a string [json-pointer:{here}/elements/{i}/type]"
                    ));
                }
            }
        }
        Some(Value::Array(_)) => errors.push(format!(
            "must have {min} to {max} items [json-pointer:{here}/elements]"
        )),
        _ => errors.push(format!(
            "missing required field: elements [json-pointer:{here}/elements]"
        )),
    };
    match kind {
        "section" => {
            let text = b.get("text");
            let fields = b.get("fields");
            if text.is_none() && fields.is_none() {
                errors.push(format!(
                    "must provide either `text` or `fields` [json-pointer:{here}]"
                ));
            }
            if let Some(t) = text {
                check_text(t, &format!("{here}/text"), None, 3000, errors);
            }
            match fields {
                None => {}
                Some(Value::Array(list)) if list.len() <= 10 => {
                    for (i, f) in list.iter().enumerate() {
                        check_text(f, &format!("{here}/fields/{i}"), None, 2000, errors);
                    }
                }
                Some(_) => errors.push(format!(
                    "must be an array of at most 10 text objects [json-pointer:{here}/fields]"
                )),
            }
        }
        "header" => match b.get("text").filter(|t| !t.is_null()) {
            Some(t) => check_text(t, &format!("{here}/text"), Some("plain_text"), 150, errors),
            None => {
                need("text", errors);
            }
        },
        "image" => {
            need("alt_text", errors);
            if b.get("image_url").is_none() && b.get("slack_file").is_none() {
                errors.push(format!(
                    "must provide either `image_url` or `slack_file` [json-pointer:{here}]"
                ));
            }
        }
        "actions" => elements(1, 25, errors),
        "context" => elements(1, 10, errors),
        "rich_text" => elements(1, usize::MAX, errors),
        "input" => {
            match b.get("label").filter(|t| !t.is_null()) {
                Some(t) => check_text(
                    t,
                    &format!("{here}/label"),
                    Some("plain_text"),
                    2000,
                    errors,
                ),
                None => {
                    need("label", errors);
                }
            }
            if need("element", errors)
                && b.get("element")
                    .and_then(|e| e.get("type"))
                    .and_then(Value::as_str)
                    .is_none()
            {
                errors.push(format!(
                    "must provide a string [json-pointer:{here}/element/type]"
                ));
            }
        }
        "markdown" => {
            need("text", errors);
        }
        "video" => {
            for name in ["alt_text", "title", "thumbnail_url", "video_url"] {
                need(name, errors);
            }
        }
        "file" => {
            need("external_id", errors);
            need("source", errors);
        }
        _ => {}
    }
}

/// A text object: `{"type": "plain_text" | "mrkdwn", "text": "…"}`, 1 to `max` characters.
fn check_text(t: &Value, at: &str, only: Option<&str>, max: usize, errors: &mut Vec<String>) {
    let Value::Object(t) = t else {
        return errors.push(format!("must provide an object [json-pointer:{at}]"));
    };
    match (t.get("type").and_then(Value::as_str), only) {
        (Some(kind), Some(only)) if kind != only => errors.push(format!(
            "must be a valid enum value [json-pointer:{at}/type]"
        )),
        (Some("plain_text" | "mrkdwn"), _) => {}
        _ => errors.push(format!(
            "must be a valid enum value [json-pointer:{at}/type]"
        )),
    }
    match t.get("text").and_then(Value::as_str) {
        None => errors.push(format!("must provide a string [json-pointer:{at}/text]")),
        Some("") => errors.push(format!(
            "must be more than 0 characters [json-pointer:{at}/text]"
        )),
        Some(s) if s.chars().count() > max => errors.push(format!(
            "must be less than {} characters [json-pointer:{at}/text]",
            max + 1
        )),
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_blocks_pass() {
        let blocks = json!([
            {"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"},
             "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}},
            {"type": "divider"},
            {"type": "header", "text": {"type": "plain_text", "text": "Title"}},
            {"type": "actions", "block_id": "a", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x"}}]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "small"}]},
            {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"},
            {"type": "input", "label": {"type": "plain_text", "text": "Name"}, "element": {"type": "plain_text_input"}},
        ]);
        assert_eq!(check_message_blocks(&blocks), Ok(()));
    }

    #[test]
    fn bad_blocks_say_where() {
        let e = check_message_blocks(&json!({"type": "divider"})).unwrap_err();
        assert_eq!(e.code, "invalid_blocks_format");
        let e = check_message_blocks(&json!([
            {"type": "sektion"},
            {"type": "section"},
            {"type": "header", "text": {"type": "mrkdwn", "text": "x"}},
            {"type": "divider", "block_id": "d"},
            {"type": "divider", "block_id": "d"},
            {"type": "actions", "elements": []},
            "text",
        ]))
        .unwrap_err();
        assert_eq!(e.code, "invalid_blocks");
        let errors: Vec<&str> = e.extra["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            errors,
            [
                "unsupported type: sektion [json-pointer:/blocks/0/type]",
                "must provide either `text` or `fields` [json-pointer:/blocks/1]",
                "must be a valid enum value [json-pointer:/blocks/2/text/type]",
                "duplicate block_id `d` [json-pointer:/blocks/4/block_id]",
                "must have 1 to 25 items [json-pointer:/blocks/5/elements]",
                "must be an object [json-pointer:/blocks/6]",
            ]
        );
        assert_eq!(
            e.extra["response_metadata"]["messages"][0],
            "[ERROR] unsupported type: sektion [json-pointer:/blocks/0/type]"
        );
    }

    #[test]
    fn views_need_a_title_and_a_submit_with_inputs() {
        let ok = json!({"type": "modal", "title": {"type": "plain_text", "text": "Hi"},
            "submit": {"type": "plain_text", "text": "Send"},
            "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "x"}, "element": {"type": "plain_text_input"}}]});
        assert!(check_view(&ok, true, false).is_empty());
        let home = json!({"type": "home", "blocks": []});
        assert!(check_view(&home, false, true).is_empty());
        assert_eq!(
            check_view(&home, true, false),
            ["[ERROR] must be a modal view [json-pointer:/view/type]"]
        );
        let bad = json!({"type": "modal", "title": {"type": "plain_text", "text": "a title much longer than twenty-four"},
            "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "x"}, "element": {"type": "plain_text_input"}}]});
        assert_eq!(
            check_view(&bad, true, false),
            [
                "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
                "[ERROR] must provide `submit` when the view has input blocks [json-pointer:/view/submit]",
            ]
        );
        assert_eq!(check_view(&json!("x"), true, false).len(), 1);
    }
}
