//! The Jupyter wire format: connection files, message frames with the `<IDS|MSG>`
//! delimiter, HMAC-SHA256 signatures, and the JSON parts of a message.
//!
//! A message is `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata,
//! content, buffers…]`; the signature is the hex HMAC of the four JSON frames under the
//! connection file's key (no key: no signing, an empty signature).

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub const DELIMITER: &[u8] = b"<IDS|MSG>";
/// The messaging protocol version spoken.
pub const PROTOCOL_VERSION: &str = "5.3";

/// What a connection file says.
#[derive(Debug, Clone)]
pub struct Connection {
    pub transport: String,
    pub ip: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    pub key: Vec<u8>,
}

impl Connection {
    /// Reads a connection file's JSON text.
    pub fn parse(text: &str) -> Result<Connection, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("the connection file is not JSON: {e}"))?;
        let port = |name: &str| -> Result<u16, String> {
            v[name]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| format!("the connection file has no port '{name}'"))
        };
        let scheme = v["signature_scheme"].as_str().unwrap_or("hmac-sha256");
        if scheme != "hmac-sha256" {
            return Err(format!("signature scheme '{scheme}' is not supported (only hmac-sha256)"));
        }
        Ok(Connection {
            transport: v["transport"].as_str().unwrap_or("tcp").to_string(),
            ip: v["ip"].as_str().unwrap_or("127.0.0.1").to_string(),
            shell_port: port("shell_port")?,
            iopub_port: port("iopub_port")?,
            stdin_port: port("stdin_port")?,
            control_port: port("control_port")?,
            hb_port: port("hb_port")?,
            key: v["key"].as_str().unwrap_or("").as_bytes().to_vec(),
        })
    }

    /// `tcp://ip:port` for a socket.
    pub fn endpoint(&self, port: u16) -> String {
        format!("{}://{}:{port}", self.transport, self.ip)
    }
}

/// Signs and checks messages with one key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: key.to_vec() }
    }

    /// The hex signature of the four JSON frames ("" without a key).
    pub fn sign(&self, parts: &[&[u8]]) -> String {
        if self.key.is_empty() {
            return String::new();
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for p in parts {
            mac.update(p);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `signature` (hex) signs the parts; compared in constant time.
    pub fn verify(&self, signature: &[u8], parts: &[&[u8]]) -> bool {
        if self.key.is_empty() {
            return true;
        }
        let Ok(sig) = hex::decode(signature) else { return false };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for p in parts {
            mac.update(p);
        }
        mac.verify_slice(&sig).is_ok()
    }
}

/// One message, decoded.
#[derive(Debug, Clone)]
pub struct Message {
    /// The routing identities before the delimiter.
    pub ids: Vec<Vec<u8>>,
    pub header: Value,
    pub parent: Value,
    pub metadata: Value,
    pub content: Value,
}

/// Why frames were not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    NoDelimiter,
    TooShort,
    BadSignature,
    NotJson(&'static str),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::NoDelimiter => write!(f, "no <IDS|MSG> delimiter"),
            WireError::TooShort => write!(f, "fewer than five frames after the delimiter"),
            WireError::BadSignature => write!(f, "the signature does not match the key"),
            WireError::NotJson(part) => write!(f, "the {part} is not JSON"),
        }
    }
}

impl Message {
    /// Decodes frames, checking the signature first.
    pub fn decode(frames: &[Vec<u8>], signer: &Signer) -> Result<Message, WireError> {
        let at = frames.iter().position(|f| f == DELIMITER).ok_or(WireError::NoDelimiter)?;
        let rest = &frames[at + 1..];
        if rest.len() < 5 {
            return Err(WireError::TooShort);
        }
        let parts: Vec<&[u8]> = rest[1..5].iter().map(|f| f.as_slice()).collect();
        if !signer.verify(&rest[0], &parts) {
            return Err(WireError::BadSignature);
        }
        let json = |i: usize, name| serde_json::from_slice::<Value>(parts[i]).map_err(|_| WireError::NotJson(name));
        Ok(Message {
            ids: frames[..at].to_vec(),
            header: json(0, "header")?,
            parent: json(1, "parent header")?,
            metadata: json(2, "metadata")?,
            content: json(3, "content")?,
        })
    }

    /// The frames to send, signed.
    pub fn encode(&self, signer: &Signer) -> Vec<Vec<u8>> {
        let parts: Vec<Vec<u8>> = [&self.header, &self.parent, &self.metadata, &self.content]
            .iter()
            .map(|v| serde_json::to_vec(v).expect("JSON values serialize"))
            .collect();
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        let mut frames = self.ids.clone();
        frames.push(DELIMITER.to_vec());
        frames.push(signer.sign(&refs).into_bytes());
        frames.extend(parts);
        frames
    }

    pub fn msg_type(&self) -> &str {
        self.header["msg_type"].as_str().unwrap_or("")
    }

    /// A new message of `msg_type` answering `self` (its header becomes the parent),
    /// routed to the same identities.
    pub fn reply(&self, msg_type: &str, session: &str, content: Value) -> Message {
        Message {
            ids: self.ids.clone(),
            header: header(msg_type, session),
            parent: self.header.clone(),
            metadata: json!({}),
            content,
        }
    }
}

/// A fresh header.
pub fn header(msg_type: &str, session: &str) -> Value {
    json!({
        "msg_id": uuid::Uuid::new_v4().to_string(),
        "session": session,
        "username": "pshell",
        "date": now_iso8601(),
        "msg_type": msg_type,
        "version": PROTOCOL_VERSION,
    })
}

/// The time now as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn now_iso8601() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Standard base64 (for images in `display_data`): the plot layer's encoder.
pub use crate::plot::base64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_bad_signatures_are_refused() {
        let signer = Signer::new(b"secret");
        let m = Message {
            ids: vec![b"peer".to_vec()],
            header: header("execute_request", "s"),
            parent: json!({}),
            metadata: json!({}),
            content: json!({"code": "1 + 1"}),
        };
        let mut frames = m.encode(&signer);
        let back = Message::decode(&frames, &signer).unwrap();
        assert_eq!(back.ids, m.ids);
        assert_eq!(back.content, m.content);
        assert_eq!(back.msg_type(), "execute_request");
        assert_eq!(Message::decode(&frames, &Signer::new(b"other")).unwrap_err(), WireError::BadSignature);
        frames[5] = br#"{"code": "2"}"#.to_vec();
        assert_eq!(Message::decode(&frames, &signer).unwrap_err(), WireError::BadSignature);
        assert_eq!(Message::decode(&frames[2..], &signer).unwrap_err(), WireError::NoDelimiter);
    }

    #[test]
    fn signatures_match_python_hmac() {
        // hmac.new(b"key", b"abc", hashlib.sha256).hexdigest()
        assert_eq!(
            Signer::new(b"key").sign(&[b"a", b"bc"]),
            "9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab"
        );
        assert_eq!(Signer::new(b"").sign(&[b"abc"]), "");
    }

    #[test]
    fn base64_and_dates() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        let d = now_iso8601();
        assert_eq!(d.len(), 27, "{d}");
        assert!(d.starts_with("20") && d.ends_with('Z'), "{d}");
    }
}
