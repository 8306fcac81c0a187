//! Key material: new ES256 (P-256) and RS256 (2048-bit) keys, their public JWK with its RFC 7638
//! thumbprint as `kid`, and the private part sealed with ChaCha20-Poly1305 under a key derived
//! from the token secret, so that a copy of the database alone cannot sign.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    AeadCore, ChaCha20Poly1305, KeyInit,
    aead::{Aead, OsRng, Payload},
};
use hmac::Mac;
use jsonwebtoken::{
    Algorithm, EncodingKey,
    jwk::{Jwk, PublicKeyUse, ThumbprintHash},
};
use p256::pkcs8::EncodePrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;

use crate::{error::Error, service::cursor::mac};

/// The two signing algorithms: ES256 signs access and ID tokens; RS256 is there for clients
/// registered with `id_token_signed_response_alg=RS256` (OIDC requires RS256 support).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlg {
    Es256,
    Rs256,
}

impl KeyAlg {
    pub const ALL: [KeyAlg; 2] = [KeyAlg::Es256, KeyAlg::Rs256];

    pub fn algorithm(self) -> Algorithm {
        match self {
            KeyAlg::Es256 => Algorithm::ES256,
            KeyAlg::Rs256 => Algorithm::RS256,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            KeyAlg::Es256 => "ES256",
            KeyAlg::Rs256 => "RS256",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }
}

/// A new key: its public JWK (with `kid`, `use` and `alg`) and its private DER (PKCS#8 for EC,
/// PKCS#1 for RSA: what jsonwebtoken's signers read).
pub struct Generated {
    pub kid: String,
    pub jwk: Jwk,
    pub private_der: Vec<u8>,
}

/// Makes a key (CPU work: an RSA key takes a good fraction of a second; run it off the async
/// workers).
pub fn generate(alg: KeyAlg) -> Result<Generated, Error> {
    let private_der = match alg {
        KeyAlg::Es256 => p256::SecretKey::random(&mut OsRng)
            .to_pkcs8_der()
            .map_err(|error| Error::Internal(format!("P-256 key: {error}")))?
            .as_bytes()
            .to_vec(),
        KeyAlg::Rs256 => rsa::RsaPrivateKey::new(&mut OsRng, 2048)
            .and_then(|key| Ok(key.to_pkcs1_der()?))
            .map_err(|error| Error::Internal(format!("RSA key: {error}")))?
            .as_bytes()
            .to_vec(),
    };
    let mut jwk = Jwk::from_encoding_key(&encoding_key(alg, &private_der), alg.algorithm())?;
    let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(Generated {
        kid,
        jwk,
        private_der,
    })
}

pub fn encoding_key(alg: KeyAlg, private_der: &[u8]) -> EncodingKey {
    match alg {
        KeyAlg::Es256 => EncodingKey::from_ec_der(private_der),
        KeyAlg::Rs256 => EncodingKey::from_rsa_der(private_der),
    }
}

/// Seals private keys at rest. The key id is the associated data: a sealed key moved to another
/// row does not open.
#[derive(Clone)]
pub struct Sealer(ChaCha20Poly1305);

const NONCE_BYTES: usize = 12;

impl Sealer {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac(secret);
        mac.update(b"employees signing keys at rest v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        Sealer(ChaCha20Poly1305::new(&key.into()))
    }

    /// `base64url(nonce || ciphertext)`.
    pub fn seal(&self, kid: &str, private_der: &[u8]) -> Result<String, Error> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: private_der,
            aad: kid.as_bytes(),
        };
        let sealed = self
            .0
            .encrypt(&nonce, payload)
            .map_err(|_| Error::Internal("sealing a signing key".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The private DER, or `None` when this secret did not seal it (another JWT_SECRET).
    pub fn open(&self, kid: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: ciphertext,
            aad: kid.as_bytes(),
        };
        self.0.decrypt(nonce.into(), payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_thumbprint_kids_and_seal_to_their_secret_only() {
        let key = generate(KeyAlg::Es256).expect("a key");
        assert_eq!(key.jwk.thumbprint(ThumbprintHash::SHA256).unwrap(), key.kid);
        let sealer = Sealer::derive(b"one secret of at least thirty-two bytes");
        let sealed = sealer.seal(&key.kid, &key.private_der).unwrap();
        assert!(!sealed.contains(&URL_SAFE_NO_PAD.encode(&key.private_der)));
        assert_eq!(
            sealer.open(&key.kid, &sealed),
            Some(key.private_der.clone())
        );
        assert_eq!(sealer.open("another kid", &sealed), None);
        let other = Sealer::derive(b"another secret of at least thirty-two bytes");
        assert_eq!(other.open(&key.kid, &sealed), None);
        assert_eq!(sealer.open(&key.kid, "short"), None);
    }
}
