//! The arena over TLS, speaking HTTP/2 or HTTP/1.1 as the client's ALPN asks, for the
//! HTTP/2 test: the arena's own router ([`silk_arena::Arena::respond`]) behind tokio-rustls
//! and hyper-util's auto server (h2 and http/1.1 offered in that order), on 127.0.0.1, on a
//! background thread with its own runtime. Dropping it stops the server.

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use silk_arena::{Arena, ArenaConfig};
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A running TLS arena.
pub struct TlsArena {
    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    pub arena: Arena,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsArena {
    /// Serves a new arena for `config` with the certificate chain in `cert` and the key in
    /// `key` (PEM files); panics if they cannot be read or the port cannot be bound.
    pub fn start(config: ArenaConfig, cert: &Path, key: &Path) -> TlsArena {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .expect("certificate file")
            .collect::<Result<_, _>>()
            .expect("PEM certificates");
        let key = PrivateKeyDer::from_pem_file(key).expect("PEM private key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("a usable certificate and key");
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(tls));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let arena = Arena::new(config);
        let served = arena.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                tokio::select! {
                    _ = accept_loop(listener, acceptor, served) => {}
                    _ = stopped => {}
                }
            });
            // Open connections end with the runtime.
            runtime.shutdown_background();
        });
        TlsArena {
            url,
            arena,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, acceptor: TlsAcceptor, arena: Arena) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        let (acceptor, arena) = (acceptor.clone(), arena.clone());
        tokio::spawn(async move {
            // A client that refuses the certificate ends here.
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let service = service_fn(move |req| {
                let arena = arena.clone();
                async move { arena.respond(req).await }
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Drop for TlsArena {
    fn drop(&mut self) {
        self.stop.take().map(|stop| stop.send(()));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
