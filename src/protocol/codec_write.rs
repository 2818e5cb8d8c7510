//! [`Writer`]: the encoding half of the codec, field by field (layout in `codec.rs`).

use super::{Writer, DETACH_MIN};
use crate::protocol::raw;
use crate::protocol::{EngineStatus, Message, RemoteError, RequestKind, Stream, Value};

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    pub(super) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub(super) fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }

    /// A buffer's elements: a placement byte, the count, then (placement 0) the raw bytes,
    /// or (placement 1) nothing, the run being detached.
    pub(super) fn elements(&mut self, data: &crate::protocol::Buffer) {
        let detach = self.1.is_some() && data.len() * data.elem_bytes() >= DETACH_MIN;
        if let Some(bytes) = raw::native_bytes(data).filter(|_| detach) {
            self.u8(1);
            self.usize(data.len());
            self.1.get_or_insert_with(Vec::new).push((bytes.as_ptr() as usize, bytes.len()));
            return;
        }
        self.u8(0);
        self.usize(data.len());
        raw::write(&mut self.0, data);
    }

    pub(super) fn value(&mut self, v: &Value) {
        match v {
            Value::Unit => self.u8(0),
            Value::Bool(b) => {
                self.u8(1);
                self.u8(*b as u8);
            }
            Value::Int(i) => {
                self.u8(2);
                self.u64(*i as u64);
            }
            Value::Float(x) => {
                self.u8(3);
                self.f64(*x);
            }
            Value::Str(s) => {
                self.u8(4);
                self.str(s);
            }
            Value::Char(c) => {
                self.u8(5);
                self.u32(*c as u32);
            }
            Value::Blob(b) => {
                self.u8(6);
                self.bytes(b);
            }
            Value::Array(items) => {
                self.u8(7);
                self.usize(items.len());
                items.iter().for_each(|v| self.value(v));
            }
            Value::Map(entries) => {
                self.u8(8);
                self.usize(entries.len());
                for (k, v) in entries {
                    self.str(k);
                    self.value(v);
                }
            }
            Value::FnPtr { name, curried } => {
                self.u8(9);
                self.str(name);
                self.usize(curried.len());
                curried.iter().for_each(|v| self.value(v));
            }
            Value::NdArray { shape, data } => {
                self.u8(10);
                self.usize(shape.len());
                shape.iter().for_each(|&n| self.usize(n));
                self.u8(raw::tag(data));
                self.elements(data);
            }
            // A typed list: its element type and count, then the elements as raw bytes,
            // exactly like an n-d array's (no per-element framing).
            Value::List(data) => {
                self.u8(11);
                self.u8(raw::tag(data));
                self.elements(data);
            }
        }
    }

    pub(super) fn error(&mut self, e: &RemoteError) {
        self.usize(e.engine);
        self.str(&e.kind);
        self.str(&e.message);
        match e.position {
            None => self.u8(0),
            Some((line, col)) => {
                self.u8(1);
                self.u32(line);
                self.u32(col);
            }
        }
        self.usize(e.call_chain.len());
        e.call_chain.iter().for_each(|s| self.str(s));
    }

    pub(super) fn message(&mut self, msg: &Message) {
        match msg {
            Message::Hello { version, host, pid } => {
                self.u8(0);
                self.u32(*version);
                self.str(host);
                self.u32(*pid);
            }
            Message::Request(req) => {
                self.u8(1);
                self.u64(req.id);
                self.usize(req.targets.len());
                req.targets.iter().for_each(|t| self.usize(*t));
                self.request_kind(&req.kind);
            }
            Message::Reply(rep) => {
                self.u8(2);
                self.u64(rep.request);
                self.usize(rep.engine);
                match &rep.outcome {
                    Ok(v) => {
                        self.u8(0);
                        self.value(v);
                    }
                    Err(e) => {
                        self.u8(1);
                        self.error(e);
                    }
                }
                self.f64(rep.started);
                self.f64(rep.elapsed);
            }
            Message::Output(out) => {
                self.u8(3);
                self.u64(out.request);
                self.usize(out.engine);
                self.u8(match out.stream {
                    Stream::Print => 0,
                    Stream::Debug => 1,
                });
                self.str(&out.text);
            }
            Message::Interrupt { up_to } => {
                self.u8(4);
                self.u64(*up_to);
            }
            Message::PeerDone { request, engines } => {
                self.u8(5);
                self.u64(*request);
                self.usize(engines.len());
                for (e, failed) in engines {
                    self.usize(*e);
                    self.u8(*failed as u8);
                }
            }
            Message::Shutdown => self.u8(6),
            Message::Goodbye { engine, reason } => {
                self.u8(7);
                self.usize(*engine);
                self.str(reason);
            }
            Message::Collective { request, seq, op, payload } => {
                self.u8(8);
                self.u64(*request);
                self.u64(*seq);
                self.str(op);
                match payload {
                    Ok(v) => {
                        self.u8(0);
                        self.value(v);
                    }
                    Err(e) => {
                        self.u8(1);
                        self.str(e);
                    }
                }
            }
            Message::User { value } => {
                self.u8(9);
                self.value(value);
            }
            Message::Malformed { reason } => {
                self.u8(10);
                self.str(reason);
            }
            Message::Plot(p) => {
                self.u8(11);
                self.u64(p.request);
                self.usize(p.engine);
                self.str(&p.kind);
                self.str(&p.title);
                self.str(&p.format);
                self.u32(p.width);
                self.u32(p.height);
                self.opt_str(p.file.as_deref());
                self.opt_str(p.note.as_deref());
                self.str(&p.preview);
                self.u8(p.force_preview as u8);
                self.bytes(&p.bytes);
            }
            Message::ItemFailed { request, item, error } => {
                self.u8(12);
                self.u64(*request);
                self.u64(*item);
                self.error(error);
            }
            Message::Dict(m) => {
                self.u8(super::dict::TAG);
                self.dict_msg(m);
            }
            // Status tags follow the dict's 20.
            Message::StatusQuery { query } => {
                self.u8(21);
                self.u64(*query);
            }
            Message::Status(st) => {
                self.u8(22);
                self.status(st);
            }
        }
    }

    pub(super) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    pub(super) fn status(&mut self, st: &EngineStatus) {
        self.usize(st.engine);
        self.u64(st.query);
        match &st.running {
            None => self.u8(0),
            Some(a) => {
                self.u8(1);
                self.u64(a.request);
                self.str(&a.what);
                self.f64(a.seconds);
            }
        }
        self.usize(st.queued);
        match st.memory {
            None => self.u8(0),
            Some(m) => {
                self.u8(1);
                self.u64(m);
            }
        }
        self.usize(st.variables.len());
        for (name, ty) in &st.variables {
            self.str(name);
            self.str(ty);
        }
    }

    pub(super) fn request_kind(&mut self, kind: &RequestKind) {
        match kind {
            RequestKind::Execute { code, origin } => {
                self.u8(0);
                self.str(code);
                self.str(origin);
            }
            RequestKind::Define { source } => {
                self.u8(1);
                self.str(source);
            }
            RequestKind::Push { vars } => {
                self.u8(2);
                self.usize(vars.len());
                for (k, v) in vars {
                    self.str(k);
                    self.value(v);
                }
            }
            RequestKind::Pull { names } => {
                self.u8(3);
                self.usize(names.len());
                names.iter().for_each(|n| self.str(n));
            }
            RequestKind::Reset => self.u8(4),
            RequestKind::Map { func, items, first } => {
                self.u8(5);
                self.value(func);
                self.u64(*first);
                self.usize(items.len());
                items.iter().for_each(|v| self.value(v));
            }
            RequestKind::Call { func, args } => {
                self.u8(6);
                self.value(func);
                self.usize(args.len());
                args.iter().for_each(|v| self.value(v));
            }
            RequestKind::Gather { name } => {
                self.u8(7);
                self.str(name);
            }
        }
    }
}
