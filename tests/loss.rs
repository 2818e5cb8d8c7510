//! Engines that die. On threads (in process, because nothing a script does kills an
//! engine thread: a transport that panics outside a request stands in for a bug in the
//! engine loop): the death is reported, lb_map and submit re-run the lost work on the
//! others, px_async's get() names the lost engine, and the session goes on. Under MPI (the
//! `pshell` binary under mpirun, a rank killed with SIGKILL): the console names the dead
//! engine and exits instead of hanging. Also: interrupting an lb_map stops it.

use crate::util::{binary, mpi, tempdir};
use pshell::client::{Client, Notice};
use pshell::console::Console;
use pshell::protocol::{Message, Peer};
use pshell::runner::{self, EngineConfig};
use pshell::transport::threads::{self, ThreadEndpoint};
use pshell::transport::{Transport, TransportError};
use std::cell::{Cell, RefCell};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// An engine endpoint whose engine loop panics when it is about to send its reply
/// number `replies + 1` (outside any request, so the engine dies).
struct Doomed {
    inner: ThreadEndpoint,
    replies: Cell<usize>,
}

impl Transport for Doomed {
    fn me(&self) -> Peer {
        self.inner.me()
    }
    fn engines(&self) -> usize {
        self.inner.engines()
    }
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    fn send(&self, to: Peer, msg: Message) -> Result<(), TransportError> {
        if let Message::Reply(_) = msg {
            match self.replies.get() {
                0 => panic!("doomed engine: its loop breaks"),
                n => self.replies.set(n - 1),
            }
        }
        self.inner.send(to, msg)
    }
    fn try_recv(&self) -> Option<(Peer, Message)> {
        self.inner.try_recv()
    }
    fn recv_timeout(&self, timeout: Duration) -> Option<(Peer, Message)> {
        self.inner.recv_timeout(timeout)
    }
}

/// A console on `n` engine threads; engine `doomed` dies after `replies` replies.
fn cluster(n: usize, doomed: usize, replies: usize) -> (Console, Rc<RefCell<Vec<Notice>>>) {
    let (console_end, ends) = threads::cluster(n);
    for (e, end) in ends.into_iter().enumerate() {
        let transport: Box<dyn Transport + Send> =
            if e == doomed { Box::new(Doomed { inner: end, replies: Cell::new(replies) }) } else { Box::new(end) };
        std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || runner::run(transport, EngineConfig::default()))
            .expect("engine thread");
    }
    let mut client = Client::connect(Box::new(console_end), Box::new(|_| {})).expect("engines start");
    let notices: Rc<RefCell<Vec<Notice>>> = Rc::default();
    let seen = notices.clone();
    client.set_notice_sink(Box::new(move |n| seen.borrow_mut().push(n.clone())));
    (Console::new(client), notices)
}

fn lost(notices: &RefCell<Vec<Notice>>) -> Vec<usize> {
    notices
        .borrow()
        .iter()
        .map(|n| match n {
            Notice::EngineLost { engine, reason } => {
                assert!(reason.contains("its loop panicked: doomed engine"), "{reason}");
                *engine
            }
            other => panic!("unexpected notice {other:?}"),
        })
        .collect()
}

#[test]
fn lb_map_reruns_the_items_of_an_engine_that_died() {
    // Engine 1 answers two definitions and one chunk, then dies.
    let (mut console, notices) = cluster(3, 1, 3);
    let _ = console.eval("fn doubles(n) { let a = []; for i in 0..n { a.push(2 * i) } a }", "t").unwrap();
    let v = console
        .eval("fn f(x) { sleep(0.002); x * 2 } let r = lb_map(f, range(0, 300)); r == doubles(300)", "t")
        .unwrap();
    assert!(v.as_bool().unwrap(), "every result, in order");
    assert_eq!(lost(&notices), vec![1]);
    assert_eq!(console.eval("engines()", "t").unwrap().to_string(), "[0, 2]");
    let v = console.eval("map(f, range(0, 10)) == doubles(10)", "t").unwrap();
    assert!(v.as_bool().unwrap(), "the session goes on with the others");
    // New functions and closures still reach the engines left.
    let v = console.eval("fn g(x) { x - 1 } let k = 3; lb_map(|x| g(x) * k, [1, 2])", "t").unwrap();
    assert_eq!(v.to_string(), "[0, 3]");
}

#[test]
fn submitted_tasks_rerun_elsewhere_when_their_engine_dies() {
    // Engine 0 answers the definitions, then dies with its first task.
    let (mut console, notices) = cluster(2, 0, 1);
    let v = console
        .eval("fn f(x) { x + 1 } let rs = []; for i in 0..6 { rs.push(submit(f, i)) } [rs.map(|r| r.get()), rs[0].engines]", "t")
        .unwrap();
    assert_eq!(v.to_string(), "[[1, 2, 3, 4, 5, 6], [1]]");
    assert_eq!(lost(&notices), vec![0]);
}

#[test]
fn get_on_a_result_whose_engine_died_names_it_and_the_session_goes_on() {
    let (mut console, notices) = cluster(2, 1, 0);
    let err = console.eval("let r = px_async(\"rank()\"); r.get()", "t").unwrap_err();
    assert!(err.starts_with("[1] EngineLost: engine 1 is gone: its loop panicked: doomed engine"), "{err}");
    assert_eq!(lost(&notices), vec![1]);
    assert_eq!(console.eval("px(\"rank()\")", "t").unwrap().to_string(), "[0]");
    // Naming the dead engine explicitly is an error that says so.
    let err = console.eval("px(\"1\", 1)", "t").unwrap_err();
    assert!(err.starts_with("[1] EngineLost: engine 1 is gone"), "{err}");
}

#[test]
fn interrupting_an_lb_map_stops_it() {
    let (mut console, _) = cluster(2, usize::MAX, 0);
    let flag = console.shared.borrow().client.interrupt_flag();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, Ordering::SeqCst);
    });
    let started = Instant::now();
    let err = console.eval("lb_map(|x| { sleep(0.05); x }, range(0, 200))", "t").unwrap_err();
    t.join().unwrap();
    assert!(err.starts_with("lb_map: interrupted after "), "{err}");
    assert!(err.lines().next().unwrap().ends_with(" of 200 items"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4), "it stopped instead of finishing");
    assert_eq!(console.eval("lb_map(|x| x + 1, [1, 2])", "t").unwrap().to_string(), "[2, 3]");
}

/// The pid of the process of MPI rank `rank` running `script`, once it exists.
fn rank_pid(script: &str, rank: usize, within: Duration) -> Option<u32> {
    let deadline = Instant::now() + within;
    let want = format!("OMPI_COMM_WORLD_RANK={rank}");
    while Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if !String::from_utf8_lossy(&cmdline).contains(script) {
                continue;
            }
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            if environ.split(|&b| b == 0).any(|v| v == want.as_bytes()) {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn under_mpi_a_killed_engine_ends_the_session_naming_it() {
    if !mpi() {
        return;
    }
    let dir = tempdir();
    let path = dir.join("killed.rhai");
    std::fs::write(&path, "fn slow(x) { sleep(0.2); x }\nprint(lb_map(slow, range(0, 300)));\n").unwrap();
    let script = path.to_str().unwrap().to_string();
    let mut child = crate::util::mpi_env(&mut Command::new("mpirun"))
        .args(["--oversubscribe", "-n", "4"])
        .arg(binary())
        .arg(&script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mpirun");
    let pid = rank_pid(&script, 2, Duration::from_secs(30)).expect("rank 2 starts");
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill").args(["-9", &pid.to_string()]).status().expect("kill");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("poll").is_none() {
        assert!(Instant::now() < deadline, "the session hangs after an engine died");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let notice = format!(
        "pshell: engine 1 (MPI rank 2, pid {pid}) died; Open MPI ends the whole job when a rank dies, so this session ends here"
    );
    assert!(stderr.contains(&notice), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
