//! Threads-only checks that need hooks into the engine (a function that panics).

use pshell::client::Client;
use pshell::engine::{self, EngineConfig};
use pshell::protocol::Value;
use pshell::transport::threads;

fn explode(engine: &mut rhai::Engine) {
    engine.register_fn("explode", |msg: &str| -> i64 { panic!("{msg}") });
}

#[test]
fn a_panic_in_a_request_becomes_that_engines_error_and_the_engine_lives_on() {
    let (console, ends) = threads::cluster(2);
    let handles: Vec<_> = ends
        .into_iter()
        .map(|end| std::thread::spawn(move || engine::run(Box::new(end), EngineConfig { extend: Some(explode) })))
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
