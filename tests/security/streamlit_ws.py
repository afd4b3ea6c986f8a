"""A raw Streamlit client, as an attacker writes one: a websocket to `/_stcore/stream` speaking
Streamlit's protobuf protocol (`BackMsg` up, `ForwardMsg` down, streamlit.proto), no browser.

It can name an existing Streamlit session id (the third entry of Sec-WebSocket-Protocol, what
a browser sends when it reconnects), send cookies and headers of its choosing, run the script,
read the texts the page draws and fill the login form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


@dataclass
class Run:
    """What one script run sent: the texts drawn and the widgets (label -> (kind, id))."""

    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)

    def says(self, fragment: str) -> bool:
        return any(fragment in text for text in self.texts)


class StreamlitClient:
    def __init__(
        self,
        url: str,
        *,
        session_id: str | None = None,
        cookies: dict | None = None,
        headers: dict | None = None,
        page: str = "",
        query: str = "",
    ) -> None:
        self.page, self.query = page, query
        ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        extra = dict(headers or {})
        if cookies:
            extra["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        # « streamlit », the XSRF token (none), the session to reconnect to.
        protocols = ["streamlit", "sansjeton"] + ([session_id] if session_id else [])
        self.ws = connect(
            ws_url,
            subprotocols=protocols,
            origin=url,
            additional_headers=extra,
            open_timeout=60,
            max_size=None,
            ping_interval=None,  # a loaded server may not answer pings in time: not our subject
        ).__enter__()  # held open across calls; closed by close()
        self.session_id: str | None = None

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> StreamlitClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, widgets: list | None = None, timeout: float = 120) -> Run:
        """Ask for a script run (with these widget states) and collect what it draws."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        self.ws.send(message.SerializeToString())
        return self._collect(timeout)

    def _collect(self, timeout: float) -> Run:
        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the script run did not finish")
            raw = self.ws.recv(timeout=left)
            if isinstance(raw, str):
                continue
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                _read_element(msg.delta.new_element, run)
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run = Run()  # st.rerun(): what counts is the run that follows
                    continue
                return run


def _read_element(element, run: Run) -> None:
    kind = element.WhichOneof("type")
    inner = getattr(element, kind)
    if kind == "exception":
        run.exceptions.append(f"{inner.type}: {inner.message}")
    for name in ("body", "label"):
        text = getattr(inner, name, None)
        if isinstance(text, str) and text:
            run.texts.append(text)
    widget_id = getattr(inner, "id", None)
    label = getattr(inner, "label", None)
    if isinstance(widget_id, str) and widget_id and isinstance(label, str):
        run.widgets[label] = (kind, widget_id)


def text_value(widget_id: str, value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, string_value=value)


def trigger(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)


def sign_in(client: StreamlitClient, email: str, password: str) -> Run:
    """Fill and send the login form the first run drew."""
    form = client.run()
    (_, email_id) = form.widgets["Adresse e-mail"]
    (_, password_id) = form.widgets["Mot de passe"]
    (_, submit_id) = form.widgets["Se connecter"]
    return client.run(
        [text_value(email_id, email), text_value(password_id, password), trigger(submit_id)]
    )


def signed_in(run: Run) -> bool:
    return "Se déconnecter" in run.widgets
