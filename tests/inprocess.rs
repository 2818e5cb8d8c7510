//! Threads-only checks that need hooks into the engine (a function that panics) or the
//! console (the progress hook the REPL draws its bar with).

use pshell::client::Client;
use pshell::protocol::Value;
use pshell::runner::{self, EngineConfig};
use pshell::transport::threads;

fn explode(engine: &mut rhai::Engine) {
    engine.register_fn("explode", |msg: &str| -> i64 { panic!("{msg}") });
}

#[test]
fn a_panic_in_a_request_becomes_that_engines_error_and_the_engine_lives_on() {
    let (console, ends) = threads::cluster(2);
    let handles: Vec<_> = ends
        .into_iter()
        .map(|end| std::thread::spawn(move || runner::run(Box::new(end), EngineConfig { extend: Some(explode) })))
        .collect();
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).unwrap();
    client.execute("let keep = rank() * 3;", &[0, 1], "test").unwrap();
    let err = client.execute("if rank() == 1 { explode(\"kaboom\") } else { 0 }", &[0, 1], "test").unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_eq!(err.errors[0].engine, 1);
    assert_eq!(err.errors[0].kind, "Panic");
    assert!(err.errors[0].message.contains("kaboom"), "{}", err.errors[0].message);
    assert!(err.errors[0].message.contains("tests/inprocess.rs:"), "the panic's location: {}", err.errors[0].message);
    assert_eq!(client.execute("keep", &[0, 1], "test").unwrap(), vec![Value::Int(0), Value::Int(3)]);
    client.shutdown();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn long_waits_report_progress_to_the_hook_and_short_ones_do_not() {
    use pshell::console::Console;
    use std::cell::RefCell;
    use std::rc::Rc;
    let (console_end, ends) = threads::cluster(2);
    for end in ends {
        std::thread::spawn(move || runner::run(Box::new(end), EngineConfig::default()));
    }
    let client = Client::connect(Box::new(console_end), Box::new(|_| {})).unwrap();
    let mut console = Console::new(client);
    // (what, done, total, finished) of each report.
    type Reports = Rc<RefCell<Vec<(String, usize, usize, bool)>>>;
    let seen: Reports = Rc::default();
    let s = seen.clone();
    console.set_progress_hook(Some(Box::new(move |p| {
        s.borrow_mut().push((p.what.to_string(), p.done, p.total, p.finished));
    })));
    let _ = console.eval("lb_map(|x| x, range(0, 10)); map(|x| x, [1])", "t").unwrap();
    assert!(seen.borrow().is_empty(), "quick operations report nothing: {:?}", seen.borrow());
    for (op, code) in [
        ("lb_map", "lb_map(|x| { sleep(0.03); x }, range(0, 20))"),
        ("map", "map(|x| { sleep(0.03); x }, range(0, 20))"),
        ("wait", "px_async(\"sleep(0.4)\").wait()"),
        ("wait_all", "wait_all([submit(|| sleep(0.4)), submit(|| sleep(0.2))])"),
    ] {
        seen.borrow_mut().clear();
        let _ = console.eval(code, "t").unwrap();
        let reports = seen.borrow();
        assert!(reports.len() >= 2, "{op}: {reports:?}");
        assert!(reports.iter().all(|r| r.0 == op), "{op}: {reports:?}");
        let last = reports.last().unwrap();
        assert!(last.3 && last.1 == last.2, "{op}: ends finished and complete: {reports:?}");
        assert!(reports[..reports.len() - 1].iter().all(|r| !r.3), "{op}: {reports:?}");
        assert!(reports.windows(2).all(|w| w[0].1 <= w[1].1), "{op}: done never goes back: {reports:?}");
    }
}
