"""Drives the pshell Jupyter kernel with the real jupyter_client, as a front end does.

usage: drive.py PSHELL DATA_DIR WORK_DIR threads N | mpi "mpirun ... -n 3"

Installs a kernelspec into DATA_DIR (JUPYTER_DATA_DIR), starts the kernel through
KernelManager, and checks kernel_info, execute (result, stream, engine output, error
with its caret), plots as PNG, completion, is_complete, inspect, history, a message
with a wrong signature (dropped), a second client on the same connection file,
interrupt (variables survive), restart (a fresh session) and shutdown (no process
left). Prints `ok NAME` per check; exits 1 at the first failure, saying what.
"""
import base64
import os
import subprocess
import sys
import time

from jupyter_client import BlockingKernelClient, KernelManager
from jupyter_client.session import Session

pshell, data_dir, work_dir, transport, size = sys.argv[1:6]
os.environ["JUPYTER_DATA_DIR"] = data_dir
os.environ["NO_COLOR"] = "1"
name = "pshell-test"
install = [pshell, "kernel", "install", "--name", name]
install += ["-n", size] if transport == "threads" else ["--mpi", size]
subprocess.run(install, check=True)


km = None


def fail(what):
    print(f"FAILED: {what}", flush=True)
    if km is not None:
        km.shutdown_kernel(now=True)
    sys.exit(1)


def check(cond, what):
    if not cond:
        fail(what)


def run(kc, code, timeout=60):
    """Executes code; returns (reply content, [iopub messages of this request])."""
    msg_id = kc.execute(code)
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    check(reply["parent_header"]["msg_id"] == msg_id, "the reply answers the request")
    return reply["content"], out


def of(out, kind):
    return [m["content"] for m in out if m["msg_type"] == kind]


def stdout(out):
    return "".join(c["text"] for c in of(out, "stream") if c["name"] == "stdout")


def result(out):
    r = of(out, "execute_result")
    return r[0]["data"]["text/plain"] if r else None


def processes_with(text):
    """Pids whose command line mentions text (the kernel and, under MPI, its ranks)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


km = KernelManager(kernel_name=name)
km.start_kernel(cwd=work_dir)
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)

# kernel_info
kc.kernel_info()
info = kc.get_shell_msg(timeout=30)["content"]
check(info["language_info"]["name"] == "rhai", f"language rhai: {info}")
check(info["language_info"]["file_extension"] == ".rhai", f"extension: {info}")
engines = int(size) if transport == "threads" else int(size.split()[-1]) - 1
check(f"{engines} engines over {'threads' if transport == 'threads' else 'mpi'}" in info["banner"], info["banner"])
print("ok kernel_info", flush=True)

# execute: value, print, execution_count
reply, out = run(kc, "let x = 40 + 2;\nx")
check(reply["status"] == "ok", f"execute ok: {reply}")
check(result(out) == "42", f"x is 42: {out}")
n1 = reply["execution_count"]
reply, out = run(kc, 'print("hello from the console"); x + 1')
check(reply["execution_count"] == n1 + 1, f"execution_count goes up: {reply}")
check(stdout(out) == "hello from the console\n", f"print streams: {out}")
check(result(out) == "43", f"value 43: {out}")
check(any(m["msg_type"] == "execute_input" for m in out), "execute_input is published")
print("ok execute", flush=True)

# engines: px values and engine output tagged [e]
reply, out = run(kc, 'px("rank() * 10")')
check(result(out) == "[" + ", ".join(str(10 * e) for e in range(engines)) + "]", f"px values: {out}")
reply, out = run(kc, '%px print("engine " + rank())')
text = stdout(out)
for e in range(engines):
    check(f"[{e}] engine {e}\n" in text, f"engine {e} output tagged: {text!r}")
reply, out = run(kc, "%px rank() + 1")
check(result(out).startswith("[0") and "1" in result(out), f"%px values: {out}")
print("ok engines", flush=True)

# errors: console error with caret, engine error naming the engine; session goes on
reply, out = run(kc, "let y = 1;\ny + undefined_name")
check(reply["status"] == "error", f"error status: {reply}")
err = of(out, "error")[0]
tb = "\n".join(err["traceback"])
check("undefined_name" in err["evalue"], f"evalue names the variable: {err}")
check("line 2, column 5" in tb and "^" in tb, f"traceback has line, column and caret: {tb}")
reply, out = run(kc, '%px if rank() == 0 { throw "boom" } else { 1 }')
check(reply["status"] == "error", f"engine error status: {reply}")
tb = "\n".join(of(out, "error")[0]["traceback"])
check("[0]" in tb and "boom" in tb and "column 18" in tb, f"engine error names the engine: {tb}")
reply, out = run(kc, "x")
check(result(out) == "42", "variables survive errors")
print("ok errors", flush=True)

# plots: display_data with a PNG, from the console and from an engine
reply, out = run(kc, 'plot([1.0, 4.0, 9.0], #{title: "squares"})')
shown = of(out, "display_data")
check(reply["status"] == "ok" and len(shown) == 1, f"one display_data: {out}")
png = base64.b64decode(shown[0]["data"]["image/png"])
check(png.startswith(b"\x89PNG\r\n\x1a\n"), "the plot is a PNG")
reply, out = run(kc, '%px if rank() == 0 { hist([1.0, 2.0, 2.0, 3.0]) }')
shown = of(out, "display_data")
check(len(shown) == 1 and "engine 0" in shown[0]["data"]["text/plain"], f"engine plot shown: {out}")
check(base64.b64decode(shown[0]["data"]["image/png"]).startswith(b"\x89PNG"), "engine plot is a PNG")
reply, out = run(kc, 'plot([1.0, 2.0], #{format: "svg"})')
shown = of(out, "display_data")
check(len(shown) == 1 and "<svg" in shown[0]["data"]["image/svg+xml"], f"svg plot shown: {out}")
check(os.path.isdir(os.path.join(work_dir, "plots")), "plots are saved as in the terminal")
print("ok plots", flush=True)

# completion, is_complete, inspect, history
run(kc, "let alpha_one = 1; let alpha_two = 2;")
kc.complete("alpha_o", 7)
c = kc.get_shell_msg(timeout=30)["content"]
check(c["matches"] == ["alpha_one"] and c["cursor_start"] == 0 and c["cursor_end"] == 7, f"complete: {c}")
kc.complete("%au", 3)
c = kc.get_shell_msg(timeout=30)["content"]
check(c["matches"] == ["autopx"], f"magic completion: {c}")
kc.is_complete("if x > 1 {")
c = kc.get_shell_msg(timeout=30)["content"]
check(c["status"] == "incomplete" and c["indent"], f"open block incomplete: {c}")
kc.is_complete("x + 1")
c = kc.get_shell_msg(timeout=30)["content"]
check(c["status"] == "complete", f"complete: {c}")
kc.inspect("alpha_one", 3)
c = kc.get_shell_msg(timeout=30)["content"]
check(c["found"] and "alpha_one" in c["data"]["text/plain"], f"inspect: {c}")
kc.history(hist_access_type="tail", n=100)
c = kc.get_shell_msg(timeout=30)["content"]
check(any("let x = 40 + 2" in h[2] for h in c["history"]), f"history: {c}")
print("ok completion", flush=True)

# a message signed with the wrong key is dropped, never executed
bad = Session(key=b"not-the-key")
bad.send(kc.shell_channel.socket, "execute_request",
         {"code": "let hacked = 1;", "silent": False, "store_history": True,
          "user_expressions": {}, "allow_stdin": False})
time.sleep(1.0)
reply, out = run(kc, "hacked")
check(reply["status"] == "error", f"the badly signed cell did not run: {reply}")
print("ok signature", flush=True)

# a second client on the same connection file shares the session and sees iopub
kc2 = BlockingKernelClient(connection_file=km.connection_file)
kc2.load_connection_file()
kc2.start_channels()
kc2.wait_for_ready(timeout=60)
reply, out = run(kc2, "x * 2")
check(result(out) == "84", f"second client sees x: {out}")
seen = []
deadline = time.time() + 10
while time.time() < deadline:
    try:
        m = kc.get_iopub_msg(timeout=1)
    except Exception:
        continue
    seen.append(m["msg_type"])
    if m["msg_type"] == "execute_result" and m["content"]["data"]["text/plain"] == "84":
        break
else:
    fail(f"the first client sees the second's result on iopub: {seen}")
kc2.stop_channels()
print("ok second client", flush=True)

# interrupt: a loop on the engines stops, variables survive
msg_id = kc.execute('%px let i = 0; loop { i += 1; }')
time.sleep(1.5)
t = time.time()
km.interrupt_kernel()
reply = kc.get_shell_msg(timeout=30)
check(reply["content"]["status"] == "error", f"interrupted cell errs: {reply['content']}")
check(reply["content"]["ename"] == "KeyboardInterrupt", f"KeyboardInterrupt: {reply['content']}")
check(time.time() - t < 10, "the interrupt is prompt")
while True:
    m = kc.get_iopub_msg(timeout=30)
    if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" \
            and m["content"]["execution_state"] == "idle":
        break
reply, out = run(kc, "x")
check(result(out) == "42", f"x survives the interrupt: {out}")
reply, out = run(kc, "%px rank()")
check(reply["status"] == "ok", f"engines work after the interrupt: {reply}")
print("ok interrupt", flush=True)

# restart: a fresh session
km.restart_kernel(now=False)
kc.wait_for_ready(timeout=120)
reply, out = run(kc, "x")
check(reply["status"] == "error", f"x is gone after restart: {reply}")
reply, out = run(kc, "px(\"rank()\").len()")
check(result(out) == str(engines), f"engines after restart: {out}")
print("ok restart", flush=True)

# shutdown: nothing left running
conn = km.connection_file
kc.stop_channels()
km.shutdown_kernel(now=False)
deadline = time.time() + 15
while processes_with(conn) and time.time() < deadline:
    time.sleep(0.2)
check(not processes_with(conn), f"processes left after shutdown: {processes_with(conn)}")
print("ok shutdown", flush=True)
