//! The HTTP side of the one port: reads a request head (bounded in size and time), answers
//! `/healthz`, `/metrics` and the dashboard itself, and completes the WebSocket upgrade of
//! `/ws` by hand so that the bytes already read are handed on to the WebSocket.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// The largest request head accepted.
pub const MAX_HEAD: usize = 8 * 1024;

/// A parsed request head.
#[derive(Debug)]
pub struct Head {
    /// `GET`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Bytes read after the head (the start of the WebSocket stream, if any).
    pub rest: Vec<u8>,
}

impl Head {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether it asks for a WebSocket upgrade.
    pub fn is_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
            && self
                .header("connection")
                .is_some_and(|v| v.to_ascii_lowercase().contains("upgrade"))
    }

    /// The API key of an `Authorization: Bearer` header.
    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?;
        let (scheme, key) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
    }
}

/// Why a request head could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadError {
    /// The connection closed first.
    Closed,
    /// Longer than [`MAX_HEAD`].
    TooLarge,
    /// Not HTTP/1.1.
    Malformed,
}

/// Reads a request head: at most [`MAX_HEAD`] bytes up to and including its blank line,
/// however the bytes arrive.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Head, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Closed)?;
        if n == 0 {
            return Err(HeadError::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
        match find(&buf, b"\r\n\r\n") {
            Some(end) if end + 4 > MAX_HEAD => return Err(HeadError::TooLarge),
            Some(end) => {
                let rest = buf.split_off(end + 4);
                return parse(&buf, rest);
            }
            None if buf.len() >= MAX_HEAD => return Err(HeadError::TooLarge),
            None => {}
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse(head: &[u8], rest: Vec<u8>) -> Result<Head, HeadError> {
    let text = core::str::from_utf8(head).map_err(|_| HeadError::Malformed)?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next().ok_or(HeadError::Malformed)?.split(' ');
    let (Some(method), Some(target), Some(version)) = (first.next(), first.next(), first.next())
    else {
        return Err(HeadError::Malformed);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(HeadError::Malformed);
    }
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let headers = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').ok_or(HeadError::Malformed)?;
            Ok((n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        })
        .collect::<Result<_, _>>()?;
    Ok(Head {
        method: method.to_owned(),
        path,
        headers,
        rest,
    })
}

/// Plain text, the type of every answer but the pages and the metrics.
pub const TEXT: &str = "text/plain; charset=utf-8";

/// One HTTP answer: status line, content type and body.
#[derive(Debug)]
pub struct Page {
    /// `200 OK`, ...
    pub status: &'static str,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: std::borrow::Cow<'static, [u8]>,
}

impl Page {
    /// A plain-text answer.
    pub fn text(status: &'static str, body: &'static [u8]) -> Self {
        Self {
            status,
            content_type: TEXT,
            body: body.into(),
        }
    }

    /// A `200 OK` of a file built into the binary.
    pub fn fixed(content_type: &'static str, body: &'static [u8]) -> Self {
        Self {
            status: "200 OK",
            content_type,
            body: body.into(),
        }
    }

    /// An answer whose body was made for this request.
    pub fn owned(status: &'static str, content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
        }
    }
}

/// Writes a complete response and closes the exchange (no keep-alive: the port's HTTP is for
/// probes, scrapes and one page). `head_only` answers a HEAD: the same head, no body.
pub async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    page: &Page,
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        page.status,
        page.content_type,
        page.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if !head_only {
        stream.write_all(&page.body).await?;
    }
    stream.flush().await
}

/// Completes the WebSocket handshake (RFC 6455 §4.2.2), or says why it cannot.
pub async fn accept_upgrade<S: AsyncWrite + Unpin>(
    stream: &mut S,
    head: &Head,
) -> Result<(), &'static str> {
    let key = head
        .header("sec-websocket-key")
        .ok_or("missing Sec-WebSocket-Key")?;
    if head.header("sec-websocket-version") != Some("13") {
        return Err("Sec-WebSocket-Version must be 13");
    }
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream
        .write_all(response.as_bytes())
        .await
        .map_err(|_| "closed")?;
    stream.flush().await.map_err(|_| "closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head() {
        let raw = b"GET /ws?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nAuthorization: Bearer k1\r\n\r\n";
        let h = parse(&raw[..raw.len() - 4], vec![1, 2]).expect("head");
        assert_eq!((h.method.as_str(), h.path.as_str()), ("GET", "/ws"));
        assert!(h.is_upgrade());
        assert_eq!(h.bearer(), Some("k1"));
        assert_eq!(h.rest, vec![1, 2]);
        assert_eq!(
            parse(b"GARBAGE", Vec::new()).err(),
            Some(HeadError::Malformed)
        );
    }
}
