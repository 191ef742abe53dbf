//! One HTTP/1.1 exchange over a blocking stream, with ureq-proto's sans-IO client doing the
//! protocol (request head, body framing, response parsing, chunked bodies); this module only
//! moves the bytes.

use std::io::{self, Read, Write};
use std::time::Instant;

use http::{HeaderMap, StatusCode};
use ureq_proto::client::{Call, RecvResponseResult, SendRequestResult};
use ureq_proto::BodyMode;

use crate::net::remaining;

/// A response, read to the end of its body.
#[derive(Debug)]
pub(crate) struct Exchanged {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// Bytes came after the response (for a CONNECT: the proxy spoke out of turn).
    pub(crate) leftover: bool,
}

fn protocol(error: ureq_proto::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error.to_string())
}

/// Sends `request` with `body` and reads the response, all by `deadline`.
pub(crate) fn exchange<S: Read + Write>(
    io: &mut S,
    request: http::Request<()>,
    body: &[u8],
    max_body: usize,
    deadline: Instant,
) -> io::Result<Exchanged> {
    let mut out = vec![0u8; 16 * 1024];
    let mut call = Call::new(request).map_err(protocol)?.proceed();
    while !call.can_proceed() {
        let n = call.write(&mut out).map_err(protocol)?;
        if n == 0 {
            return Err(io::Error::other("the request head could not be written"));
        }
        io.write_all(&out[..n])?;
    }
    let mut recv = match call.proceed().map_err(protocol)? {
        Some(SendRequestResult::RecvResponse(recv)) => recv,
        Some(SendRequestResult::SendBody(mut send)) => {
            let mut sent = 0;
            while !send.can_proceed() {
                let (used, n) = send.write(&body[sent..], &mut out).map_err(protocol)?;
                if used == 0 && n == 0 {
                    return Err(io::Error::other("the request body could not be written"));
                }
                io.write_all(&out[..n])?;
                sent += used;
            }
            send.proceed()
                .ok_or_else(|| io::Error::other("the request body was not finished"))?
        }
        Some(SendRequestResult::Await100(_)) | None => {
            return Err(io::Error::other("unexpected request state"))
        }
    };
    io.flush()?;

    let mut input = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let mut fill = |io: &mut S, input: &mut Vec<u8>| -> io::Result<usize> {
        remaining(deadline)?;
        let n = io.read(&mut chunk)?;
        input.extend_from_slice(&chunk[..n]);
        Ok(n)
    };
    let response = loop {
        let (used, response) = recv.try_response(&input, false).map_err(protocol)?;
        input.drain(..used);
        if let Some(response) = response {
            break response;
        }
        if used == 0 && fill(io, &mut input)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection ended before the response",
            ));
        }
    };
    let (parts, ()) = response.into_parts();
    let mut body = Vec::new();
    if let Some(RecvResponseResult::RecvBody(mut reader)) = recv.proceed() {
        let until_eof = matches!(reader.body_mode(), BodyMode::CloseDelimited);
        loop {
            if !until_eof && reader.can_proceed() {
                break;
            }
            if input.is_empty() && fill(io, &mut input)? == 0 {
                if until_eof {
                    break;
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection ended inside the response body",
                ));
            }
            let (used, n) = reader.read(&input, &mut out).map_err(protocol)?;
            input.drain(..used);
            body.extend_from_slice(&out[..n]);
            if body.len() > max_body {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "response body too large",
                ));
            }
        }
    }
    Ok(Exchanged {
        status: parts.status,
        headers: parts.headers,
        body,
        leftover: !input.is_empty(),
    })
}
