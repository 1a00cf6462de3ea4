r"""The in-process engine's IPython shell: a cell's output as nbformat outputs, and the
matplotlib backend the engine uses (:mod:`urbansec_lib.publish.inprocess`).

:func:`_shell_class` is an ``InteractiveShell`` whose display hook (a cell's last
expression), display publisher (``display()``) and traceback display write the outputs
nbclient would have built from a kernel's messages into :class:`_Capture`; :class:`_Stream`
is ``sys.stdout``/``sys.stderr`` while a cell runs. As a matplotlib backend
(:data:`BACKEND`) this module is an Agg canvas whose :func:`show` displays the open figures
and closes them (the inline backend's ``show``).

Example
-------
>>> cap = _Capture()
>>> cap.start([])
>>> cap.write("stdout", "a\n"); cap.write("stderr", "e\n"); cap.write("stdout", "b\n")
>>> cap.flush()  # as ipykernel sends buffered streams: stdout first
>>> [(o.name, o.text) for o in cap.outputs]
[('stdout', 'a\nb\n'), ('stderr', 'e\n')]
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas

__all__ = ["BACKEND", "FigureCanvas", "show"]

#: The matplotlib backend of the in-process engine: this module (an Agg canvas, ``show``).
BACKEND = "module://urbansec_lib.publish.inprocess_shell"

#: The shell of the notebook running now (set by the executor while a notebook runs).
_running: list = []


# ---------------------------------------------------------------------- matplotlib backend
def show(close: bool | None = None, block: bool | None = None) -> None:
    """``plt.show()`` of the in-process backend: display every open figure, then close them.

    As the inline backend's ``show``: each figure becomes a ``display_data`` output of the
    running cell (a PNG).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> show()  # outside a notebook: nothing to display to; the figure is closed
    >>> plt.get_fignums()
    []
    """
    from matplotlib._pylab_helpers import Gcf

    managers = Gcf.get_all_fig_managers()
    try:
        shell = _running[-1] if _running else None
        if shell is not None:
            for m in managers:
                shell.display_pub.publish(*_figure_data(shell, m.canvas.figure))
    finally:
        if managers and close is not False:
            import matplotlib.pyplot as plt

            plt.close("all")


def _figure_data(shell, fig) -> tuple[dict, dict]:
    """A figure as the inline backend displays it: formatted data and metadata."""
    data, md = shell.display_formatter.format(fig)
    try:  # the inline backend's hint for a transparent figure's background
        from matplotlib_inline.backend_inline import _fetch_figure_metadata

        extra = _fetch_figure_metadata(fig)
    except ImportError:  # pragma: no cover - installed with ipykernel
        extra = None
    if extra:
        md = dict(md, **{"image/png": extra})
    return data, md


# ---------------------------------------------------------------------- output capture
class _Capture:
    """The outputs of the running cell, as nbclient would have built them from messages."""

    def __init__(self) -> None:
        self.outputs: list = []
        self.buffers: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.clear_pending = False
        self.display_ids: dict[str, list] = {}
        self.error: tuple[str, str, list[str]] | None = None

    def start(self, outputs: list) -> None:
        self.outputs = outputs
        self.buffers = {"stdout": [], "stderr": []}
        self.clear_pending = False
        self.error = None

    def write(self, name: str, text: str) -> None:
        self.buffers[name].append(text)

    def flush(self) -> None:
        for name in ("stdout", "stderr"):
            if self.buffers[name]:
                text = "".join(self.buffers[name])
                self.buffers[name] = []
                if text:
                    self._append(_output("stream", name=name, text=text))

    def _append(self, out) -> None:
        if self.clear_pending:
            self.outputs[:] = []
            self.clear_pending = False
        self.outputs.append(out)

    def add(self, out, display_id: str | None = None) -> None:
        self.flush()
        if display_id:
            self.display_ids.setdefault(display_id, []).append(out)
        self._append(out)

    def update(self, display_id: str, data: dict, metadata: dict) -> None:
        self.flush()
        for out in self.display_ids.get(display_id, []):
            out["data"], out["metadata"] = data, metadata

    def clear(self, wait: bool) -> None:
        self.flush()
        if wait:
            self.clear_pending = True
        else:
            self.outputs[:] = []


class _Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` while a cell runs: text goes to the cell's outputs."""

    def __init__(self, capture: _Capture, name: str) -> None:
        super().__init__()
        self._capture, self.name = capture, name

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self._capture.write(self.name, s)
        return len(s)

    def isatty(self) -> bool:
        return False


def _shell_class():
    """An ``InteractiveShell`` whose display hook, display publisher and traceback display
    write nbformat outputs (built on first use: IPython is imported then)."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type

    class Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:
            out = _output(
                "execute_result",
                data=format_dict,
                metadata=md_dict or {},
                execution_count=self.prompt_count,
            )
            self.shell.capture.add(out)

        def finish_displayhook(self) -> None:
            self._is_active = False

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
            self._validate_data(data, metadata)
            display_id = (transient or {}).get("display_id")
            if update and display_id:
                self.shell.capture.update(display_id, data, metadata or {})
                return
            out = _output("display_data", data=data, metadata=metadata or {})
            self.shell.capture.add(out, display_id)

        def clear_output(self, wait: bool = False) -> None:
            self.shell.capture.clear(wait)

    class Shell(InteractiveShell):
        displayhook_class = Type(Hook)
        display_pub_class = Type(Publisher)

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            _cache_static_transforms(self.input_transformer_manager)

        def _showtraceback(self, etype, evalue, stb) -> None:
            # as ipykernel: the error output carries the formatted traceback lines
            name = getattr(etype, "__name__", str(etype))
            self.capture.add(_output("error", ename=name, evalue=str(evalue), traceback=stb))
            self.capture.error = (name, str(evalue), stb)

    return Shell


def _output(output_type: str, **fields: Any):
    """An nbformat output, as ``nbformat.v4.new_output`` builds it, without its schema check
    of every single output (a jsonschema validation per ``display()``, the costliest step of
    publishing one): the executed notebook is validated as a whole when it is written.

    >>> from nbformat.v4 import new_output
    >>> _output("stream", name="stdout", text="a") == new_output("stream", name="stdout", text="a")
    True
    """
    from nbformat import NotebookNode

    out = NotebookNode(output_type=output_type)
    out.update(fields)  # NotebookNode turns nested dicts (data, metadata) into NotebookNodes
    return out


def _cache_static_transforms(manager) -> None:
    """Remember the static input transformations (``%magic``, ``!cmd``, ``?``) of each cell
    text: IPython re-tokenises every cell on every run, and a batch runs the same cells for
    every unit. The result depends only on the text and the transformer lists (part of the
    key, so a transformer registered later is applied); the dynamic, namespace-dependent
    step (one-line cells) is left to IPython.

    >>> from IPython.core.inputtransformer2 import TransformerManager
    >>> m = TransformerManager(); _cache_static_transforms(m)
    >>> m.transform_cell("%time x = 1\\n") == TransformerManager().transform_cell("%time x = 1\\n")
    True
    """
    transform = manager.transform_cell
    cache: dict[tuple, str] = {}

    def transform_cell(cell: str) -> str:
        key = (
            cell,
            *map(id, manager.cleanup_transforms),
            None,
            *map(id, manager.line_transforms),
            None,
            *map(id, manager.token_transformers),
        )
        out = cache.get(key)
        if out is None:
            if len(cache) > 512:  # a long interactive session: keep the cache bounded
                cache.clear()
            out = cache[key] = transform(cell)
        return out

    manager.transform_cell = transform_cell


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat().replace("+00:00", "Z")


def _language_info() -> dict[str, Any]:
    """What ipykernel reports as ``language_info`` (papermill copies it to the notebook)."""
    import platform

    return {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": platform.python_version(),
    }
