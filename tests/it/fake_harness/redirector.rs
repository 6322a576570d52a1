//! A server that answers every request with a redirect, over plain HTTP or
//! TLS (a self-signed certificate for 127.0.0.1, handed to the client with
//! `--ca-cert`): the other end of the redirect tests. It records what it was
//! asked, and whether the request carried a credential header, never the
//! credential itself.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// One request the redirector saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    /// An `x-api-key` or `Authorization` header was sent.
    pub credential: bool,
}

/// A running redirector; dropping it stops it.
pub struct Redirector {
    addr: SocketAddr,
    tls: bool,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// PEM of the self-signed certificate (TLS only).
    pub ca_pem: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Redirector {
    /// Redirects `METHOD /path?q` to `to` + `/path?q` with `status`.
    pub fn start(tls: bool, to: &str, status: u16) -> Redirector {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("addr");
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
            .expect("self-signed certificate");
        let ca_pem = cert.cert.pem();
        let acceptor = tls.then(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_no_client_auth()
                .with_single_cert(
                    vec![cert.cert.der().clone()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into()),
                )
                .expect("server certificate");
            tokio_rustls::TlsAcceptor::from(Arc::new(config))
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let to = to.trim_end_matches('/').to_string();
        let seen2 = seen.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let serve = async {
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else {
                            continue;
                        };
                        let (acceptor, to, seen) = (acceptor.clone(), to.clone(), seen2.clone());
                        tokio::spawn(async move {
                            match acceptor {
                                Some(a) => {
                                    if let Ok(stream) = a.accept(tcp).await {
                                        answer(stream, &to, status, &seen).await;
                                    }
                                }
                                None => answer(tcp, &to, status, &seen).await,
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = rx => {}
                }
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        });
        Redirector {
            addr,
            tls,
            seen,
            ca_pem,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `https://127.0.0.1:PORT` or `http://…`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The requests seen, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Writes the certificate to `path` (for `--ca-cert`).
    pub fn write_ca(&self, path: &std::path::Path) {
        let mut f = std::fs::File::create(path).expect("ca file");
        f.write_all(self.ca_pem.as_bytes()).expect("write ca");
    }
}

impl Drop for Redirector {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn answer<S>(mut stream: S, to: &str, status: u16, seen: &Mutex<Vec<Seen>>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let credential = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("x-api-key:") || l.starts_with("authorization:")
    });
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(Seen {
        path: path.clone(),
        credential,
    });
    let resp = format!(
        "HTTP/1.1 {status} Redirect\r\nLocation: {to}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}
