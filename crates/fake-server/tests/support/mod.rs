//! What the fake server's integration tests share.

/// A Socket Mode WebSocket URL from the fake's `apps.connections.open`, for a raw client.
pub async fn socket_url(api_url: &str) -> String {
    let web = slackline_tokio::WebClient::builder("xapp-1-A1-1-secret")
        .api_url(api_url)
        .build()
        .unwrap();
    let answer = web.call("apps.connections.open", &[]).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    body["url"].as_str().unwrap().to_owned()
}
