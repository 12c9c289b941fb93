//! A bound on open connections, shared by the HTTP and gRPC listeners.
//!
//! The request limit (`CollectorConfig::max_concurrent_requests`) bounds
//! work in progress, but every idle keep-alive or half-open connection also
//! holds a socket, buffers and a task. [`LimitedListener`] accepts a
//! connection only while it can take a permit for it and gives the permit
//! back when the connection closes; past the limit, new connections wait in
//! the kernel's backlog instead of being accepted without bound.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A listener whose connections, with those of every listener sharing its
/// permits, are at most the permits' number.
pub struct LimitedListener {
    listener: TcpListener,
    permits: Arc<Semaphore>,
}

/// An accepted connection, holding its permit until it is dropped.
pub struct LimitedStream {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl LimitedListener {
    /// Wraps `listener`; `permits` may be shared with other listeners.
    pub fn new(listener: TcpListener, permits: Arc<Semaphore>) -> Self {
        LimitedListener { listener, permits }
    }

    /// Waits for a free permit, then for a connection.
    pub async fn accept(&mut self) -> (LimitedStream, std::net::SocketAddr) {
        loop {
            let Ok(permit) = self.permits.clone().acquire_owned().await else {
                // The semaphore is never closed; wait as if it were full.
                std::future::pending::<()>().await;
                unreachable!()
            };
            match self.listener.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (
                        LimitedStream {
                            stream,
                            _permit: permit,
                        },
                        addr,
                    );
                }
                Err(e) => {
                    // Out of file descriptors and the like: retrying at once
                    // would spin.
                    tracing::warn!(error = %e, "Could not accept a connection.");
                    drop(permit);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// The address listened on.
    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// The connections, as the stream tonic serves.
    pub fn into_incoming(
        self,
    ) -> impl futures_util::Stream<Item = Result<LimitedStream, io::Error>> + Send + 'static {
        futures_util::stream::unfold(self, |mut listener| async move {
            let (stream, _) = listener.accept().await;
            Some((Ok(stream), listener))
        })
    }
}

impl axum::serve::Listener for LimitedListener {
    type Io = LimitedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        LimitedListener::accept(self).await
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        LimitedListener::local_addr(self)
    }
}

impl tonic::transport::server::Connected for LimitedStream {
    type ConnectInfo = tonic::transport::server::TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for LimitedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    #[tokio::test]
    async fn connections_past_the_limit_wait_until_one_closes() {
        let permits = Arc::new(Semaphore::new(2));
        let mut a = LimitedListener::new(
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
            permits.clone(),
        );
        let mut b = LimitedListener::new(
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
            permits.clone(),
        );
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let _c1 = TcpStream::connect(a_addr).await.unwrap();
        let _c2 = TcpStream::connect(b_addr).await.unwrap();
        let _c3 = TcpStream::connect(a_addr).await.unwrap();
        let (first, _) = a.accept().await;
        let (_second, _) = b.accept().await;
        assert_eq!(permits.available_permits(), 0);
        // The third (in a's backlog) is not accepted while both permits
        // are held by the other listener's and this one's connections: the
        // accept waits for a permit before it looks at the backlog, so its
        // first poll is pending whatever the socket's state...
        let mut third = std::pin::pin!(a.accept());
        let pending =
            std::future::poll_fn(|cx| std::task::Poll::Ready(third.as_mut().poll(cx).is_pending()))
                .await;
        assert!(pending);
        // ...and it is accepted as soon as one of them closes.
        drop(first);
        let (third, _) = third.await;
        assert_eq!(permits.available_permits(), 0);
        drop(third);
        assert_eq!(permits.available_permits(), 1);
    }
}
