//! rank/size and the collectives: results, determinism, and errors instead of hangs.

use crate::util::{self, clusters, clusters_with, script, spmd, On};

#[test]
fn rank_size_barrier_bcast_allgather() {
    for on in clusters() {
        let n = on.engines();
        let code = "barrier();\nlet b = bcast(`from ${rank()}`, size() - 1);\nlet g = allgather(rank() * rank());\nif rank() == 0 { print(`${size()} ${b} ${g}`) }";
        let squares: Vec<String> = (0..n).map(|e| (e * e).to_string()).collect();
        assert_eq!(spmd(on, code).ok().stdout, format!("[0] {n} from {} [{}]\n", n - 1, squares.join(", ")));
    }
}

#[test]
fn allreduce_ops_on_ints_floats_and_arrays() {
    for on in clusters() {
        let n = on.engines() as i64;
        let code = r#"let r = rank() + 1;
let out = [allreduce(r, "sum"), allreduce(r, "prod"), allreduce(r, "min"), allreduce(r, "max"),
           allreduce(r * 0.5, "sum"), allreduce([r, 1.5, [r]], "sum"), allreduce(r, "max") == size()];
if rank() == 0 { print(out) }"#;
        let fact: i64 = (1..=n).product();
        let expected = format!(
            "[0] [{}, {fact}, 1, {n}, {:?}, [{}, {:?}, [{}]], true]\n",
            n * (n + 1) / 2,
            (1..=n).map(|r| r as f64 * 0.5).sum::<f64>(),
            n * (n + 1) / 2,
            1.5 * n as f64,
            n * (n + 1) / 2
        );
        assert_eq!(spmd(on, code).ok().stdout, expected, "{on:?}");
    }
}

#[test]
fn reductions_are_bit_identical_run_after_run_and_across_transports() {
    // Floats whose sum depends on the order of addition.
    let code = "let x = [1e16, 1.0, -1e16, 0.1, 3.3e-5, 7.77][rank() % 6] * (rank() + 1);\nlet s = allreduce([x, x * x], \"sum\");\nif rank() == 0 { print(s) }";
    for on in clusters_with(3) {
        let first = spmd(on, code).ok().stdout;
        for _ in 0..3 {
            assert_eq!(spmd(on, code).ok().stdout, first);
        }
        if util::mpi() {
            assert_eq!(spmd(On::Threads(on.engines()), code).ok().stdout, first, "threads and MPI differ");
        }
    }
}

#[test]
fn send_and_recv_around_a_ring() {
    for on in clusters_with(2) {
        let code = "let next = (rank() + 1) % size();\nlet prev = (rank() + size() - 1) % size();\nsend(#{from: rank(), data: [rank(), 'x']}, next);\nlet got = recv(prev);\nif got.from != prev || got.data[0] != prev { throw `wrong message ${got}` }\nsend(1, rank()); let me = recv(rank());\nprint(`ok ${got.from} ${me}`);";
        let n = on.engines();
        let mut expected: Vec<String> = (0..n).map(|e| format!("[{e}] ok {} 1", (e + n - 1) % n)).collect();
        expected.sort();
        assert_eq!(spmd(on, code).ok().sorted_lines(), expected);
    }
}

#[test]
fn messages_wait_for_a_later_request() {
    for on in clusters_with(2) {
        let code = "px(\"if rank() == 0 { send([1, 2], 1) }\");\nprint(px(\"recv(0)\", 1));";
        assert_eq!(script(on, code).ok().stdout, "[[1, 2]]\n");
    }
}

/// Each of these must end quickly with an error naming the problem, never hang.
#[test]
fn bad_collectives_are_errors_not_hangs() {
    for on in clusters_with(2) {
        let n = on.engines();
        let cases: Vec<(String, String)> = vec![
            ("send(1, 99)".into(), format!("send: engine 99 does not exist (engines are 0-{})", n - 1)),
            ("recv(-1)".into(), format!("recv: engine -1 does not exist (engines are 0-{})", n - 1)),
            ("bcast(1, 99)".into(), format!("bcast: engine 99 does not exist (engines are 0-{})", n - 1)),
            (
                "allreduce(1, \"avg\")".into(),
                "allreduce: unknown op 'avg'; use one of \"sum\", \"min\", \"max\", \"prod\"".into(),
            ),
            (
                "allreduce(if rank() == 0 { [1, 2] } else { [1] }, \"sum\")".into(),
                "allreduce(sum): arrays of different lengths (2 and 1)".into(),
            ),
            (
                "allreduce(if rank() == 0 { 1 } else { \"x\" }, \"max\")".into(),
                "allreduce(max): cannot reduce a string (\"x\")".into(),
            ),
            (
                "if rank() == 0 { barrier() } else { allreduce(1, \"sum\") }".into(),
                "engines disagree: engine 0 called barrier() while engine 1 called allreduce(sum)".into(),
            ),
            (
                "if rank() == 0 { barrier() }".into(),
                "barrier(): engine 1 finished this request without joining it".into(),
            ),
            (
                "if rank() == 1 { throw \"early\" } barrier()".into(),
                "barrier(): engine 1 failed before joining it".into(),
            ),
            ("if rank() == 0 { recv(1) }".into(), "recv(1): engine 1 finished this request without sending".into()),
        ];
        for (snippet, message) in cases {
            let code = format!("try {{ px({snippet:?}); print(\"no error\"); }} catch (e) {{ print(e) }}\nprint(px(\"rank()\").len());");
            let r = script(on, &code).ok();
            assert!(r.stdout.contains(&message), "{on:?} {snippet}: expected {message:?} in\n{}", r.stdout);
            assert!(r.stdout.ends_with(&format!("\n{n}\n")), "session did not go on: {}", r.stdout);
        }
    }
}

#[test]
fn a_collective_on_part_of_the_engines_fails_at_once() {
    for on in clusters_with(3) {
        let code = "try { px(\"barrier()\", [0, 2]); } catch (e) { print(e) }";
        let r = script(on, code).ok();
        assert!(
            r.stdout.contains(&format!(
                "barrier() is collective over all {} engines, but this request runs on engine 0,2",
                on.engines()
            )),
            "{}",
            r.stdout
        );
    }
}
