//! HTTPS served directly: a certificate chain and its private key in PEM files, read once at
//! start (`homeward serve --tls-cert FILE --tls-key FILE`). rustls over ring; TLS 1.2 and 1.3
//! only, HTTP/1.1 announced by ALPN. Behind a TLS proxy instead, `public_url` says https and the
//! server speaks plain HTTP to the proxy.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

/// Why the certificate or key could not be used; names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{}: {what}", path.display())]
    File { path: PathBuf, what: String },
    #[error("{} and {}: {what}", cert.display(), key.display())]
    Pair { cert: PathBuf, key: PathBuf, what: String },
}

/// The server side of TLS, ready for every connection (cheap to clone).
#[derive(Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls { .. }")
    }
}

impl Tls {
    /// Reads the certificate chain (leaf first) from `cert` and the private key (PKCS#8, PKCS#1
    /// or SEC1) from `key`, and checks that they belong together.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let file_error = |path: &Path, what: String| TlsError::File {
            path: path.to_owned(),
            what,
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| file_error(cert, format!("cannot read certificates: {e}")))?
            .collect::<Result<_, _>>()
            .map_err(|e| file_error(cert, format!("not a PEM certificate chain: {e}")))?;
        if chain.is_empty() {
            return Err(file_error(cert, "no CERTIFICATE block".to_owned()));
        }
        let private = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| file_error(key, format!("no usable private key (PKCS#8, PKCS#1 or SEC1 PEM): {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| file_error(cert, e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| TlsError::Pair {
                cert: cert.to_owned(),
                key: key.to_owned(),
                what: format!("the key does not fit the certificate: {e}"),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            config: Arc::new(config),
        })
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}
