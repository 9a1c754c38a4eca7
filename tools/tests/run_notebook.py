#!/usr/bin/python3
"""Executes docs/notebooks/fusemax.ipynb with nbclient (the test suite's python.notebook): any cell
that raises fails the test. The executed copy goes to the path given (default: a temporary file)."""
import os
import sys

import nbformat
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
nb = nbformat.read(os.path.join(ROOT, "docs", "notebooks", "fusemax.ipynb"), as_version=4)
os.environ["FUSEMAX_ROOT"] = ROOT
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": os.path.join(ROOT, "docs", "notebooks")}}).execute()
out = sys.argv[1] if len(sys.argv) > 1 else None
if out:
    nbformat.write(nb, out)
images = sum(1 for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
print(f"notebook: {len(nb.cells)} cells executed, {images} images")
