//! The registry's secret key and HMAC-SHA256 under it: what signs the audit chain and its anchor,
//! backups' manifests and the digests of profiles (so that a tombstone or an audit entry tells
//! nothing to someone who holds a copy of the erased genotypes but not the key).
//!
//! The key is never stored in the database it protects, or a copy of the database would carry
//! it; where it comes from (the environment, a key file) is the application's business
//! (`casework::key`). Here it is only bytes and the MACs they give.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Fewer bytes than this are guessable.
pub const MIN_KEY_BYTES: usize = 16;

/// A secret key. Its `Debug` shows nothing of it, so that it cannot end up in a log.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Arc<[u8]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl SecretKey {
    /// A key from its bytes, or `None` if there are fewer than [`MIN_KEY_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> Option<SecretKey> {
        (bytes.len() >= MIN_KEY_BYTES).then(|| SecretKey(bytes.into()))
    }

    /// HMAC-SHA256 of `message` under the key, in lowercase hex.
    pub fn hmac_hex(&self, message: &[u8]) -> String {
        hex::encode(self.mac(message).finalize().into_bytes())
    }

    /// Whether `tag_hex` is the HMAC-SHA256 of `message` under the key (compared in constant
    /// time, so that timing tells nothing about how much of a forged tag was right).
    pub fn verify_hex(&self, message: &[u8], tag_hex: &str) -> bool {
        match hex::decode(tag_hex) {
            Ok(tag) => self.mac(message).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }

    /// A public name of the key (16 hex digits of a MAC of a fixed text): what the registry
    /// records so that a database opened with another key says so instead of failing every check.
    pub fn id(&self) -> String {
        self.hmac_hex(b"homeward key id")[..16].to_owned()
    }

    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length (longer ones are hashed first): this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(message);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test cases 1 and 2 (HMAC-SHA-256).
    #[test]
    fn hmac_sha256_gives_the_rfc_4231_vectors() {
        let key = SecretKey::from_bytes(&[0x0b; 20]).unwrap();
        assert_eq!(
            key.hmac_hex(b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let jefe = SecretKey(b"Jefe".as_slice().into());
        let tag = jefe.hmac_hex(b"what do ya want for nothing?");
        assert_eq!(tag, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(jefe.verify_hex(b"what do ya want for nothing?", &tag));
        assert!(!jefe.verify_hex(b"what do ya want for nothing!", &tag));
        assert!(!jefe.verify_hex(b"what do ya want for nothing?", "zz"));
        assert_eq!(format!("{jefe:?}"), "Key(…)");
    }

    #[test]
    fn short_keys_are_refused_and_ids_tell_keys_apart() {
        assert!(SecretKey::from_bytes(&[7; MIN_KEY_BYTES - 1]).is_none());
        let a = SecretKey::from_bytes(&[1; 32]).unwrap();
        let b = SecretKey::from_bytes(&[2; 32]).unwrap();
        assert_eq!(a.id().len(), 16);
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id(), SecretKey::from_bytes(&[1; 32]).unwrap().id());
    }
}
