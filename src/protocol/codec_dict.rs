//! The bytes of [`Message::Dict`](crate::protocol::Message::Dict): DistDict's messages.
//!
//! Same conventions as the rest of the codec (tags, little-endian fixed-width integers,
//! length-prefixed strings, values through the shared value encoder); every count is
//! checked against the bytes left before anything is allocated.

use super::{DecodeError, Reader, Writer};
use crate::protocol::{DictAnswer, DictFailure, DictKey, DictMode, DictMsg, DictOp, DictStatus, Value, WriteOp};

/// The message tag of `Message::Dict` (tags from 20 on are DistDict's).
pub(super) const TAG: u8 = 20;

impl Writer {
    fn key(&mut self, k: &DictKey) {
        match k {
            DictKey::Bool(b) => {
                self.u8(0);
                self.u8(*b as u8);
            }
            DictKey::Int(i) => {
                self.u8(1);
                self.u64(*i as u64);
            }
            DictKey::Char(c) => {
                self.u8(2);
                self.u32(*c as u32);
            }
            DictKey::Str(s) => {
                self.u8(3);
                self.str(s);
            }
        }
    }

    fn keys(&mut self, keys: &[DictKey]) {
        self.usize(keys.len());
        keys.iter().for_each(|k| self.key(k));
    }

    fn mode(&mut self, m: DictMode) {
        self.u8(match m {
            DictMode::Mpmd => 0,
            DictMode::Spmd => 1,
        });
    }

    fn opt_value(&mut self, v: &Option<Value>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.value(v);
            }
        }
    }

    fn dict_op(&mut self, op: &DictOp) {
        match op {
            DictOp::Open { name } => {
                self.u8(0);
                self.str(name);
            }
            DictOp::Get { keys } => {
                self.u8(1);
                self.keys(keys);
            }
            DictOp::Contains { key } => {
                self.u8(2);
                self.key(key);
            }
            DictOp::Remove { key } => {
                self.u8(3);
                self.key(key);
            }
            DictOp::Len => self.u8(4),
            DictOp::Entries { values } => {
                self.u8(5);
                self.u8(*values as u8);
            }
            DictOp::Clear => self.u8(6),
            DictOp::Status => self.u8(7),
        }
    }

    fn answer(&mut self, a: &DictAnswer) {
        match a {
            DictAnswer::Done => self.u8(0),
            DictAnswer::Written { refused, total } => {
                self.u8(1);
                self.u64(*total);
                self.usize(refused.len());
                for (dict, why) in refused {
                    self.u64(*dict);
                    self.str(why);
                }
            }
            DictAnswer::Opened { dict, name, mode } => {
                self.u8(2);
                self.u64(*dict);
                self.str(name);
                self.mode(*mode);
            }
            DictAnswer::Values(values) => {
                self.u8(3);
                self.usize(values.len());
                values.iter().for_each(|v| self.opt_value(v));
            }
            DictAnswer::Flag(b) => {
                self.u8(4);
                self.u8(*b as u8);
            }
            DictAnswer::Count(n) => {
                self.u8(5);
                self.u64(*n);
            }
            DictAnswer::Keys(keys) => {
                self.u8(6);
                self.keys(keys);
            }
            DictAnswer::Items(items) => {
                self.u8(7);
                self.usize(items.len());
                for (k, v) in items {
                    self.key(k);
                    self.value(v);
                }
            }
            DictAnswer::Status(parts) => {
                self.u8(8);
                self.usize(parts.len());
                for p in parts {
                    self.str(&p.name);
                    self.mode(p.mode);
                    self.u64(p.keys);
                    self.u64(p.bytes);
                }
            }
        }
    }

    pub(super) fn dict_msg(&mut self, m: &DictMsg) {
        match m {
            DictMsg::Request { id, dict, op } => {
                self.u8(0);
                self.u64(*id);
                self.u64(*dict);
                self.dict_op(op);
            }
            DictMsg::Write { dict, ops, ack } => {
                self.u8(1);
                self.u64(*dict);
                self.usize(ops.len());
                for op in ops {
                    match op {
                        WriteOp::Set { key, value } => {
                            self.u8(0);
                            self.key(key);
                            self.value(value);
                        }
                        WriteOp::Add { key, amount } => {
                            self.u8(1);
                            self.key(key);
                            self.value(amount);
                        }
                    }
                }
                match ack {
                    None => self.u8(0),
                    Some(id) => {
                        self.u8(1);
                        self.u64(*id);
                    }
                }
            }
            DictMsg::Reply { id, outcome } => {
                self.u8(2);
                self.u64(*id);
                match outcome {
                    Ok(a) => {
                        self.u8(0);
                        self.answer(a);
                    }
                    Err(DictFailure::UnknownDict) => self.u8(1),
                    Err(DictFailure::UnknownName { known }) => {
                        self.u8(2);
                        self.usize(known.len());
                        known.iter().for_each(|n| self.str(n));
                    }
                }
            }
            DictMsg::Push { request, seq, what, outcome } => {
                self.u8(3);
                self.u64(*request);
                self.u64(*seq);
                self.str(what);
                match outcome {
                    Ok(a) => {
                        self.u8(0);
                        self.answer(a);
                    }
                    Err(e) => {
                        self.u8(1);
                        self.str(e);
                    }
                }
            }
        }
    }
}

impl Reader<'_> {
    fn key(&mut self) -> Result<DictKey, DecodeError> {
        Ok(match self.u8("key tag")? {
            0 => DictKey::Bool(self.bool("bool key")?),
            1 => DictKey::Int(self.u64("integer key")? as i64),
            2 => {
                let c = self.u32("char key")?;
                DictKey::Char(char::from_u32(c).ok_or(DecodeError::BadText { what: "char key" })?)
            }
            3 => DictKey::Str(self.string("string key")?),
            tag => return Err(DecodeError::BadTag { what: "key", tag }),
        })
    }

    fn keys(&mut self) -> Result<Vec<DictKey>, DecodeError> {
        let n = self.count(2, "keys")?;
        (0..n).map(|_| self.key()).collect()
    }

    fn mode(&mut self) -> Result<DictMode, DecodeError> {
        match self.u8("dict mode")? {
            0 => Ok(DictMode::Mpmd),
            1 => Ok(DictMode::Spmd),
            tag => Err(DecodeError::BadTag { what: "dict mode", tag }),
        }
    }

    fn opt_value(&mut self) -> Result<Option<Value>, DecodeError> {
        Ok(if self.bool("value flag")? { Some(self.value(0)?) } else { None })
    }

    fn dict_op(&mut self) -> Result<DictOp, DecodeError> {
        Ok(match self.u8("dict operation")? {
            0 => DictOp::Open { name: self.string("dict name")? },
            1 => DictOp::Get { keys: self.keys()? },
            2 => DictOp::Contains { key: self.key()? },
            3 => DictOp::Remove { key: self.key()? },
            4 => DictOp::Len,
            5 => DictOp::Entries { values: self.bool("values flag")? },
            6 => DictOp::Clear,
            7 => DictOp::Status,
            tag => return Err(DecodeError::BadTag { what: "dict operation", tag }),
        })
    }

    fn answer(&mut self) -> Result<DictAnswer, DecodeError> {
        Ok(match self.u8("dict answer")? {
            0 => DictAnswer::Done,
            1 => {
                let total = self.u64("refused count")?;
                let n = self.count(16, "refused writes")?;
                let refused =
                    (0..n)
                        .map(|_| Ok((self.u64("dict id")?, self.string("refusal")?)))
                        .collect::<Result<_, DecodeError>>()?;
                DictAnswer::Written { refused, total }
            }
            2 => DictAnswer::Opened { dict: self.u64("dict id")?, name: self.string("dict name")?, mode: self.mode()? },
            3 => {
                let n = self.count(1, "values")?;
                DictAnswer::Values((0..n).map(|_| self.opt_value()).collect::<Result<_, _>>()?)
            }
            4 => DictAnswer::Flag(self.bool("flag")?),
            5 => DictAnswer::Count(self.u64("count")?),
            6 => DictAnswer::Keys(self.keys()?),
            7 => {
                let n = self.count(3, "items")?;
                let items = (0..n).map(|_| Ok((self.key()?, self.value(0)?))).collect::<Result<_, DecodeError>>()?;
                DictAnswer::Items(items)
            }
            8 => {
                let n = self.count(25, "dict parts")?;
                let parts = (0..n)
                    .map(|_| {
                        Ok(DictStatus {
                            name: self.string("dict name")?,
                            mode: self.mode()?,
                            keys: self.u64("key count")?,
                            bytes: self.u64("byte count")?,
                        })
                    })
                    .collect::<Result<_, DecodeError>>()?;
                DictAnswer::Status(parts)
            }
            tag => return Err(DecodeError::BadTag { what: "dict answer", tag }),
        })
    }

    pub(super) fn dict_msg(&mut self) -> Result<DictMsg, DecodeError> {
        Ok(match self.u8("dict message")? {
            0 => DictMsg::Request { id: self.u64("request id")?, dict: self.u64("dict id")?, op: self.dict_op()? },
            1 => {
                let dict = self.u64("dict id")?;
                let n = self.count(3, "writes")?;
                let mut ops = super::reserve(n);
                for _ in 0..n {
                    let tag = self.u8("write")?;
                    let key = self.key()?;
                    let value = self.value(0)?;
                    ops.push(match tag {
                        0 => WriteOp::Set { key, value },
                        1 => WriteOp::Add { key, amount: value },
                        tag => return Err(DecodeError::BadTag { what: "write", tag }),
                    });
                }
                let ack = if self.bool("ack flag")? { Some(self.u64("ack id")?) } else { None };
                DictMsg::Write { dict, ops, ack }
            }
            2 => {
                let id = self.u64("request id")?;
                let outcome = match self.u8("dict outcome")? {
                    0 => Ok(self.answer()?),
                    1 => Err(DictFailure::UnknownDict),
                    2 => {
                        let n = self.count(8, "dict names")?;
                        let known = (0..n).map(|_| self.string("dict name")).collect::<Result<_, _>>()?;
                        Err(DictFailure::UnknownName { known })
                    }
                    tag => return Err(DecodeError::BadTag { what: "dict outcome", tag }),
                };
                DictMsg::Reply { id, outcome }
            }
            3 => {
                let request = self.u64("request id")?;
                let seq = self.u64("sequence number")?;
                let what = self.string("operation")?;
                let outcome = if self.bool("outcome flag")? { Err(self.string("error")?) } else { Ok(self.answer()?) };
                DictMsg::Push { request, seq, what, outcome }
            }
            tag => return Err(DecodeError::BadTag { what: "dict message", tag }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode, encode, DecodeError};
    use crate::protocol::*;

    fn keys() -> Vec<DictKey> {
        vec![
            DictKey::Bool(true),
            DictKey::Int(i64::MIN),
            DictKey::Int(-1),
            DictKey::Char('🚀'),
            DictKey::Str(String::new()),
            DictKey::Str("héllo 世界".into()),
        ]
    }

    fn messages() -> Vec<DictMsg> {
        let v = Value::Array(vec![Value::Float(-0.0), Value::Blob(vec![1, 2]), Value::Map(vec![])]);
        let answers = vec![
            DictAnswer::Done,
            DictAnswer::Written { refused: vec![], total: 0 },
            DictAnswer::Written { refused: vec![(7, "too big".into()), (u64::MAX, "gone ☃".into())], total: 9 },
            DictAnswer::Opened { dict: 99, name: "words".into(), mode: DictMode::Spmd },
            DictAnswer::Values(vec![None, Some(v.clone()), Some(Value::Unit)]),
            DictAnswer::Flag(false),
            DictAnswer::Count(u64::MAX),
            DictAnswer::Keys(keys()),
            DictAnswer::Items(keys().into_iter().map(|k| (k, Value::Float(f64::NAN))).collect()),
            DictAnswer::Status(vec![DictStatus { name: "w".into(), mode: DictMode::Mpmd, keys: 3, bytes: 400 }]),
        ];
        let mut msgs = vec![
            DictMsg::Request { id: 1, dict: 0, op: DictOp::Open { name: "words".into() } },
            DictMsg::Request { id: 2, dict: 5, op: DictOp::Get { keys: keys() } },
            DictMsg::Request { id: 3, dict: 5, op: DictOp::Contains { key: DictKey::Char('x') } },
            DictMsg::Request { id: 4, dict: 5, op: DictOp::Remove { key: DictKey::Int(3) } },
            DictMsg::Request { id: 5, dict: 5, op: DictOp::Len },
            DictMsg::Request { id: 6, dict: 5, op: DictOp::Entries { values: true } },
            DictMsg::Request { id: 7, dict: 5, op: DictOp::Clear },
            DictMsg::Request { id: 8, dict: 0, op: DictOp::Status },
            DictMsg::Write { dict: 5, ops: vec![], ack: Some(9) },
            DictMsg::Write {
                dict: u64::MAX,
                ops: vec![
                    WriteOp::Set { key: DictKey::Str("a".into()), value: v.clone() },
                    WriteOp::Add { key: DictKey::Bool(false), amount: Value::Int(-3) },
                ],
                ack: None,
            },
            DictMsg::Reply { id: 10, outcome: Err(DictFailure::UnknownDict) },
            DictMsg::Reply { id: 11, outcome: Err(DictFailure::UnknownName { known: vec!["a".into(), "b".into()] }) },
            DictMsg::Push { request: 3, seq: 4, what: "d[\"a\"]".into(), outcome: Err("no key".into()) },
        ];
        for (i, a) in answers.into_iter().enumerate() {
            msgs.push(DictMsg::Reply { id: 100 + i as u64, outcome: Ok(a.clone()) });
            msgs.push(DictMsg::Push { request: 1, seq: i as u64, what: "d.len()".into(), outcome: Ok(a) });
        }
        msgs
    }

    #[test]
    fn every_dict_message_roundtrips() {
        for m in messages() {
            let msg = Message::Dict(m);
            assert_eq!(decode(&encode(&msg)).unwrap(), msg);
        }
    }

    #[test]
    fn truncated_or_corrupt_dict_messages_are_errors_not_panics() {
        for m in messages() {
            let bytes = encode(&Message::Dict(m));
            for cut in 0..bytes.len() {
                assert!(decode(&bytes[..cut]).is_err(), "cut at {cut} decoded");
            }
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 0xFF;
                let _ = decode(&b);
            }
        }
    }

    #[test]
    fn bad_tags_name_what_they_were_reading() {
        let mut b = encode(&Message::Dict(DictMsg::Request { id: 1, dict: 2, op: DictOp::Len }));
        let last = b.len() - 1;
        b[last] = 42;
        assert_eq!(decode(&b), Err(DecodeError::BadTag { what: "dict operation", tag: 42 }));
    }
}
