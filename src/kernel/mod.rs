//! The Jupyter kernel: pshell in notebooks, JupyterLab, VS Code and `jupyter console`,
//! a front end of the console beside the REPL and batch runs.
//!
//! `pshell kernel -f CONNECTION_FILE` binds the five sockets the connection file names
//! ([`sockets`]) and serves the messaging protocol 5.3 ([`wire`]) on the main thread,
//! which owns the [`Console`]. Cells run through the REPL's own
//! [`Session`](crate::console::repl::Session) (magics, `%autopx`, `%px`, interrupts),
//! whose output comes here instead of the terminal: text as `stream`, values as
//! `execute_result`, errors as `error`; console `print` and engine output (tagged
//! `[e]`, as in the terminal) stream while the cell runs; plots saved during a cell are
//! sent as `display_data` (`image/png` or `image/svg+xml`). Every front end connected
//! to the same connection file shares the session. [`spec`] installs kernelspecs.

pub mod cli;
pub mod sockets;
pub mod spec;
pub mod wire;

use crate::client::Client;
use crate::console::complete::{self, Names};
use crate::console::input::{Got, Input};
use crate::console::repl::{Session, Shown};
use crate::console::screen::{tagged, Style};
use crate::console::{validate, Console};
use crate::protocol::Output;
use crate::transport::Transport;
use serde_json::{json, Value};
use sockets::{Channel, Outgoing};
use std::cell::RefCell;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;
use wire::{Connection, Message};

/// What the kernel's output callbacks share: where to publish and the request served.
struct Publisher {
    out: sockets::Sender,
    session: String,
    /// The request being answered (the parent of what is published).
    parent: RefCell<Option<Message>>,
    /// The number of the cell running.
    count: RefCell<usize>,
    /// The cell's error: ename, evalue, traceback.
    error: RefCell<Option<(String, String, Vec<String>)>>,
}

impl Publisher {
    fn iopub(&self, msg_type: &str, content: Value) {
        let parent = self.parent.borrow().as_ref().map_or(json!({}), |m| m.header.clone());
        let msg = Message {
            ids: vec![],
            header: wire::header(msg_type, &self.session),
            parent,
            metadata: json!({}),
            content,
        };
        let _ = self.out.send(Outgoing { channel: Channel::Iopub, msg });
    }

    fn stdout(&self, text: &str) {
        if !text.is_empty() {
            self.iopub("stream", json!({"name": "stdout", "text": text}));
        }
    }

    fn shown(&self, s: Shown) {
        match s {
            Shown::Text(t) => self.stdout(&t),
            Shown::Value(v) => {
                let n = *self.count.borrow();
                self.iopub("execute_result", json!({"execution_count": n, "data": {"text/plain": v}, "metadata": {}}));
            }
            Shown::Error(text) => self.error("Error", &text),
            Shown::Interrupted(line) => self.error("KeyboardInterrupt", &line),
        }
    }

    fn error(&self, ename: &str, text: &str) {
        let evalue = text.lines().next().unwrap_or("").to_string();
        let mut traceback: Vec<String> = vec![format!("{ename}: {evalue}")];
        traceback.extend(text.lines().skip(1).map(String::from));
        self.iopub("error", json!({"ename": ename, "evalue": evalue, "traceback": traceback}));
        *self.error.borrow_mut() = Some((ename.to_string(), evalue, traceback));
    }
}

/// Cells come from requests; there is no terminal to ask questions on.
struct NoInput;

impl Input for NoInput {
    fn read(&mut self, _prompt: &str, _styled: &str) -> Got {
        Got::Eof
    }
    fn ask(&mut self, _question: &str) -> Option<String> {
        None
    }
    fn remember(&mut self, _cell: &str) {}
    fn shell_gets_stdin(&self) -> bool {
        false
    }
}

/// Reads the connection file.
pub fn read_connection(path: &std::path::Path) -> Result<Connection, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the connection file '{}': {e}", path.display()))?;
    Connection::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Serves the kernel over `transport`'s engines until a shutdown request.
pub fn serve(transport: Box<dyn Transport>, conn: Connection) -> ExitCode {
    let (req_tx, req_rx) = mpsc::channel::<(Channel, Message)>();
    let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel::<Outgoing>();
    let session_id = uuid::Uuid::new_v4().to_string();
    let publisher = Rc::new(Publisher {
        out: out_tx,
        session: session_id.clone(),
        parent: RefCell::new(None),
        count: RefCell::new(0),
        error: RefCell::new(None),
    });
    let p = publisher.clone();
    let sink = Box::new(move |o: &Output| p.stdout(&tagged(o, Style::plain())));
    let mut client = match Client::connect(transport, sink) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pshell kernel: {e}");
            return ExitCode::from(1);
        }
    };
    client.set_notice_sink(Box::new(|notice| eprintln!("pshell kernel: {notice}; going on with the other engines")));
    let (engines, kind) = (client.engines(), client.transport_kind());
    let mut console = Console::new(client);
    let p = publisher.clone();
    console.on_print(move |text| p.stdout(&format!("{text}\n")));
    let flags = {
        let s = console.shared.borrow();
        vec![s.interrupted.clone(), s.client.interrupt_flag()]
    };
    let sender = publisher.out.clone();
    match sockets::start(&conn, session_id.clone(), flags, req_tx, sender.clone(), out_rx) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("pshell kernel: {e}");
            console.shared.borrow_mut().client.shutdown();
            return ExitCode::from(1);
        }
    }
    let banner = format!(
        "pshell {}: {engines} engines over {kind}. %help lists magics and functions.",
        env!("CARGO_PKG_VERSION")
    );
    let p = publisher.clone();
    let mut session = Session::for_front_end(&mut console, Box::new(NoInput), Rc::new(move |s| p.shown(s)));
    let mut kernel = Kernel { publisher, sender, banner, parser: validate::parser(), history: Vec::new() };
    eprintln!("pshell kernel: serving {} engines over {kind}", engines);
    while let Ok((channel, msg)) = req_rx.recv() {
        *kernel.publisher.parent.borrow_mut() = Some(msg.clone());
        kernel.publisher.iopub("status", json!({"execution_state": "busy"}));
        let go_on = kernel.handle(&mut session, channel, &msg);
        kernel.publisher.iopub("status", json!({"execution_state": "idle"}));
        if !go_on || session.quit_asked() {
            break;
        }
    }
    drop(session);
    console.shared.borrow_mut().client.shutdown();
    // Let the socket thread send the last replies.
    std::thread::sleep(Duration::from_millis(200));
    ExitCode::SUCCESS
}

struct Kernel {
    publisher: Rc<Publisher>,
    sender: sockets::Sender,
    banner: String,
    parser: rhai::Engine,
    history: Vec<(usize, String)>,
}

/// The byte offset of the `chars`th character of `s`.
fn byte_at(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

impl Kernel {
    fn reply(&self, channel: Channel, msg: &Message, msg_type: &str, content: Value) {
        let r = msg.reply(msg_type, &self.publisher.session, content);
        let _ = self.sender.send(Outgoing { channel, msg: r });
    }

    /// Answers one request; false when the kernel is to end.
    fn handle(&mut self, session: &mut Session, channel: Channel, msg: &Message) -> bool {
        let c = &msg.content;
        match msg.msg_type() {
            "kernel_info_request" => self.reply(channel, msg, "kernel_info_reply", self.info()),
            "execute_request" => {
                let code = c["code"].as_str().unwrap_or("").to_string();
                let content = self.execute(session, &code, c["silent"].as_bool().unwrap_or(false));
                self.reply(channel, msg, "execute_reply", content);
            }
            "is_complete_request" => {
                let code = c["code"].as_str().unwrap_or("");
                let content = if validate::needs_more(&self.parser, code) {
                    json!({"status": "incomplete", "indent": "    "})
                } else {
                    json!({"status": "complete"})
                };
                self.reply(channel, msg, "is_complete_reply", content);
            }
            "complete_request" => {
                let code = c["code"].as_str().unwrap_or("");
                let pos = byte_at(code, c["cursor_pos"].as_u64().unwrap_or(code.chars().count() as u64) as usize);
                let names = current_names(session);
                let (start, matches) = complete::complete(code, pos, &names);
                let content = json!({
                    "status": "ok",
                    "matches": matches,
                    "cursor_start": code[..start].chars().count(),
                    "cursor_end": code[..pos].chars().count(),
                    "metadata": {},
                });
                self.reply(channel, msg, "complete_reply", content);
            }
            "inspect_request" => {
                let code = c["code"].as_str().unwrap_or("");
                let pos = byte_at(code, c["cursor_pos"].as_u64().unwrap_or(0) as usize);
                let content = inspect(session, code, pos);
                self.reply(channel, msg, "inspect_reply", content);
            }
            "history_request" => {
                let history: Vec<Value> = self.history.iter().map(|(n, code)| json!([0, n, code])).collect();
                self.reply(channel, msg, "history_reply", json!({"status": "ok", "history": history}));
            }
            "comm_info_request" => self.reply(channel, msg, "comm_info_reply", json!({"status": "ok", "comms": {}})),
            "shutdown_request" => {
                let restart = c["restart"].as_bool().unwrap_or(false);
                self.reply(channel, msg, "shutdown_reply", json!({"status": "ok", "restart": restart}));
                self.publisher.iopub("shutdown_reply", json!({"status": "ok", "restart": restart}));
                return false;
            }
            other => eprintln!("pshell kernel: ignored a {other:?} message (not served)"),
        }
        true
    }

    fn info(&self) -> Value {
        json!({
            "status": "ok",
            "protocol_version": wire::PROTOCOL_VERSION,
            "implementation": "pshell",
            "implementation_version": env!("CARGO_PKG_VERSION"),
            "language_info": {
                "name": "rhai",
                "version": "1",
                "mimetype": "text/x-rhai",
                "file_extension": ".rhai",
                "pygments_lexer": "rust",
                "codemirror_mode": "rust",
            },
            "banner": self.banner,
            "help_links": [],
        })
    }

    fn execute(&mut self, session: &mut Session, code: &str, silent: bool) -> Value {
        let n = session.count();
        *self.publisher.count.borrow_mut() = n;
        *self.publisher.error.borrow_mut() = None;
        if !silent {
            self.publisher.iopub("execute_input", json!({"code": code, "execution_count": n}));
        }
        if code.trim().is_empty() {
            return json!({"status": "ok", "execution_count": n, "user_expressions": {}, "payload": []});
        }
        self.history.push((n, code.to_string()));
        let before = session.console().plots.borrow().saved().len();
        session.run_cell(code);
        let saved: Vec<_> = session.console().plots.borrow().saved()[before..].to_vec();
        for s in saved {
            self.display_plot(&s);
        }
        match self.publisher.error.borrow_mut().take() {
            None => json!({"status": "ok", "execution_count": n, "user_expressions": {}, "payload": []}),
            Some((ename, evalue, traceback)) => json!({
                "status": "error",
                "execution_count": n,
                "ename": ename,
                "evalue": evalue,
                "traceback": traceback,
            }),
        }
    }

    /// Sends a saved plot as `display_data`.
    fn display_plot(&self, s: &crate::console::plots::Saved) {
        let bytes = match std::fs::read(&s.path) {
            Ok(b) => b,
            Err(e) => return self.publisher.stdout(&format!("cannot read the plot '{}': {e}\n", s.path.display())),
        };
        let who = s.engine.map_or(String::new(), |e| format!(" from engine {e}"));
        let plain = format!("<{} '{}'{who}: {}>", s.kind, s.title, s.path.display());
        let data = if s.format == "svg" {
            json!({"image/svg+xml": String::from_utf8_lossy(&bytes), "text/plain": plain})
        } else {
            json!({"image/png": wire::base64(&bytes), "text/plain": plain})
        };
        let metadata = json!({"image/png": {"width": s.width, "height": s.height}});
        self.publisher.iopub("display_data", json!({"data": data, "metadata": metadata, "transient": {}}));
    }
}

/// The console's names now (variables and functions).
fn current_names(session: &mut Session) -> Names {
    let console = session.console();
    Names { variables: console.variables().into_iter().map(|(n, _)| n).collect(), functions: console.functions(true) }
}

/// What `inspect_request` shows: the functions named at the cursor, with their arity,
/// or the variable's type.
fn inspect(session: &mut Session, code: &str, pos: usize) -> Value {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let start = code[..pos].rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
    let end = code[pos..].find(|c: char| !is_word(c)).map_or(code.len(), |i| pos + i);
    let word = &code[start..end];
    let console = session.console();
    let mut lines: Vec<String> = console
        .variables()
        .into_iter()
        .filter(|(n, _)| n == word)
        .map(|(n, t)| format!("{n}: a variable of type {t}"))
        .collect();
    let defined = console.defined_functions();
    lines.extend(
        defined
            .iter()
            .filter(|f| f.split('(').next() == Some(word))
            .map(|f| format!("fn {f} (defined at the console)")),
    );
    if lines.is_empty() {
        lines.extend(
            console
                .functions(true)
                .into_iter()
                .filter(|(f, _)| f == word)
                .map(|(f, n)| format!("{f}: a function of {n} parameter{}", if n == 1 { "" } else { "s" })),
        );
    }
    if word.is_empty() || lines.is_empty() {
        return json!({"status": "ok", "found": false, "data": {}, "metadata": {}});
    }
    json!({"status": "ok", "found": true, "data": {"text/plain": lines.join("\n")}, "metadata": {}})
}
