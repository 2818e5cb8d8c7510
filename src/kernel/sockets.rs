//! The five ZeroMQ sockets, served on a thread of their own (a small tokio runtime):
//! shell and control (ROUTER), stdin (ROUTER), iopub (PUB) and heartbeat (REP).
//!
//! Requests that arrive signed with the connection's key go to the kernel's main thread
//! (which owns the console); a message whose signature does not match is logged on
//! stderr and dropped. `interrupt_request` is answered here, at once, by raising the
//! interrupt flags Ctrl-C raises in the terminal, so it reaches a cell that is running.

use super::wire::{Connection, Message, Signer};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// Which socket a message came on or goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Shell,
    Control,
    Iopub,
}

/// A message to send.
pub struct Outgoing {
    pub channel: Channel,
    pub msg: Message,
}

/// The sending side the main thread uses.
pub type Sender = tokio::sync::mpsc::UnboundedSender<Outgoing>;

/// Starts the sockets and returns once every one is bound; requests arrive on
/// `requests`, what is sent on `out` (`rx` its receiving end) goes out.
pub fn start(
    conn: &Connection,
    session: String,
    interrupt: Vec<Arc<AtomicBool>>,
    requests: mpsc::Sender<(Channel, Message)>,
    out: Sender,
    rx: tokio::sync::mpsc::UnboundedReceiver<Outgoing>,
) -> Result<(), String> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    let conn = conn.clone();
    std::thread::Builder::new()
        .name("pshell-kernel-sockets".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("cannot start the socket runtime: {e}")));
                    return;
                }
            };
            rt.block_on(serve(conn, session, interrupt, requests, out, rx, ready_tx));
        })
        .map_err(|e| format!("cannot start the socket thread: {e}"))?;
    ready_rx.recv().map_err(|_| "the socket thread ended while binding".to_string())?
}

fn frames(m: ZmqMessage) -> Vec<Vec<u8>> {
    m.into_vec().into_iter().map(|b| b.to_vec()).collect()
}

fn zmq_message(frames: Vec<Vec<u8>>) -> Option<ZmqMessage> {
    let mut frames = frames.into_iter();
    let mut m = ZmqMessage::from(frames.next()?);
    for f in frames {
        m.push_back(f.into());
    }
    Some(m)
}

async fn serve(
    conn: Connection,
    session: String,
    interrupt: Vec<Arc<AtomicBool>>,
    requests: mpsc::Sender<(Channel, Message)>,
    out: Sender,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Outgoing>,
    ready: mpsc::Sender<Result<(), String>>,
) {
    let mut shell = zeromq::RouterSocket::new();
    let mut control = zeromq::RouterSocket::new();
    let mut stdin = zeromq::RouterSocket::new();
    let mut iopub = zeromq::PubSocket::new();
    let mut hb = zeromq::RepSocket::new();
    let bound = async {
        for (name, port) in [("shell", conn.shell_port), ("control", conn.control_port), ("stdin", conn.stdin_port)] {
            let sock = match name {
                "shell" => &mut shell,
                "control" => &mut control,
                _ => &mut stdin,
            };
            sock.bind(&conn.endpoint(port))
                .await
                .map_err(|e| format!("cannot bind the {name} socket on port {port}: {e}"))?;
        }
        iopub.bind(&conn.endpoint(conn.iopub_port)).await.map_err(|e| format!("cannot bind the iopub socket: {e}"))?;
        hb.bind(&conn.endpoint(conn.hb_port)).await.map_err(|e| format!("cannot bind the heartbeat socket: {e}"))?;
        Ok::<(), String>(())
    }
    .await;
    let failed = bound.is_err();
    let _ = ready.send(bound);
    if failed {
        return;
    }
    let signer = Signer::new(&conn.key);
    let (mut shell_tx, mut shell_rx) = shell.split();
    let (mut control_tx, mut control_rx) = control.split();

    // Heartbeat: echo every ping.
    tokio::spawn(async move {
        while let Ok(m) = hb.recv().await {
            if hb.send(m).await.is_err() {
                break;
            }
        }
    });
    // stdin stays bound (front ends connect to it); input() is not offered.
    tokio::spawn(async move { while stdin.recv().await.is_ok() {} });
    let s = signer.clone();
    let to_main = requests.clone();
    tokio::spawn(async move {
        while let Ok(m) = shell_rx.recv().await {
            match Message::decode(&frames(m), &s) {
                Ok(msg) => {
                    if to_main.send((Channel::Shell, msg)).is_err() {
                        break;
                    }
                }
                Err(e) => eprintln!("pshell kernel: dropped a message on the shell socket: {e}"),
            }
        }
    });
    let s = signer.clone();
    tokio::spawn(async move {
        while let Ok(m) = control_rx.recv().await {
            let msg = match Message::decode(&frames(m), &s) {
                Ok(msg) => msg,
                Err(e) => {
                    eprintln!("pshell kernel: dropped a message on the control socket: {e}");
                    continue;
                }
            };
            if msg.msg_type() == "interrupt_request" {
                for flag in &interrupt {
                    flag.store(true, Ordering::SeqCst);
                }
                let busy = Message { ids: vec![], ..msg.reply("status", &session, json!({"execution_state": "busy"})) };
                let _ = out.send(Outgoing { channel: Channel::Iopub, msg: busy });
                let reply = msg.reply("interrupt_reply", &session, json!({"status": "ok"}));
                let _ = out.send(Outgoing { channel: Channel::Control, msg: reply });
                let idle = Message { ids: vec![], ..msg.reply("status", &session, json!({"execution_state": "idle"})) };
                let _ = out.send(Outgoing { channel: Channel::Iopub, msg: idle });
            } else if requests.send((Channel::Control, msg)).is_err() {
                break;
            }
        }
    });
    // Everything sent goes through here, so each socket has one writer.
    while let Some(o) = rx.recv().await {
        let mut f = o.msg.encode(&signer);
        if o.channel == Channel::Iopub {
            let topic = format!("kernel.{}", o.msg.msg_type());
            f.insert(0, topic.into_bytes());
        }
        let Some(zm) = zmq_message(f) else { continue };
        let sent = match o.channel {
            Channel::Shell => shell_tx.send(zm).await,
            Channel::Control => control_tx.send(zm).await,
            Channel::Iopub => iopub.send(zm).await,
        };
        if let Err(e) = sent {
            eprintln!("pshell kernel: cannot send {} on {:?}: {e}", o.msg.msg_type(), o.channel);
        }
    }
}
