//! RFC 6238 with totp-rs: SHA-1, 6 digits, 30-second steps, one step either side. The secret is
//! sealed at rest (ChaCha20-Poly1305 under a key derived from JWT_SECRET, the employee as
//! associated data); recovery codes are random and kept as SHA-256.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    ChaCha20Poly1305, KeyInit,
    aead::{Aead, AeadCore, OsRng, Payload},
};
use hmac::Mac;
use rand::{Rng, RngExt};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use crate::{error::Error, service::cursor::mac};

/// The name authenticator apps show above the code.
const ISSUER: &str = "Employees";
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 12;
/// Ten codes, each of ten characters from an alphabet without look-alikes (about 50 bits).
pub const RECOVERY_CODES: usize = 10;
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// An employee's TOTP generator.
pub struct Generator(Totp);

impl Generator {
    fn build(secret: Vec<u8>, account: &str) -> Result<Self, Error> {
        // A colon would break the otpauth label; emails have none, but be sure.
        let account = account.replace(':', "");
        Builder::new()
            .with_secret(Secret::new(secret.into_boxed_slice()))
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .map(Generator)
            .map_err(|error| Error::Internal(format!("TOTP: {error}")))
    }

    /// A new random secret for `account` (the employee's email).
    pub fn generate(account: &str) -> Result<Self, Error> {
        let mut secret = [0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut secret);
        Self::build(secret.to_vec(), account)
    }

    pub fn secret_base32(&self) -> SecretString {
        self.0.secret().to_base32().into()
    }

    /// The `otpauth://totp/...` URI that authenticator apps scan.
    pub fn uri(&self) -> Result<SecretString, Error> {
        self.0
            .to_url()
            .map(SecretString::from)
            .map_err(|error| Error::Internal(format!("TOTP URI: {error}")))
    }

    /// The step a code is right for at `now` (unix seconds), if any.
    pub fn step_of(&self, code: &str, now: i64) -> Option<i64> {
        let now = u64::try_from(now).ok()?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.0
            .check(&code, now)
            .and_then(|step| i64::try_from(step).ok())
    }

    /// The code of `now` (tests, and the page's check).
    pub fn code_at(&self, now: i64) -> String {
        self.0.generate(u64::try_from(now).unwrap_or(0)).to_string()
    }
}

/// Seals TOTP secrets at rest; the employee number is the associated data, so a sealed secret
/// moved to another employee's row does not open.
#[derive(Clone)]
pub struct SecretSealer(ChaCha20Poly1305);

impl SecretSealer {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac(secret);
        mac.update(b"employees totp secrets at rest v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        SecretSealer(ChaCha20Poly1305::new(&key.into()))
    }

    pub fn seal(&self, emp_no: i32, generator: &Generator) -> Result<String, Error> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = emp_no.to_string();
        let payload = Payload {
            msg: generator.0.secret().as_bytes(),
            aad: aad.as_bytes(),
        };
        let sealed = self
            .0
            .encrypt(&nonce, payload)
            .map_err(|_| Error::Internal("sealing a TOTP secret".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The generator, or `None` when this JWT_SECRET did not seal it.
    pub fn open(&self, emp_no: i32, sealed: &str, account: &str) -> Option<Generator> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let aad = emp_no.to_string();
        let payload = Payload {
            msg: ciphertext,
            aad: aad.as_bytes(),
        };
        let secret = self.0.decrypt(nonce.into(), payload).ok()?;
        Generator::build(secret, account).ok()
    }
}

/// Ten new recovery codes (shown once) and their stored hashes.
pub fn recovery_codes() -> Vec<(SecretString, String)> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let code: String = (0..10)
                .map(|_| {
                    char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())])
                })
                .collect();
            let shown = format!("{}-{}", &code[..5], &code[5..]);
            let hash = recovery_hash(&shown);
            (SecretString::from(shown), hash)
        })
        .collect()
}

/// How a recovery code is stored: SHA-256 of its canonical form (lower case, no separators), so
/// that `ABCDE-FGHJK`, `abcdefghjk` and `abcde fghjk` are one code. The codes are random and long
/// enough that a fast hash is not a weakness.
pub fn recovery_hash(code: &str) -> String {
    let canonical: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether a code looks like a recovery code rather than a TOTP code.
pub fn looks_like_recovery(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 10
}

pub fn expose(code: &SecretString) -> &str {
    code.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 vectors (the last six digits).
    #[test]
    fn rfc_6238_vectors() {
        let generator = Generator::build(b"12345678901234567890".to_vec(), "a@b").unwrap();
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(generator.code_at(time), code);
            assert_eq!(generator.step_of(code, time), Some(time / 30));
        }
        // 59 is step 1; 60 is step 2 (one step late), 90 step 3 (two steps late).
        assert_eq!(
            generator.step_of("287082", 60),
            Some(1),
            "one step late is accepted"
        );
        assert_eq!(
            generator.step_of("287082", 90),
            None,
            "two steps late is not"
        );
        assert_eq!(generator.step_of("28708", 59), None);
    }

    #[test]
    fn sealed_secrets_open_only_for_their_employee_and_secret() {
        let sealer = SecretSealer::derive(b"one secret of at least thirty-two bytes");
        let generator = Generator::generate("a@example.com").unwrap();
        let sealed = sealer.seal(10001, &generator).unwrap();
        let opened = sealer.open(10001, &sealed, "a@example.com").unwrap();
        assert_eq!(opened.code_at(1_000), generator.code_at(1_000));
        assert!(sealer.open(10002, &sealed, "a@example.com").is_none());
        let other = SecretSealer::derive(b"another secret of at least thirty-two bytes");
        assert!(other.open(10001, &sealed, "a@example.com").is_none());
    }

    #[test]
    fn recovery_codes_are_distinct_and_canonical() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let (code, hash) = &codes[0];
        assert_eq!(
            &recovery_hash(&expose(code).to_uppercase().replace('-', " ")),
            hash
        );
        assert!(looks_like_recovery(expose(code)));
        let mut hashes: Vec<_> = codes.iter().map(|(_, h)| h.clone()).collect();
        hashes.dedup();
        assert_eq!(hashes.len(), RECOVERY_CODES);
    }
}
