//! Misbehaving web servers on a loopback address, written on raw TCP because
//! a well-behaved HTTP server library will not misbehave: bodies that drip a
//! byte at a time, never end, or lie about their length, and feeds far
//! larger than any real one, generated as they are sent so the test process
//! does not hold them. Each server reads one request per connection (its
//! head, at most 64 KiB), counts it, answers, and stops writing as soon as
//! the client goes away.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a [`HostileServer`] answers every request.
#[derive(Debug, Clone)]
pub enum Misbehaviour {
    /// A 200 with a `Content-Length` of `declared` bytes whose body comes
    /// one byte every `interval`, forever (slowloris, the server side).
    SlowDripBody { declared: u64, interval: Duration },
    /// The status line and headers one byte every `interval`: the body
    /// never comes.
    SlowDripHeaders { interval: Duration },
    /// `Transfer-Encoding: chunked`, 64 KiB chunks as fast as the client
    /// reads them, and never the last chunk.
    EndlessChunked,
    /// Declares a `Content-Length` of `declared` bytes, sends `sent` bytes,
    /// then closes the connection (`hold: false`) or keeps it open without
    /// sending more (`hold: true`).
    LyingLength { declared: u64, sent: usize, hold: bool },
    /// An RSS 2.0 feed of `entries` items of about `item_bytes` bytes each,
    /// chunked (no length declared), generated as it is sent.
    HugeFeed { entries: usize, item_bytes: usize },
}

/// A raw-TCP server that misbehaves as told; stops when dropped.
pub struct HostileServer {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HostileServer {
    /// Binds an ephemeral port on 127.0.0.1.
    pub async fn start(behaviour: Misbehaviour) -> std::io::Result<HostileServer> {
        Self::start_on("127.0.0.1:0", behaviour).await
    }

    /// Binds the given address (use port 0 for an ephemeral one).
    pub async fn start_on(bind: &str, behaviour: Misbehaviour) -> std::io::Result<HostileServer> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let behaviour = behaviour.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    // Errors only mean the client went away: that is the
                    // point of every one of these answers.
                    let _ = serve(stream, &behaviour, &counter).await;
                });
            }
        });
        Ok(HostileServer { addr, hits, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests received (heads read in full).
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the request head (up to the blank line, at most 64 KiB).
async fn read_head(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 64 * 1024 {
            return Err(std::io::Error::other("request head too long"));
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

async fn serve(mut stream: TcpStream, behaviour: &Misbehaviour, hits: &AtomicUsize) -> std::io::Result<()> {
    read_head(&mut stream).await?;
    hits.fetch_add(1, Ordering::SeqCst);
    match behaviour {
        Misbehaviour::SlowDripBody { declared, interval } => {
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {declared}\r\n\r\n<");
            stream.write_all(head.as_bytes()).await?;
            loop {
                tokio::time::sleep(*interval).await;
                stream.write_all(b" ").await?;
                stream.flush().await?;
            }
        }
        Misbehaviour::SlowDripHeaders { interval } => {
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Padding: ".iter() {
                stream.write_all(&[*byte]).await?;
                stream.flush().await?;
                tokio::time::sleep(*interval).await;
            }
            loop {
                stream.write_all(b"a").await?;
                stream.flush().await?;
                tokio::time::sleep(*interval).await;
            }
        }
        Misbehaviour::EndlessChunked => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await?;
            let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
            chunk.extend(std::iter::repeat_n(b'x', 64 * 1024));
            chunk.extend_from_slice(b"\r\n");
            loop {
                stream.write_all(&chunk).await?;
            }
        }
        Misbehaviour::LyingLength { declared, sent, hold } => {
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {declared}\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            let block = [b'x'; 8192];
            let mut left = *sent;
            while left > 0 {
                let n = left.min(block.len());
                stream.write_all(&block[..n]).await?;
                left -= n;
            }
            stream.flush().await?;
            if *hold {
                // Keep the connection open, silent, until the client leaves.
                let mut buf = [0u8; 1024];
                while stream.read(&mut buf).await? > 0 {}
            }
            Ok(())
        }
        Misbehaviour::HugeFeed { entries, item_bytes } => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await?;
            write_chunk(
                &mut stream,
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
                  <title>Everything, always</title><link>http://huge.example/</link>\n",
            )
            .await?;
            let mut batch = String::new();
            for i in 0..*entries {
                batch.push_str(&huge_feed_item(i, *item_bytes));
                if batch.len() >= 64 * 1024 {
                    write_chunk(&mut stream, batch.as_bytes()).await?;
                    batch.clear();
                }
            }
            batch.push_str("</channel></rss>\n");
            write_chunk(&mut stream, batch.as_bytes()).await?;
            stream.write_all(b"0\r\n\r\n").await?;
            stream.flush().await
        }
    }
}

async fn write_chunk(stream: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    stream.write_all(format!("{:x}\r\n", data.len()).as_bytes()).await?;
    stream.write_all(data).await?;
    stream.write_all(b"\r\n").await
}

/// Item `i` of [`Misbehaviour::HugeFeed`], padded to about `bytes` bytes.
pub fn huge_feed_item(i: usize, bytes: usize) -> String {
    let mut item = format!(
        "<item><title>Entry {i}</title><link>http://huge.example/{i}</link>\
         <guid>http://huge.example/{i}</guid><description>"
    );
    let end = "</description></item>\n";
    while item.len() + end.len() < bytes {
        item.push_str("word ");
    }
    item.push_str(end);
    item
}
