//! A software authenticator for the tests, written from WebAuthn Level 3 §6 (no library's): a
//! P-256 key, `none` attestation, assertions with a counter and the user handle, and the means
//! to forge, replay or clone them. The service verifies what it makes with webauthn-rs.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chacha20poly1305::aead::OsRng;
use p256::{
    EncodedPoint,
    ecdsa::{Signature, SigningKey, signature::Signer},
};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// User present, user verified; attested credential data follows.
const UP_UV: u8 = 0x01 | 0x04;
const AT: u8 = 0x40;

#[derive(Clone)]
pub struct SoftKey {
    pub origin: String,
    pub rp_id: String,
    key: SigningKey,
    pub credential_id: Vec<u8>,
    /// The user handle the registration gave (sent back with each assertion).
    pub user_handle: Vec<u8>,
    pub counter: u32,
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {value}"))
        .to_owned()
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
        .to_string()
        .into_bytes()
}

impl SoftKey {
    /// A new authenticator for pages served at `origin` (`http://localhost:PORT`).
    pub fn new(origin: &str) -> Self {
        let rp_id = url::Url::parse(origin)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        Self {
            origin: origin.to_owned(),
            rp_id,
            key: SigningKey::random(&mut OsRng),
            credential_id: uuid::Uuid::new_v4().as_bytes().to_vec(),
            user_handle: Vec::new(),
            counter: 0,
        }
    }

    fn rp_id_hash(&self) -> Vec<u8> {
        Sha256::digest(self.rp_id.as_bytes()).to_vec()
    }

    /// The COSE_Key of the public key (EC2, ES256, P-256).
    fn cose_key(&self) -> Vec<u8> {
        let point: EncodedPoint = self.key.verifying_key().to_encoded_point(false);
        let map = BTreeMap::from([
            (Cbor::Integer(1), Cbor::Integer(2)),
            (Cbor::Integer(3), Cbor::Integer(-7)),
            (Cbor::Integer(-1), Cbor::Integer(1)),
            (Cbor::Integer(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
            (Cbor::Integer(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
        ]);
        serde_cbor_2::to_vec(&Cbor::Map(map)).unwrap()
    }

    /// The answer of `navigator.credentials.create()` to `options` (`{"publicKey": ...}`).
    pub fn register(&mut self, options: &Value) -> Value {
        let challenge = text(options, "/publicKey/challenge");
        self.user_handle = B64.decode(text(options, "/publicKey/user/id")).unwrap();
        let client_data = client_data("webauthn.create", &challenge, &self.origin);
        let mut auth_data = self.rp_id_hash();
        auth_data.push(UP_UV | AT);
        auth_data.extend(self.counter.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let attestation = BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]);
        let attestation = serde_cbor_2::to_vec(&Cbor::Map(attestation)).unwrap();
        let id = B64.encode(&self.credential_id);
        json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "attestationObject": B64.encode(attestation),
                "transports": ["internal"],
            },
            "extensions": {"credProps": {"rk": true}},
        })
    }

    /// The answer of `navigator.credentials.get()` to `options`: the counter moves on first.
    pub fn assert(&mut self, options: &Value) -> Value {
        self.counter += 1;
        let challenge = text(options, "/publicKey/challenge");
        self.sign(&client_data("webauthn.get", &challenge, &self.origin))
    }

    /// An assertion over `client_data` as given (a forger's choice of challenge or origin).
    pub fn sign(&self, client_data: &[u8]) -> Value {
        let mut auth_data = self.rp_id_hash();
        auth_data.push(UP_UV);
        auth_data.extend(self.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(client_data));
        let signature: Signature = self.key.sign(&signed);
        let id = B64.encode(&self.credential_id);
        json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "authenticatorData": B64.encode(auth_data),
                "signature": B64.encode(signature.to_der().as_bytes()),
                "userHandle": B64.encode(&self.user_handle),
            },
            "extensions": {},
        })
    }

    /// Client data for a challenge and origin of the caller's choosing.
    pub fn client_data(&self, challenge: &str, origin: &str) -> Vec<u8> {
        client_data("webauthn.get", challenge, origin)
    }

    /// Another key under this one's credential id (a forger who knows the id, not the key).
    pub fn impostor(&self) -> Self {
        Self {
            key: SigningKey::random(&mut OsRng),
            ..self.clone()
        }
    }
}
