//! [`Reader`]: the decoding half of the codec; every length is checked against the
//! bytes left before anything is allocated (layout in `codec.rs`).

use super::{reserve, DecodeError, Reader, MAX_DEPTH};
use crate::protocol::raw;
use crate::protocol::{
    Activity, EngineStatus, Message, Output, PlotImage, RemoteError, Reply, Request, RequestKind, Stream, Value,
};
use std::sync::Arc;

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() - self.pos < n {
            return Err(DecodeError::Truncated { what });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub(super) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }
    pub(super) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().unwrap()))
    }
    pub(super) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().unwrap()))
    }
    pub(super) fn f64(&mut self, what: &'static str) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(self.u64(what)?))
    }
    pub(super) fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            tag => Err(DecodeError::BadTag { what, tag }),
        }
    }
    /// A count of items that each take at least `min_item` bytes: checked against the
    /// bytes left, so a corrupt count cannot make us allocate.
    pub(super) fn count(&mut self, min_item: usize, what: &'static str) -> Result<usize, DecodeError> {
        let n = self.u64(what)?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_item as u64) > left {
            return Err(DecodeError::Truncated { what });
        }
        Ok(n as usize)
    }
    pub(super) fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = self.count(1, what)?;
        self.take(n, what)
    }
    pub(super) fn string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let b = self.bytes(what)?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError::BadText { what })
    }
    pub(super) fn arc_str(&mut self, what: &'static str) -> Result<Arc<str>, DecodeError> {
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map(Arc::from).map_err(|_| DecodeError::BadText { what })
    }
    pub(super) fn usize(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        Ok(self.u64(what)? as usize)
    }
    pub(super) fn opt_string(&mut self, what: &'static str) -> Result<Option<String>, DecodeError> {
        Ok(if self.bool(what)? { Some(self.string(what)?) } else { None })
    }

    pub(super) fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        Ok(match self.u8("value tag")? {
            0 => Value::Unit,
            1 => Value::Bool(self.bool("bool")?),
            2 => Value::Int(self.u64("integer")? as i64),
            3 => Value::Float(self.f64("float")?),
            4 => Value::Str(self.string("string")?),
            5 => {
                let c = self.u32("char")?;
                Value::Char(char::from_u32(c).ok_or(DecodeError::BadText { what: "char" })?)
            }
            6 => Value::Blob(self.bytes("blob")?.to_vec()),
            7 => {
                let n = self.count(1, "array length")?;
                let mut items = reserve(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            8 => {
                let n = self.count(9, "map length")?;
                let mut entries = reserve(n);
                for _ in 0..n {
                    let k = self.string("map key")?;
                    entries.push((k, self.value(depth + 1)?));
                }
                Value::Map(entries)
            }
            9 => {
                let name = self.string("function name")?;
                let n = self.count(1, "curried arguments")?;
                let mut curried = reserve(n);
                for _ in 0..n {
                    curried.push(self.value(depth + 1)?);
                }
                Value::FnPtr { name, curried }
            }
            10 => self.ndarray()?,
            11 => self.list()?,
            tag => return Err(DecodeError::BadTag { what: "value", tag }),
        })
    }

    /// A count followed by that many values.
    pub(super) fn values(&mut self, what: &'static str) -> Result<Vec<Value>, DecodeError> {
        let n = self.count(1, what)?;
        let mut items = reserve(n);
        for _ in 0..n {
            items.push(self.value(1)?);
        }
        Ok(items)
    }

    pub(super) fn ndarray(&mut self) -> Result<Value, DecodeError> {
        let ndim = self.count(8, "array shape")?;
        let shape = (0..ndim).map(|_| self.usize("array extent")).collect::<Result<Vec<_>, _>>()?;
        let tag = self.u8("array element type")?;
        let data = self.elements(tag, "array elements")?;
        let expected = shape.iter().try_fold(1usize, |acc, &e| acc.checked_mul(e));
        // Zero-length axes aside, the extents must multiply to a size that can exist.
        let nonzero = shape.iter().filter(|&&e| e != 0).try_fold(1usize, |acc, &e| acc.checked_mul(e));
        if expected != Some(data.len()) || nonzero.is_none_or(|n| n > isize::MAX as usize) {
            return Err(DecodeError::BadShape { shape, elements: data.len() });
        }
        Ok(Value::NdArray { shape, data })
    }

    /// What [`Writer::elements`] wrote, for elements of type `tag`.
    pub(super) fn elements(&mut self, tag: u8, what: &'static str) -> Result<crate::protocol::Buffer, DecodeError> {
        let size = raw::elem_size(tag).ok_or(DecodeError::BadTag { what: "array element type", tag })?;
        match self.u8("element placement")? {
            0 => {
                let n = self.count(size, what)?;
                raw::read(tag, self.take(n * size, what)?)
            }
            1 => {
                let n = self.usize(what)?;
                let attach = self.attach.as_mut().ok_or(DecodeError::BadTag { what: "element placement", tag: 1 })?;
                let data = attach(tag, n)?;
                if data.len() != n || raw::tag(&data) != tag {
                    return Err(DecodeError::Truncated { what });
                }
                Ok(data)
            }
            placement => Err(DecodeError::BadTag { what: "element placement", tag: placement }),
        }
    }

    /// A typed list: floats, integers or booleans only (what `Value::List` holds).
    pub(super) fn list(&mut self) -> Result<Value, DecodeError> {
        let tag = self.u8("list element type")?;
        if !matches!(tag, 0 | 2 | 4) {
            return Err(DecodeError::BadTag { what: "list element type", tag });
        }
        Ok(Value::List(self.elements(tag, "list elements")?))
    }

    pub(super) fn error(&mut self) -> Result<RemoteError, DecodeError> {
        let engine = self.usize("engine")?;
        let kind = self.string("error kind")?;
        let message = self.string("error message")?;
        let position = if self.bool("position flag")? { Some((self.u32("line")?, self.u32("column")?)) } else { None };
        let n = self.count(8, "call chain")?;
        let call_chain = (0..n).map(|_| self.string("call chain")).collect::<Result<_, _>>()?;
        Ok(RemoteError { engine, kind, message, position, call_chain })
    }

    pub(super) fn message(&mut self) -> Result<Message, DecodeError> {
        Ok(match self.u8("message tag")? {
            0 => Message::Hello { version: self.u32("version")?, host: self.string("host")?, pid: self.u32("pid")? },
            1 => {
                let id = self.u64("request id")?;
                let n = self.count(8, "targets")?;
                let targets = (0..n).map(|_| self.usize("target")).collect::<Result<_, _>>()?;
                let kind = self.request_kind()?;
                Message::Request(Request { id, targets, kind })
            }
            2 => {
                let request = self.u64("request id")?;
                let engine = self.usize("engine")?;
                let outcome = if self.bool("outcome flag")? { Err(self.error()?) } else { Ok(self.value(0)?) };
                let started = self.f64("start time")?;
                let elapsed = self.f64("elapsed time")?;
                Message::Reply(Reply { request, engine, outcome, started, elapsed })
            }
            3 => Message::Output(Output {
                request: self.u64("request id")?,
                engine: self.usize("engine")?,
                stream: match self.u8("stream")? {
                    0 => Stream::Print,
                    1 => Stream::Debug,
                    tag => return Err(DecodeError::BadTag { what: "stream", tag }),
                },
                text: self.string("output text")?,
            }),
            4 => Message::Interrupt { up_to: self.u64("request id")? },
            5 => {
                let request = self.u64("request id")?;
                let n = self.count(9, "engines")?;
                let engines =
                    (0..n)
                        .map(|_| Ok((self.usize("engine")?, self.bool("failed flag")?)))
                        .collect::<Result<_, DecodeError>>()?;
                Message::PeerDone { request, engines }
            }
            6 => Message::Shutdown,
            7 => Message::Goodbye { engine: self.usize("engine")?, reason: self.string("reason")? },
            8 => {
                let request = self.u64("request id")?;
                let seq = self.u64("sequence number")?;
                let op = self.string("operation")?;
                let payload =
                    if self.bool("payload flag")? { Err(self.string("collective error")?) } else { Ok(self.value(0)?) };
                Message::Collective { request, seq, op, payload }
            }
            9 => Message::User { value: self.value(0)? },
            10 => Message::Malformed { reason: self.string("reason")? },
            11 => Message::Plot(PlotImage {
                request: self.u64("request id")?,
                engine: self.usize("engine")?,
                kind: self.string("plot kind")?,
                title: self.string("plot title")?,
                format: self.string("plot format")?,
                width: self.u32("plot width")?,
                height: self.u32("plot height")?,
                file: self.opt_string("plot file")?,
                note: self.opt_string("plot note")?,
                preview: self.string("plot preview")?,
                force_preview: self.bool("preview flag")?,
                bytes: self.bytes("plot bytes")?.to_vec(),
            }),
            12 => Message::ItemFailed {
                request: self.u64("request id")?,
                item: self.u64("item index")?,
                error: self.error()?,
            },
            super::dict::TAG => Message::Dict(self.dict_msg()?),
            21 => Message::StatusQuery { query: self.u64("status query")? },
            22 => Message::Status(self.status()?),
            tag => return Err(DecodeError::BadTag { what: "message", tag }),
        })
    }

    pub(super) fn status(&mut self) -> Result<EngineStatus, DecodeError> {
        let engine = self.usize("engine")?;
        let query = self.u64("status query")?;
        let running = if self.bool("running flag")? {
            Some(Activity {
                request: self.u64("request id")?,
                what: self.string("activity")?,
                seconds: self.f64("seconds")?,
            })
        } else {
            None
        };
        let queued = self.usize("queued requests")?;
        let memory = if self.bool("memory flag")? { Some(self.u64("memory")?) } else { None };
        let n = self.count(16, "variables")?;
        let variables = (0..n)
            .map(|_| Ok((self.string("variable name")?, self.string("variable type")?)))
            .collect::<Result<_, DecodeError>>()?;
        Ok(EngineStatus { engine, query, running, queued, memory, variables })
    }

    pub(super) fn request_kind(&mut self) -> Result<RequestKind, DecodeError> {
        Ok(match self.u8("request kind")? {
            0 => RequestKind::Execute { code: self.arc_str("code")?, origin: self.string("origin")? },
            1 => RequestKind::Define { source: self.arc_str("source")? },
            2 => {
                let n = self.count(9, "variables")?;
                let vars = (0..n)
                    .map(|_| Ok((self.string("variable name")?, self.value(0)?)))
                    .collect::<Result<_, DecodeError>>()?;
                RequestKind::Push { vars }
            }
            3 => {
                let n = self.count(8, "names")?;
                let names = (0..n).map(|_| self.string("name")).collect::<Result<_, _>>()?;
                RequestKind::Pull { names }
            }
            4 => RequestKind::Reset,
            5 => {
                let func = self.value(0)?;
                let first = self.u64("first item")?;
                RequestKind::Map { func, first, items: self.values("items")? }
            }
            6 => {
                let func = self.value(0)?;
                RequestKind::Call { func, args: self.values("arguments")? }
            }
            7 => RequestKind::Gather { name: self.string("name")? },
            tag => return Err(DecodeError::BadTag { what: "request kind", tag }),
        })
    }
}
