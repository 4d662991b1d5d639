"""A Streamlit session without a browser, for the load test.

It speaks the protocol a browser tab speaks to `streamlit run` over `/_stcore/stream`: it
asks for a script run of a page (with the widget values the person changed) and reads the
elements the run sends back, until the run's end. So the server does exactly the work a
browser session causes, while the client spends almost no CPU drawing; on a two-core machine
that leaves the cores to the app being measured.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "interrupted",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
}
ALERT_KINDS = {1: "error", 2: "warning", 3: "info", 4: "success"}  # Alert.Format


@dataclass
class Run:
    """What one script run sent back: its elements in order, how it ended, how long it took."""

    page: str
    elements: list[Element] = field(default_factory=list)
    status: str = "timeout"
    seconds: float = 0.0

    def _of(self, kind: str) -> list:
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    def metrics(self) -> dict[str, str]:
        return {m.label: m.body for m in self._of("metric")}

    def markdown(self) -> list[str]:
        return [m.body for m in self._of("markdown")]

    def frames(self) -> list[pd.DataFrame]:
        return [pa.ipc.open_stream(io.BytesIO(d.arrow_data.data)).read_pandas()
                for d in self._of("dataframe") if d.HasField("arrow_data")]

    def alerts(self, kind: str) -> list[str]:
        return [a.body for a in self._of("alert") if ALERT_KINDS.get(a.format) == kind]

    def exceptions(self) -> list[str]:
        return [f"{x.type}: {x.message}" for x in self._of("exception")]

    def widget(self, kind: str, label: str):
        """The first widget of `kind` (e.g. "selectbox") labelled `label`."""
        found = [w for w in self._of(kind) if w.label == label]
        if not found:
            raise LookupError(f"no {kind} labelled {label!r} on {self.page}")
        return found[0]


class Session:
    """One browser-less session. `pages` maps each page title the app offers to its hash."""

    def __init__(self, url: str, timeout_s: float = 120):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.timeout_s = timeout_s
        self.pages: dict[str, str] = {}
        self.page = ""
        self._ws = None

    async def __aenter__(self) -> Session:
        self._ws = await websockets.connect(self.url, subprotocols=["streamlit"],
                                            max_size=None, open_timeout=self.timeout_s)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._ws.close()

    async def run(self, page: str | None = None, widgets: Iterable[WidgetState] = ()) -> Run:
        """Ask for a run of `page` (a title; None = stay on the current page) with the
        changed `widgets`, and collect what it sends until it ends."""
        if page is not None:
            self.page = page
        state = ClientState(page_script_hash=self.pages.get(self.page, ""))
        state.widget_states.widgets.extend(widgets)
        run = Run(self.page or "(default)")
        started = time.perf_counter()
        await self._ws.send(BackMsg(rerun_script=state).SerializeToString())
        try:
            await asyncio.wait_for(self._collect(run), self.timeout_s)
        except TimeoutError:
            run.status = "timeout"
        except websockets.ConnectionClosed as exc:
            run.status = f"disconnected ({exc})"
        run.seconds = time.perf_counter() - started
        return run

    async def _collect(self, run: Run) -> None:
        while True:
            msg = ForwardMsg.FromString(await self._ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
                current = {h: t for t, h in self.pages.items()}
                self.page = current.get(msg.navigation.page_script_hash, self.page)
                run.page = self.page
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                run.elements.append(msg.delta.new_element)
            elif kind == "script_finished":
                run.status = FINISHED.get(msg.script_finished, "unknown end")
                if run.status != "interrupted":
                    return


def selectbox_choice(widget, option: str) -> WidgetState:
    """The state a browser sends when `option` (its shown text, or a part of it that only
    one option has) is picked in `widget`."""
    matches = [o for o in widget.options if o == option] or [
        o for o in widget.options if option in o]
    if len(matches) != 1:
        raise LookupError(f"{option!r} matches {len(matches)} options of {widget.label!r}")
    return WidgetState(id=widget.id, string_value=matches[0])


def date_choice(widget, day) -> WidgetState:
    state = WidgetState(id=widget.id)
    state.string_array_value.data.append(day.isoformat())
    return state
