"""Executes examples/notebook.ipynb with nbclient on the installed kernel and checks its outputs.

usage: notebook.py NOTEBOOK KERNEL_NAME WORK_DIR ENGINES   (JUPYTER_DATA_DIR set by the caller)
"""
import base64
import sys

import nbformat
from nbclient import NotebookClient

path, kernel, work, engines = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, kernel_name=kernel, timeout=120, resources={"metadata": {"path": work}}).execute()
code = [c for c in nb.cells if c.cell_type == "code"]


def text(cell):
    return "".join(o["data"]["text/plain"] for o in cell.outputs if o.output_type == "execute_result")


def expect(cond, what):
    if not cond:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)


expect(text(code[0]) == "[" + ", ".join(str(10 * e) for e in range(engines)) + "]", f"px: {code[0].outputs}")
expect(text(code[1]).endswith("] 120"), f"DistArray sum: {code[1].outputs}")
expect(text(code[2]).endswith("] 8.0"), f"FFT: {code[2].outputs}")
shown = [o for o in code[3].outputs if o.output_type == "display_data"]
expect(len(shown) == 1 and base64.b64decode(shown[0]["data"]["image/png"]).startswith(b"\x89PNG"),
       f"plot: {code[3].outputs}")
print("ok notebook", flush=True)
