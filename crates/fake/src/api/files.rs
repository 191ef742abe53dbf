//! File upload v2: `files.getUploadURLExternal` reserves a file id and an upload URL, the client
//! POSTs the bytes there ([`receive_upload`]), `files.completeUploadExternal` finishes the upload
//! and shares the files in a channel (a message with `files`).

use serde_json::{json, Value};

use super::args::Args;
use super::reply::{Answer, ApiError};
use super::workspace::{Message, Upload, Workspace};
use super::Ctx;

/// Slack refuses files over 1 GB.
const MAX_FILE: i64 = 1 << 30;

pub(super) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    Some(match method {
        "files.getUploadURLExternal" => get_upload_url(ws, cx, args),
        "files.completeUploadExternal" => complete(ws, cx, args),
        _ => return None,
    })
}

/// The key of an upload URL the fake handed out (`…/upload/v1/<key>`).
pub(crate) fn upload_key(target: &str) -> Option<&str> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let key = path.rsplit_once("/upload/v1/")?.1.trim_end_matches('/');
    (!key.is_empty() && !key.contains('/')).then_some(key)
}

/// Bytes POSTed to an upload URL: the upload's file id, or `None` when the URL is not one the
/// fake handed out, or its upload was completed already.
pub(crate) fn receive_upload(ws: &mut Workspace, target: &str, bytes: usize) -> Option<String> {
    let key = upload_key(target)?;
    let upload = ws
        .uploads
        .iter_mut()
        .find(|u| u.key == key && !u.completed)?;
    upload.received = Some(bytes as u64);
    Some(upload.file_id.clone())
}

fn get_upload_url(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "files:write")?;
    let Some(filename) = args.string("filename") else {
        return Err(ApiError::missing("filename"));
    };
    let length = match args.integer("length") {
        Ok(Some(n)) if (1..=MAX_FILE).contains(&n) => n as u64,
        Ok(None) => return Err(ApiError::missing("length")),
        _ => {
            return Err(ApiError::invalid(
                "length",
                "must be a number of bytes from 1 to 1073741824",
            ))
        }
    };
    let file_id = ws.new_id('F');
    let key = cx.key();
    let upload_url = format!(
        "{}/upload/v1/{key}",
        cx.files_base_url.trim_end_matches('/')
    );
    ws.uploads.push(Upload {
        file_id: file_id.clone(),
        key,
        filename,
        length,
        user: cx.caller.user.clone(),
        created: cx.unix(),
        received: None,
        title: None,
        completed: false,
        shared_in: None,
        reserved_ms: cx.at_ms,
    });
    Ok(json!({ "upload_url": upload_url, "file_id": file_id }))
}

/// A MIME type from a file name.
fn mimetype(filename: &str) -> (&'static str, &'static str) {
    let ext = filename
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "png" => ("image/png", "png"),
        "jpg" | "jpeg" => ("image/jpeg", "jpg"),
        "gif" => ("image/gif", "gif"),
        "pdf" => ("application/pdf", "pdf"),
        "csv" => ("text/csv", "csv"),
        "json" => ("application/json", "json"),
        "txt" | "log" => ("text/plain", "text"),
        _ => ("application/octet-stream", "binary"),
    }
}

/// A file as messages and `files.*` answers carry it.
fn file_json(ws: &Workspace, u: &Upload) -> Value {
    let (mimetype, filetype) = mimetype(&u.filename);
    let base = format!(
        "https://files.slack.com/files-pri/{}-{}",
        ws.team.team_id, u.file_id
    );
    json!({
        "id": u.file_id,
        "created": u.created,
        "timestamp": u.created,
        "name": u.filename,
        "title": u.title.clone().unwrap_or_else(|| u.filename.clone()),
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.to_uppercase(),
        "user": u.user,
        "user_team": ws.team.team_id,
        "editable": false,
        "size": u.received.unwrap_or(u.length),
        "mode": "hosted",
        "is_external": false,
        "external_type": "",
        "is_public": u.shared_in.as_deref().is_some_and(|c| c.starts_with('C')),
        "public_url_shared": false,
        "display_as_bot": false,
        "username": "",
        "url_private": format!("{base}/{}", u.filename),
        "url_private_download": format!("{base}/download/{}", u.filename),
        "permalink": format!("https://{}.slack.com/files/{}/{}/{}", ws.team.team_domain, u.user, u.file_id, u.filename),
        "has_rich_preview": false,
        "file_access": "visible",
    })
}

fn complete(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "files:write")?;
    let files = match args.json("files") {
        Ok(Some(Value::Array(files))) if !files.is_empty() => files,
        Ok(None) => return Err(ApiError::missing("files")),
        _ => {
            return Err(ApiError::invalid(
                "files",
                "must be an array of {\"id\",\"title\"} objects",
            ))
        }
    };
    let mut picked = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let Some(id) = f.get("id").and_then(Value::as_str) else {
            return Err(ApiError::invalid(
                &format!("files/{i}/id"),
                "must provide a string",
            ));
        };
        let title = f.get("title").and_then(Value::as_str).map(str::to_owned);
        // Reserved, uploaded and not completed yet; anything else is not a file to complete.
        let found = ws
            .uploads
            .iter()
            .position(|u| u.file_id == id && u.received.is_some() && !u.completed)
            .ok_or_else(|| ApiError::new("file_not_found"))?;
        picked.push((found, title));
    }
    let channel = match args
        .string("channel_id")
        .or_else(|| args.string("channels"))
    {
        None => None,
        Some(name) => {
            let name = name.split(',').next().unwrap_or_default().trim().to_owned();
            let id = ws.joined(&name, &cx.caller)?;
            if ws.channel(&id)?.archived {
                return Err(ApiError::new("is_archived"));
            }
            Some(id)
        }
    };
    for (i, title) in &picked {
        let upload = &mut ws.uploads[*i];
        upload.completed = true;
        upload.title = title.clone().or_else(|| Some(upload.filename.clone()));
        upload.shared_in = channel.clone();
    }
    let shown: Vec<Value> = picked
        .iter()
        .map(|(i, _)| file_json(ws, &ws.uploads[*i]))
        .collect();
    if let Some(channel) = &channel {
        let message = Message {
            ts: cx.ts(),
            user: cx.caller.user.clone(),
            bot_id: cx.caller.bot_id.clone(),
            app_id: cx.caller.app_id.clone(),
            text: args.string("initial_comment").unwrap_or_default(),
            files: shown.clone(),
            thread_ts: args.string("thread_ts"),
            ..Message::default()
        };
        ws.add_message(channel, message)?;
    }
    let files: Vec<Value> = picked
        .iter()
        .map(|(i, _)| {
            let u = &ws.uploads[*i];
            json!({ "id": u.file_id, "title": u.title })
        })
        .collect();
    Ok(json!({ "files": files }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use serde_json::json;

    #[test]
    fn upload_urls_name_their_key() {
        assert_eq!(upload_key("http://127.0.0.1:9/upload/v1/abc"), Some("abc"));
        assert_eq!(upload_key("/upload/v1/abc?x=1"), Some("abc"));
        assert_eq!(upload_key("/upload/v1/"), None);
        assert_eq!(upload_key("/api/chat.postMessage"), None);
    }

    #[test]
    fn reserve_upload_complete_share() {
        let mut h = Harness::new();
        let url = h.ok(
            "files.getUploadURLExternal",
            json!({"filename": "report.csv", "length": 11}),
        );
        let upload_url = url["upload_url"].as_str().unwrap().to_owned();
        let file_id = url["file_id"].as_str().unwrap().to_owned();
        assert!(
            upload_url.starts_with("http://files.test/upload/v1/"),
            "{upload_url}"
        );
        let complete = json!({"files": [{"id": file_id, "title": "Report"}], "channel_id": "C0GENERAL", "initial_comment": "here"});
        assert_eq!(
            h.error("files.completeUploadExternal", complete.clone()),
            "file_not_found",
            "not uploaded yet"
        );
        assert_eq!(
            receive_upload(&mut h.ws, &upload_url, 11).as_deref(),
            Some(file_id.as_str())
        );
        assert_eq!(receive_upload(&mut h.ws, "/upload/v1/nope", 1), None);
        let done = h.ok("files.completeUploadExternal", complete.clone());
        assert_eq!(done["files"], json!([{"id": file_id, "title": "Report"}]));
        assert_eq!(
            h.error("files.completeUploadExternal", complete),
            "file_not_found",
            "completed already"
        );
        assert_eq!(
            receive_upload(&mut h.ws, &upload_url, 11),
            None,
            "the URL is spent"
        );
        let shared =
            h.ok("conversations.history", json!({"channel": "C0GENERAL"}))["messages"][0].clone();
        assert_eq!(shared["text"], "here");
        assert_eq!(shared["files"][0]["id"], file_id.as_str());
        assert_eq!(shared["files"][0]["mimetype"], "text/csv");
        assert_eq!(shared["files"][0]["size"], 11);
    }

    #[test]
    fn upload_errors() {
        let mut h = Harness::new();
        assert_eq!(
            h.error("files.getUploadURLExternal", json!({"length": 3})),
            "invalid_arguments"
        );
        assert_eq!(
            h.error("files.getUploadURLExternal", json!({"filename": "a"})),
            "invalid_arguments"
        );
        assert_eq!(
            h.error(
                "files.getUploadURLExternal",
                json!({"filename": "a", "length": 0})
            ),
            "invalid_arguments"
        );
        assert_eq!(
            h.error("files.completeUploadExternal", json!({})),
            "invalid_arguments"
        );
        assert_eq!(
            h.error(
                "files.completeUploadExternal",
                json!({"files": [{"id": "F1"}]})
            ),
            "file_not_found"
        );
        let url = h.ok(
            "files.getUploadURLExternal",
            json!({"filename": "a.png", "length": 3}),
        );
        receive_upload(&mut h.ws, url["upload_url"].as_str().unwrap(), 3);
        let files = json!([{"id": url["file_id"]}]);
        assert_eq!(
            h.error(
                "files.completeUploadExternal",
                json!({"files": files, "channel_id": "C0RANDOM"})
            ),
            "not_in_channel"
        );
        // Without a channel the file stays private to the uploader.
        let done = h.ok("files.completeUploadExternal", json!({"files": files}));
        assert_eq!(done["files"][0]["title"], "a.png");
    }
}
